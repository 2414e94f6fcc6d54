//! Zeros that end a log are the end of the log (room its writer
//! preallocated), but a cleanly closed log has none: the close cut the
//! room off, durably, before it recorded the log's length in the manifest
//! (`closed_log`). So zeros where a closed log's end was, the seal among
//! them, are its end lost, corruption, though the log reads as ending
//! cleanly; and zeros past its seal are bytes added after it.

mod common;

use common::{dir, full_sync_config, replace_file};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{Error, StorageEngine};

/// A database closed after five synced puts, and its log with where each
/// of its records starts.
fn closed() -> (FaultFileSystem, std::path::PathBuf, Vec<u64>) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..5 {
        db.put(format!("k{i}"), vec![b'v'; 100]).unwrap();
    }
    db.close().unwrap();
    let (_, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let mut reader = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    let starts: Vec<u64> = reader.by_ref().map(|r| r.unwrap().offset).collect();
    assert_eq!(starts.len(), 5);
    assert!(reader.is_sealed(), "the close sealed it");
    assert_eq!(reader.zero_tail(), None, "the close cut its room off");
    (fs, log, starts)
}

fn open(fs: &FaultFileSystem, mode: RecoveryMode) -> Result<StorageEngine, Error> {
    StorageEngine::open(full_sync_config(&fs.fork(), mode))
}

#[test]
fn zeros_over_the_end_of_a_closed_log_are_its_end_lost() {
    let (fs, log, starts) = closed();
    let mut bytes = fs.read_all(&log).unwrap();
    let len = bytes.len();
    bytes[starts[3] as usize..].fill(0);
    replace_file(&fs, &log, &bytes);
    // The log alone reads as ending cleanly, in a zero tail, unsealed.
    let mut reader = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    assert_eq!(reader.by_ref().count(), 3);
    assert_eq!(reader.zero_tail(), Some(starts[3]));

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let Err(err) = open(&fs, mode) else {
            panic!("{mode:?}: the lost end of a closed log opened");
        };
        assert!(err.is_corruption(), "{mode:?}: {err}");
        let text = err.to_string();
        assert!(
            text.contains(&format!("closed cleanly at {len} bytes")),
            "{text}"
        );
        assert!(
            text.contains(log.file_name().unwrap().to_str().unwrap()),
            "{text}"
        );
    }
    // The way out: the writes before the zeros.
    let db = open(&fs, RecoveryMode::PointInTimeRecovery).unwrap();
    assert!(db.get("k2").unwrap().is_some());
    assert!(db.get("k3").unwrap().is_none());
    assert_eq!(
        db.stats().recovery_dropped_wal_bytes,
        len as u64 - starts[3]
    );
}

#[test]
fn zeros_after_the_seal_of_a_closed_log_are_bytes_added_after_it() {
    let (fs, log, _) = closed();
    let mut bytes = fs.read_all(&log).unwrap();
    let len = bytes.len();
    bytes.resize(len + 4096, 0);
    replace_file(&fs, &log, &bytes);
    let Err(err) = open(&fs, RecoveryMode::TolerateCorruptedTail) else {
        panic!("zeros added after the seal of a closed log opened");
    };
    assert!(err.is_corruption(), "{err}");
    assert!(
        err.to_string().contains("bytes were added after its seal"),
        "{err}"
    );
}
