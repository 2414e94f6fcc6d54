//! A database with range deletes written by commit 8234af5 opens and reads
//! the same today.
//!
//! `tests/fixtures/db-8234af5` was written by commit 8234af5, the last
//! commit before cache-local bloom filters (table format version 2,
//! database format version 5). Its database format is version 4 with the
//! incompatible features `keyspaces` and `range_deletes`, and it holds every
//! on-disk form of that time: the tables of `db-231dc6f` (each compression,
//! three levels, six size-tiered runs), and since then
//! - `000044.sst`, `000045.sst`, `000046.sst` at level 0: the logs of
//!   `db-231dc6f` (`default`, `users` and `events`), flushed by the first
//!   open;
//! - `000048.sst`, of only a range tombstone (`default`), and `000049.sst`,
//!   `000050.sst` (`users`, `events`), with a range-delete block beside
//!   their points, at level 0;
//! - `000051.wal`, a log (version 3) of range and prefix deletes and a put,
//!   never flushed, sealed by a clean close;
//! - `MANIFEST`, format version 4, both features declared, every keyspace's
//!   log 51.
//!
//! Every table has the standard bloom filter of table format version 1.
//!
//! The writer was a test beside 8234af5's engine, starting from a copy of
//! `db-231dc6f`, with the default settings but `disable_auto_compactions`,
//! session by session:
//! 1. `delete_range(key0020..key0140)` in `default`;
//!    `delete_prefix("key01")` in `events`; one batch of
//!    `delete_range_in(users, key0050..=key0060)`, `put_in(users, key0055,
//!    "after")`, `delete_range_in(events, key0230..)`, `put_in(events,
//!    key0231, "after")`; `flush`; `close`;
//! 2. `delete_range(key0240..key0250)` and `put(key0245, "session 2")` in
//!    `default`; `delete_prefix("key000")` in `users`; `close`.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::keyspace_rounds::{model as rounds_model, KEY_COUNT};
use common::old_database::{assert_keyspaces_read_as, copy_fixture, fixture, key, Model};
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_storage::internals::manifest::{format, ManifestState};
use ferrisdb_storage::internals::sstable::format::{
    FOOTER_LEN, FOOTER_VERSION_OFFSET, FORMAT_VERSION as TABLE_FORMAT_VERSION,
};
use ferrisdb_storage::sstable::TableReader;
use ferrisdb_storage::{FeatureClass, StorageConfig, StorageEngine, TableRecord};

const FIXTURE: &str = "db-8234af5";

/// What each keyspace holds: `db-231dc6f`'s rounds, then the two sessions.
fn model() -> BTreeMap<&'static str, Model> {
    let mut expected = rounds_model();
    let remove = |model: &mut Model, start: u32, end: u32| {
        model.retain(|k, _| !(key(start) <= *k && *k < key(end)));
    };
    let default = expected.get_mut("default").unwrap();
    remove(default, 20, 140);
    remove(default, 240, 250);
    default.insert(key(245), b"session 2".to_vec());
    let users = expected.get_mut("users").unwrap();
    remove(users, 50, 61);
    users.insert(key(55), b"after".to_vec());
    remove(users, 0, 10);
    let events = expected.get_mut("events").unwrap();
    remove(events, 100, 200);
    remove(events, 230, 10_000);
    events.insert(key(231), b"after".to_vec());
    expected
}

fn manifest(dir: &Path) -> ManifestState {
    let path = dir.join("MANIFEST");
    ManifestState::decode(&std::fs::read(&path).unwrap(), &path).unwrap()
}

/// Every table the manifest of `dir` lists, by keyspace.
fn tables(state: &ManifestState) -> Vec<(&str, &TableRecord)> {
    let default = state.tables.iter().map(|t| ("default", t));
    let others = state
        .keyspaces
        .records
        .iter()
        .flat_map(|r| r.tables.iter().map(move |t| (r.name.as_str(), t)));
    default.chain(others).collect()
}

/// The format version in the footer of the table `number` of `dir`.
fn table_version(dir: &Path, number: u64) -> u32 {
    let bytes = std::fs::read(dir.join(format!("{number:06}.sst"))).unwrap();
    let at = bytes.len() - FOOTER_LEN + FOOTER_VERSION_OFFSET;
    u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
}

/// The fixture is what the module docs say: the new tables with their
/// range-delete blocks, a log of range deletes, both features declared,
/// and every table of table format version 1.
#[test]
fn the_fixture_holds_range_delete_blocks_and_a_log_of_range_deletes() {
    let dir = fixture(FIXTURE);
    let bytes = std::fs::read(dir.join("MANIFEST")).unwrap();
    assert_eq!(&bytes[8..12], &4u32.to_le_bytes(), "manifest version");
    let state = manifest(&dir);
    assert_eq!(
        state.feature_flags(FeatureClass::Incompatible),
        format::INCOMPAT_KEYSPACES | format::INCOMPAT_RANGE_DELETES
    );
    let fs = os_file_system();
    let layout: Vec<(&str, u32, u64, bool)> = tables(&state)
        .into_iter()
        .map(|(keyspace, t)| {
            let path = dir.join(format!("{:06}.sst", t.file_number));
            let reader = TableReader::open(&fs, &path, None).unwrap();
            let ranges = !reader.range_tombstones().is_empty();
            (keyspace, t.level, t.file_number, ranges)
        })
        .collect();
    let with_ranges: Vec<_> = layout.iter().filter(|t| t.3).collect();
    assert_eq!(
        with_ranges,
        [
            &("default", 0, 48, true),
            &("users", 0, 49, true),
            &("events", 0, 50, true)
        ]
    );
    assert_eq!(layout.len(), 16, "{layout:?}");
    for &(_, _, number, _) in &layout {
        assert_eq!(table_version(&dir, number), 1, "table {number}");
    }
    let log = std::fs::read(dir.join("000051.wal")).unwrap();
    assert_eq!(&log[8..12], &3u32.to_le_bytes(), "log version");
    assert_eq!(state.closed_log.map(|c| c.number), Some(51));
}

#[test]
fn a_database_written_at_8234af5_reads_as_it_was_written() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(FIXTURE, dir.path());
    let expected = model();

    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    // The open upgraded the manifest to today's version.
    let bytes = std::fs::read(dir.path().join("MANIFEST")).unwrap();
    assert_eq!(
        bytes[format::VERSION_OFFSET..format::BODY_LEN_OFFSET],
        format::FORMAT_VERSION.to_le_bytes()
    );

    // Compacting rewrites every old table in today's table format.
    db.compact().unwrap();
    db.close().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    for (keyspace, table) in tables(&manifest(dir.path())) {
        assert_eq!(
            table_version(dir.path(), table.file_number),
            TABLE_FORMAT_VERSION,
            "{keyspace}: table {}",
            table.file_number
        );
    }
    db.close().unwrap();
}
