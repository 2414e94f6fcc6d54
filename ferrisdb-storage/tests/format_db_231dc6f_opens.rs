//! A database of several keyspaces written by commit 231dc6f opens and
//! reads the same today.
//!
//! `tests/fixtures/db-231dc6f` was written by commit 231dc6f, the last
//! commit before range deletes (a log entry of tag 3, a table's range-del
//! block, the manifest's incompatible feature `range_deletes`). Its
//! database format is version 4 with the incompatible feature `keyspaces`,
//! and it holds every on-disk form of that time:
//! - the `default` keyspace, leveled: `000007.sst` at level 2 with LZ4
//!   blocks (round 1), `000028.sst` at level 1 with zstd blocks (round 2,
//!   overwrites and tombstones), `000036.sst` at level 0 without compression
//!   (round 3, overwrites and tombstones);
//! - `users` (id 1), leveled with options of its own, changed once: its
//!   rounds 1 and 2 merged into `000030.sst` at level 1 (LZ4, 2 KiB blocks,
//!   6 bloom bits per key); its round 3 only in the oldest log;
//! - `events` (id 2), size-tiered, no compression, 512-byte blocks: six
//!   sorted runs at level 0, newest first `000042.sst` (tombstones),
//!   `000040.sst`, `000039.sst`, `000031.sst`, `000026.sst`, `000019.sst`;
//! - `scratch` (id 3), dropped: its table deleted, gone from the manifest,
//!   its last writes still in `000038.wal` under its id, which replay skips;
//! - four logs (version 3, batches of kind DATA whose entries carry their
//!   keyspace id), all needed at open: `000035.wal` (users round 3, the
//!   start of events round 3), `000037.wal` (events round 3), `000038.wal`
//!   (the rest of events round 3, scratch round 3, the first 16 batches of
//!   round 4) and `000041.wal` (the other 36 batches of round 4), the last
//!   sealed by a clean close;
//! - `MANIFEST`, format version 4, the keyspaces record (next keyspace id 4)
//!   with each keyspace's options, tables and oldest log (`users` 35,
//!   `events` 41, `default` 38), and the closed log 41 with its length.
//!
//! The writer was a test beside 231dc6f's engine, with the default settings
//! but for these, session by session (each opened the directory again):
//! 1. `compression: Lz4`, `disable_auto_compactions`: `default` round 1;
//!    `keyspace_with("users", ..)`: leveled with
//!    `level0_file_num_compaction_trigger: 2`, `max_bytes_for_level_base:
//!    16 KiB`, `max_bytes_for_level_multiplier: 4`, zstd level 1, no bloom
//!    filter, 1 KiB blocks, 8 KiB MemTables without a filter; `users` round
//!    1; `flush` and `compact` (each keyspace's table to level 1); `close`;
//! 2. `compression: Zstd { level: 3 }`, a `CompactionStyle::Leveled` of
//!    `level0_file_num_compaction_trigger: 1` and `max_bytes_for_level_base:
//!    4096`: `wait_for_compactions` (table 7 moved to level 2);
//!    `keyspace_with("users", ..)` with LZ4, 2 KiB blocks and 6 bloom bits
//!    per key; `default` round 2, `users` round 2; `keyspace_with("events",
//!    ..)`: size-tiered with `min_merge_width: 3` and
//!    `max_size_amplification_percent: 150`, no compression, 12 bloom bits
//!    per key, 512-byte blocks, 4 KiB MemTables; `events` round 2 (MemTables
//!    filled, flushed and merged as they went); `keyspace("scratch")` (the
//!    database's settings), `scratch` round 2; `flush`,
//!    `wait_for_compactions`; `close`;
//! 3. `compression: None`, `disable_auto_compactions`, the leveled style of
//!    session 2: `default` round 3, `flush` (table 36); `users` round 3
//!    (kept in its MemTable, so log 35 stays); `events` round 3 (its
//!    MemTables filled, switching the log twice: runs 39 and 40);
//!    `scratch` round 3, then `drop_keyspace("scratch")`; round 4, written
//!    as 52 batches, the `n`th holding the `n`th write of `default`, `users`
//!    and `events` each (events' MemTable filled again: run 42, log 41);
//!    `close`.
//!
//! The rounds wrote what `common::keyspace_rounds` describes, in its order,
//! with the same keys and values: one `put` or `delete` per key, through a
//! keyspace handle.

