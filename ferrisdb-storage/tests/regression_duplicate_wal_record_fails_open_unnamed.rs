//! Regression (found by the review of issue 14): a log holding a record
//! twice made `open` fail in every mode with the MemTable's "duplicate
//! entry" `InvalidArgument`, which names neither the log nor the offset, and
//! point-in-time recovery could not open the database either.
//!
//! A copy of a record at another offset no longer checks out (a fragment's
//! CRC covers its offset), so the log here is written whole by a `WalWriter`
//! that is given the same timestamp twice: every fragment is valid, and only
//! the timestamps, which a log never repeats or lowers, show the damage.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Error, StorageEngine, WriteBatch};

mod common;

use common::{crafted_log, fault_config};

#[test]
fn regression_duplicate_wal_record_fails_open_unnamed() {
    let fs = FaultFileSystem::new();
    // The log again, with the third write logged twice.
    let (writer, log) = crafted_log(&fs);
    let mut offsets = Vec::new();
    for timestamp in [1, 2, 3, 4, 5, 3] {
        let batch = WriteBatch::new().put(format!("k{timestamp}"), "v").clone();
        offsets.push(writer.append(&[&batch.encode(timestamp)]).unwrap());
    }
    writer.close().unwrap();
    let repeated_at = offsets[4].offset;

    let name = log.file_name().unwrap().to_string_lossy().into_owned();
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let err = StorageEngine::open(fault_config(&fs.fork(), mode)).unwrap_err();
        assert!(err.is_corruption(), "{mode:?}: {err}");
        assert!(err.to_string().contains(&name), "{mode:?}: {err}");
        let Error::Corruption { offset, .. } = err else {
            panic!("{err}")
        };
        assert_eq!(offset, repeated_at, "{mode:?}");
    }
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    for timestamp in 1..=5 {
        assert!(db.get(format!("k{timestamp}")).unwrap().is_some());
    }
    assert_eq!(db.stats().recovery_dropped_wal_records, 1);
}
