//! Regression (issue 20, second review): the write path refused a range
//! delete whose start is `MAX_KEY_SIZE + 1` bytes of `0xff` with no end,
//! because a table cannot end it, but the log's decoder accepted it: a log
//! holding one replayed into a MemTable, and `open` failed in the flush of
//! the replayed data, naming neither the log nor the record, as the
//! issue-18 regression of over-long keys did
//! (`regression_logged_key_over_limit_fails_flush.rs`). Both now refuse it
//! by one test (`write_batch/entry.rs`, `starts_past_every_key`).

mod common;

use common::fault_config;
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, WalOptions, WalWriter};
use ferrisdb_storage::{Error, RecoveryMode, StorageEngine, WriteBatch, MAX_KEY_SIZE};
use std::sync::Arc;

#[test]
fn a_logged_unbounded_range_of_the_longest_all_ff_start_is_refused_as_corruption() {
    let before = FaultFileSystem::new();
    // A database whose manifest declares range deletes, cut by a power
    // loss (so its log is not sealed), and whose log is then replaced by
    // crafted records.
    let db = StorageEngine::open(fault_config(&before, RecoveryMode::default())).unwrap();
    db.delete_range("q".."r").unwrap();
    let fs = before.crash();
    drop(db);
    let (number, log) = wal_files(&fs, &common::dir()).unwrap().pop().unwrap();
    fs.remove(&log).unwrap();
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        common::dir(),
        number,
        WalOptions::default(),
    )
    .unwrap();
    writer
        .append(&[&WriteBatch::new().put("a", "1").encode(10)])
        .unwrap();
    // The batch builder checks no limit; the engine's write would refuse it.
    let start = vec![0xff_u8; MAX_KEY_SIZE + 1];
    let crafted = writer
        .append(&[&WriteBatch::new().delete_prefix(&start).encode(11)])
        .unwrap();
    writer.close().unwrap();

    // Point in time recovery should open with the writes before the record.
    match StorageEngine::open(fault_config(&fs.clone(), RecoveryMode::PointInTimeRecovery)) {
        Ok(db) => assert_eq!(db.get("a").unwrap().as_deref(), Some(&b"1"[..])),
        Err(e) => eprintln!("point in time recovery does not open either: {e}"),
    }
    match StorageEngine::open(fault_config(&fs, RecoveryMode::AbsoluteConsistency)) {
        Err(Error::Corruption {
            file,
            offset,
            reason,
        }) => {
            assert_eq!((file, offset), (log, crafted.offset), "{reason}");
        }
        Err(other) => panic!("open failed, but not with a corruption naming the log: {other:?}"),
        Ok(db) => {
            // Opened: then the range must at least be in force and reopen.
            db.flush().unwrap();
            db.close().unwrap();
            StorageEngine::open(fault_config(&fs, RecoveryMode::AbsoluteConsistency)).unwrap();
        }
    }
}