mod common;

use std::path::Path;

use common::keyspace_rounds::{model, value, KEY_COUNT};
use common::old_database::{
    assert_keyspaces_read_as, copy_fixture, first_block_compression, fixture, key, Model,
};
use ferrisdb_storage::internals::manifest::{
    format, ClosedLog, ManifestState, StoredCompaction, StoredOptions,
};
use ferrisdb_storage::{CompressionType, FeatureClass, StorageConfig, StorageEngine, WriteBatch};

const FIXTURE: &str = "db-231dc6f";

fn manifest(dir: &Path) -> ManifestState {
    let path = dir.join("MANIFEST");
    ManifestState::decode(&std::fs::read(&path).unwrap(), &path).unwrap()
}

/// `users`' options as session 2 left them.
fn users_options() -> StoredOptions {
    StoredOptions {
        memtable_size: 8 << 10,
        block_size: 2048,
        bloom_bits_per_key: 6,
        compression: CompressionType::Lz4,
        compaction: StoredCompaction::Leveled {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: 16 << 10,
            max_bytes_for_level_multiplier: 4,
        },
        memtable_filter: false,
    }
}

/// `events`' options, as session 2 made it.
fn events_options() -> StoredOptions {
    StoredOptions {
        memtable_size: 4 << 10,
        block_size: 512,
        bloom_bits_per_key: 12,
        compression: CompressionType::None,
        compaction: StoredCompaction::SizeTiered {
            min_merge_width: 3,
            max_size_amplification_percent: 150,
        },
        memtable_filter: true,
    }
}

/// Checks the manifest `state` lists `users` and `events` with their ids
/// and options, and nothing of `scratch` (id 3): a dropped id is never
/// given again.
fn assert_keyspace_records(state: &ManifestState) {
    assert_eq!(
        state.feature_flags(FeatureClass::Incompatible),
        format::INCOMPAT_KEYSPACES,
        "keyspaces, and no other incompatible feature"
    );
    let records: Vec<(u32, &str, &StoredOptions)> = state
        .keyspaces
        .records
        .iter()
        .map(|r| (r.id, r.name.as_str(), &r.options))
        .collect();
    assert_eq!(
        records,
        [
            (1, "users", &users_options()),
            (2, "events", &events_options())
        ]
    );
    assert!(state.keyspaces.next_keyspace_id >= 4, "id 3 stays given");
}

