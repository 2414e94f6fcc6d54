//! What each fuzz target does with its input, shared with the stable test
//! `ferrisdb-storage/tests/fuzz_corpus.rs`, which feeds every committed corpus
//! file through the same functions under `cargo test`.
//!
//! Each function passes arbitrary bytes through one public decoder and walks
//! everything it decodes. Any outcome but a panic, a hang or a huge
//! allocation is fine: damaged input must be an error.

#![allow(dead_code)] // Each fuzz target uses one of the functions.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::config::keyspace_options_from_stored;
use ferrisdb_storage::internals::iterator::Cursor;
use ferrisdb_storage::internals::manifest::{ManifestState, StoredOptions};
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::block::{Block, BlockCursor};
use ferrisdb_storage::internals::sstable::range_del_block;
use ferrisdb_storage::internals::sstable::TableReader;
use ferrisdb_storage::internals::wal::{PayloadKind, RecoveryMode, WalReader};
use ferrisdb_storage::internals::write_batch::decode_logged;

/// The most steps a walk over decoded entries takes, so a bug that loops is
/// a finding rather than a hang.
const MAX_STEPS: usize = 100_000;

/// An in-memory file system holding `data` at `/fuzz/<name>`.
fn file_with(name: &str, data: &[u8]) -> (FaultFileSystem, std::path::PathBuf) {
    let fs = FaultFileSystem::new();
    let dir = Path::new("/fuzz");
    fs.create_dir_all(dir).expect("in-memory mkdir");
    let path = dir.join(name);
    let mut file = fs.create(&path).expect("in-memory create");
    file.append(data).expect("in-memory append");
    file.sync().expect("in-memory sync");
    (fs, path)
}

/// The WAL reader, in every recovery mode, over `data` as a log file, and
/// the batch decoder over every payload it returns.
pub fn wal_reader(data: &[u8]) {
    let (fs, path) = file_with("000001.wal", data);
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let Ok(mut reader) = WalReader::open(&fs, &path, mode) else {
            continue;
        };
        for (steps, record) in reader.by_ref().enumerate() {
            assert!(steps < MAX_STEPS, "the WAL reader does not end");
            let Ok(record) = record else {
                break;
            };
            // Each payload through the batch decoder recovery uses.
            let legacy = record.kind == PayloadKind::LegacyBatch;
            if let Ok((_, batch)) = decode_logged(&record.payload, legacy) {
                let entries = batch.entries();
                assert_eq!(entries.iter_in().count(), entries.len());
                let points = entries.iter().count();
                assert_eq!(points + entries.range_delete_count(), entries.len());
            }
        }
        assert!(reader.dropped_bytes() <= data.len() as u64);
    }
}

/// The block decoder and its cursor over `data` as a block's contents.
pub fn block_decoder(data: &[u8]) {
    let Ok(block) = Block::decode(data.to_vec(), Path::new("/fuzz/block"), 0) else {
        return;
    };
    let block = Arc::new(block);
    let mut cursor = BlockCursor::new(Arc::clone(&block));
    if cursor.seek_to_first().is_ok() {
        let mut steps = 0;
        while cursor.valid() && cursor.next().is_ok() {
            steps += 1;
            assert!(steps < MAX_STEPS, "the block cursor does not end");
        }
    }
    let mut cursor = BlockCursor::new(Arc::clone(&block));
    if cursor.seek_to_last().is_ok() {
        let mut steps = 0;
        while cursor.valid() && cursor.prev().is_ok() {
            steps += 1;
            assert!(steps < MAX_STEPS, "the block cursor does not end backwards");
        }
    }
    let probe = &data[..data.len().min(8)];
    let mut cursor = BlockCursor::new(block);
    let _ = cursor.seek(probe, u64::MAX);
}

/// The table reader over `data` as a table file: open, verify, point reads
/// and full scans both ways.
pub fn table_reader(data: &[u8]) {
    let (fs, path) = file_with("000001.sst", data);
    let fs: SharedFileSystem = Arc::new(fs);
    let Ok(reader) = TableReader::open(&fs, &path, None) else {
        return;
    };
    let _ = reader.verify();
    for key in [&b""[..], b"a", b"key0001", b"\xff\xff"] {
        let _ = reader.get(key, u64::MAX);
        let _ = reader.range_tombstones().covering(key, u64::MAX);
    }
    let mut iter = reader.iter();
    if iter.seek_to_first().is_ok() {
        let mut steps = 0;
        while iter.valid() && iter.next().is_ok() {
            steps += 1;
            assert!(steps < MAX_STEPS, "the table iterator does not end");
        }
    }
    let mut iter = reader.iter();
    if iter.seek_to_last().is_ok() {
        let mut steps = 0;
        while iter.valid() && iter.prev().is_ok() {
            steps += 1;
            assert!(
                steps < MAX_STEPS,
                "the table iterator does not end backwards"
            );
        }
    }
}

/// The range-delete block decoder over `data` as a block's contents: what
/// decodes is canonical (cutting its tombstones again gives it back) and
/// answers every probe as its tombstones do, looked at one by one.
pub fn range_del_block(data: &[u8]) {
    let Ok(list) = range_del_block::decode(data) else {
        return;
    };
    assert!(!list.is_empty(), "a block holds one fragment at least");
    assert!(
        list.fragments().iter().all(|f| f.end.is_some()),
        "a table holds no unbounded fragment"
    );
    assert_eq!(
        FragmentedTombstones::merge([&list]),
        list,
        "a decoded block is not canonical"
    );
    let tombstones: Vec<_> = list.tombstones().collect();
    let probes = list
        .fragments()
        .iter()
        .take(64)
        .flat_map(|f| [f.start.clone(), f.end.clone().unwrap_or_default()]);
    for key in probes {
        for read_ts in [0, 1, 1 << 32, u64::MAX] {
            let brute = tombstones
                .iter()
                .filter(|t| t.covers(&key) && t.timestamp <= read_ts)
                .map(|t| t.timestamp)
                .max();
            assert_eq!(list.covering(&key, read_ts), brute, "covering disagrees");
        }
    }
}

/// The manifest decoder over `data`; whatever decodes must encode back to a
/// manifest that decodes to the same state, and a keyspace's options that
/// the config accepts must store back as they were.
pub fn manifest_decoder(data: &[u8]) {
    let path = Path::new("/fuzz/MANIFEST");
    if let Ok(state) = ManifestState::decode(data, path) {
        let again = ManifestState::decode(&state.encode(), path).expect("re-encoded manifest");
        assert_eq!(again, state, "manifest does not round-trip");
        for record in &state.keyspaces.records {
            if let Ok(options) = keyspace_options_from_stored(&record.options, &record.name, path) {
                let stored = StoredOptions::from(&options);
                assert_eq!(stored, record.options, "keyspace options do not round-trip");
            }
        }
    }
}
