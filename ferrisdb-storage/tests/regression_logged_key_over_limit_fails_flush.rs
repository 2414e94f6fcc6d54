//! Regression (issue 18, found by the review of the WAL): replay did not
//! check logged keys and values against the limits a table holds, so a log
//! record with a key over `MAX_KEY_SIZE` (which no write is accepted with)
//! went into a MemTable, and `open` then failed in the flush of the replayed
//! data with the table builder's `InvalidArgument`, naming neither the log
//! nor the record.
//!
//! Decoding a logged batch now refuses it, as it refuses any record no write
//! could have logged: a corruption error naming the log and the record's
//! offset; point in time recovery opens with the writes before it.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::{wal_files, WalOptions, WalWriter};
use ferrisdb_storage::{
    Error, RecoveryMode, StorageConfig, StorageEngine, SyncMode, WriteBatch, MAX_KEY_SIZE,
};

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_sync_mode: SyncMode::Full,
        wal_recovery_mode: mode,
        ..StorageConfig::new("/db")
    }
}

/// A crashed database whose log holds a put of `a`, a put of a key one byte
/// over `MAX_KEY_SIZE`, and a put of `b`; returns the log and the offset of
/// the second record.
fn crafted() -> (FaultFileSystem, PathBuf, u64) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    db.put("a", "1").unwrap();
    let fs = fs.crash();
    drop(db);
    let (number, log) = wal_files(&fs, Path::new("/db")).unwrap().pop().unwrap();
    // The log again, written by hand: the batches' encoding checks no limit.
    let writer =
        WalWriter::create(Arc::new(fs.clone()), "/db", number, WalOptions::default()).unwrap();
    let first = writer
        .append(&[&WriteBatch::new().put("a", "1").encode(1)])
        .unwrap();
    let long_key = vec![b'k'; MAX_KEY_SIZE + 1];
    writer
        .append(&[&WriteBatch::new().put(&long_key, "v").encode(2)])
        .unwrap();
    writer
        .append(&[&WriteBatch::new().put("b", "2").encode(3)])
        .unwrap();
    writer.close().unwrap();
    (fs, log, first.offset)
}

#[test]
fn regression_logged_key_over_limit_fails_flush() {
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let (fs, log, offset) = crafted();
        match StorageEngine::open(config(&fs, mode)) {
            Err(Error::Corruption {
                file,
                offset: at,
                reason,
            }) => {
                assert_eq!((file, at), (log, offset), "{mode:?}: {reason}");
                assert!(reason.contains("MAX_KEY_SIZE"), "{mode:?}: {reason}");
            }
            Err(other) => panic!("{mode:?}: not a corruption error naming the log: {other}"),
            Ok(_) => panic!("{mode:?}: opened a log holding a key no table can hold"),
        }
    }
}

#[test]
fn point_in_time_opens_with_the_writes_before_the_record() {
    let (fs, _, _) = crafted();
    let db = StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(db.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(db.get("b").unwrap(), None);
    assert_eq!(db.stats().recovery_dropped_wal_records, 2);
}