/// The fixture is what the module docs say: each keyspace's tables in their
/// levels with their compression, `scratch` gone, and four logs that the
/// manifest still needs.
#[test]
fn the_fixture_holds_three_keyspaces_a_dropped_one_and_four_logs() {
    let dir = fixture(FIXTURE);
    let bytes = std::fs::read(dir.join("MANIFEST")).unwrap();
    assert_eq!(&bytes[8..12], &4u32.to_le_bytes(), "manifest version");
    let state = manifest(&dir);
    assert_keyspace_records(&state);
    assert_eq!(state.keyspaces.next_keyspace_id, 4);

    let layout = |tables: &[ferrisdb_storage::TableRecord]| -> Vec<(u32, u64, bool)> {
        tables
            .iter()
            .map(|t| (t.level, t.file_number, t.tombstone_count > 0))
            .collect()
    };
    assert_eq!(
        layout(&state.tables),
        [(0, 36, true), (1, 28, true), (2, 7, false)],
        "default"
    );
    let users = &state.keyspaces.records[0];
    assert_eq!(layout(&users.tables), [(1, 30, false)], "users");
    let events = &state.keyspaces.records[1];
    assert_eq!(
        layout(&events.tables),
        [
            (0, 42, true),
            (0, 40, false),
            (0, 39, false),
            (0, 31, false),
            (0, 26, false),
            (0, 19, false)
        ],
        "events"
    );
    for (number, compression) in [(36, 0), (28, 2), (7, 1), (30, 1), (42, 0), (19, 0)] {
        let table = dir.join(format!("{number:06}.sst"));
        assert_eq!(first_block_compression(&table), compression, "{number}");
    }
    assert!(!dir.join("000033.sst").exists(), "scratch's table is gone");

    // The oldest log any keyspace needs is users', and every log since it
    // is there.
    assert_eq!(
        (state.log_number, state.keyspaces.default_log_number),
        (35, 38)
    );
    assert_eq!((users.log_number, events.log_number), (35, 41));
    for number in [35, 37, 38, 41] {
        let log = std::fs::read(dir.join(format!("{number:06}.wal"))).unwrap();
        assert_eq!(&log[8..12], &3u32.to_le_bytes(), "log {number} version");
    }
    let last = std::fs::metadata(dir.join("000041.wal")).unwrap().len();
    assert_eq!(
        state.closed_log,
        Some(ClosedLog {
            number: 41,
            length: last
        })
    );
}

#[test]
fn a_database_written_at_231dc6f_reads_as_it_was_written_and_takes_writes() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(FIXTURE, dir.path());
    let mut expected = model();

    // The logs replay into their keyspaces, scratch's entries skipped.
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    // The open upgraded the manifest to today's version and kept the
    // keyspaces with their options.
    let bytes = std::fs::read(dir.path().join("MANIFEST")).unwrap();
    assert_eq!(
        bytes[format::VERSION_OFFSET..format::BODY_LEN_OFFSET],
        format::FORMAT_VERSION.to_le_bytes()
    );
    assert_keyspace_records(&manifest(dir.path()));

    // Writes to every keyspace, one batch across them, and `scratch` made
    // again: a new, empty keyspace under a new id.
    let users = db.keyspace("users").unwrap();
    let events = db.keyspace("events").unwrap();
    let scratch = db.keyspace("scratch").unwrap();
    assert_eq!(scratch.iter().unwrap().count(), 0, "scratch starts empty");
    let mut batch = WriteBatch::new();
    for i in 0..KEY_COUNT {
        if i % 13 == 0 {
            batch.delete_in(&users, key(i));
            expected.get_mut("users").unwrap().remove(&key(i));
        }
        if i % 17 == 0 {
            let v = value("events", 5, i);
            batch.put_in(&events, key(i), &v);
            expected.get_mut("events").unwrap().insert(key(i), v);
        }
    }
    db.write(batch).unwrap();
    for i in (0..KEY_COUNT).step_by(9) {
        db.put(key(i), value("default", 5, i)).unwrap();
        expected
            .get_mut("default")
            .unwrap()
            .insert(key(i), value("default", 5, i));
    }
    db.delete(key(100)).unwrap();
    expected.get_mut("default").unwrap().remove(&key(100));
    scratch.put(key(5), value("scratch", 5, 5)).unwrap();
    let mut scratch_model = Model::new();
    scratch_model.insert(key(5), value("scratch", 5, 5));
    expected.insert("scratch", scratch_model);
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);

    // Compacting rewrites every old table in today's format.
    db.compact().unwrap();
    drop((users, events, scratch));
    db.close().unwrap();

    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    let state = manifest(dir.path());
    let ids: Vec<(u32, &str)> = state
        .keyspaces
        .records
        .iter()
        .map(|r| (r.id, r.name.as_str()))
        .collect();
    assert_eq!(ids, [(1, "users"), (2, "events"), (4, "scratch")]);
    db.close().unwrap();
}
