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

mod common;

use std::path::PathBuf;

use common::{crafted_log, fault_config};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, RecoveryMode, StorageEngine, WriteBatch, MAX_KEY_SIZE};

/// A database whose log holds a put of `a`, a put of a key one byte over
/// `MAX_KEY_SIZE` (the batch's encoding checks no limit), and a put of `b`;
/// returns its file system, the log and the offset of the second record.
fn crafted() -> (FaultFileSystem, PathBuf, u64) {
    let fs = FaultFileSystem::new();
    let (writer, log) = crafted_log(&fs);
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
        match StorageEngine::open(fault_config(&fs, mode)) {
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
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(db.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(db.get("b").unwrap(), None);
    assert_eq!(db.stats().recovery_dropped_wal_records, 2);
}
