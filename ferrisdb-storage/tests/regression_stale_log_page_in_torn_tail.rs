//! Regression, found by the adversarial review of issue 14 (recovery modes): a crash whose unsynced tail holds
//! stale pages of an older, deleted log is refused as corruption.
//!
//! The recovery modes rest on this model (`docs/format/wal.md`, "Reading
//! and damage"): a crash loses unsynced bytes in any order and may "leave
//! zeros or garbage" in their place. The most likely garbage in a WAL's
//! unsynced tail is the old content of the disk blocks the file system gave
//! it: blocks freed when an older log was deleted after its flush (ext4 with
//! `data=writeback`, for one, can expose them after a power loss). Those
//! bytes are valid FerrisDB fragments with valid CRCs, and nothing in a
//! record ties it to its file (no file number, unlike RocksDB's recyclable
//! record types), so the reader takes the stale records for records of this
//! log, reads their durable lengths, and, since they claim more than the
//! damage offset, calls the torn tail corruption: the default mode refuses
//! to open a database whose every acknowledged write is intact.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

mod common;

use common::{dir, log_records, replace_file};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        wal_recovery_mode: RecoveryMode::TolerateCorruptedTail,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(dir())
    }
}

#[test]
fn stale_pages_of_a_deleted_log_in_a_torn_tail_are_not_corruption() {
    let fs = FaultFileSystem::new();
    // Session 1 fills a log under SyncMode::Full (every record claims the
    // one before it durable) and closes.
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..200 {
        db.put(format!("old{i:03}"), vec![b'o'; 90]).unwrap();
    }
    db.close().unwrap();
    let (_, old_log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let old_bytes = fs.read_all(&old_log).unwrap();

    // Session 2 replays and deletes that log, then acknowledges three
    // synced writes in a new log.
    let db = StorageEngine::open(config(&fs)).unwrap();
    assert!(!fs.exists(&old_log).unwrap(), "the old log is deleted");
    for i in 0..3 {
        db.put(format!("new{i}"), vec![b'n'; 37]).unwrap();
    }
    let (_, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let synced = log_records(&fs, &log);
    // The power goes before any close: keep the manifest of before it (a
    // close records the sealed log's length there).
    let manifest = dir().join("MANIFEST");
    let unclosed = fs.read_all(&manifest).unwrap();
    drop(db);
    replace_file(&fs, &manifest, &unclosed);

    // The power goes during a fourth write: the file grew by two pages, and
    // the disk blocks behind them still hold the deleted log's bytes at those
    // offsets. Every acknowledged byte is intact.
    let start = synced.len();
    let end = (start / 4096 + 2) * 4096;
    assert!(end <= old_bytes.len(), "the old log was long enough");
    let mut crashed = synced.clone();
    crashed.extend_from_slice(&old_bytes[start..end]);
    let mut file = fs.create(&log).unwrap();
    file.append(&crashed).unwrap();
    file.sync().unwrap();
    drop(file);

    match StorageEngine::open(config(&fs)) {
        Ok(db) => {
            for i in 0..3 {
                assert!(db.get(format!("new{i}")).unwrap().is_some(), "new{i}");
            }
        }
        Err(e) => panic!(
            "the default mode refused a crash that lost only unsynced bytes (stale pages of a \
             deleted log in the torn tail): {e}"
        ),
    }
}
