//! Regression (issue 14, bug 4): damage at the end of a cleanly closed log
//! was taken for a torn tail and silently cut off.
//!
//! A closed log was synced to its full length, so a crash cannot have torn
//! it: damage there is corruption. Before the fix, a byte flipped in the
//! final record let `open` succeed with a delete gone (the deleted value came
//! back), and zeros across the last block boundary dropped every record after
//! them, because only the first byte of each later block was checked for
//! valid data.

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::OsFileSystem;
use ferrisdb_storage::internals::wal::format::BLOCK_SIZE;
use ferrisdb_storage::internals::wal::{RecoveryMode, WalReader};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn only_log(dir: &Path) -> PathBuf {
    let logs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "wal"))
        .collect();
    assert_eq!(logs.len(), 1, "{logs:?}");
    logs.into_iter().next().unwrap()
}

/// The offset of every record of a log.
fn record_offsets(log: &Path) -> Vec<u64> {
    WalReader::open(&OsFileSystem, log, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect()
}

fn assert_corruption_in(result: ferrisdb_storage::Result<StorageEngine>, log: &Path) -> Error {
    let Err(err) = result else {
        panic!("damage inside a closed log must not open, but it opened");
    };
    assert!(err.is_corruption(), "{err}");
    let name = log.file_name().unwrap().to_str().unwrap();
    assert!(err.to_string().contains(name), "{err}");
    err
}

#[test]
fn a_flipped_byte_in_the_final_record_of_a_closed_log_is_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig::new(dir.path());
    let db = StorageEngine::open(config.clone()).unwrap();
    db.put("key", "old value").unwrap();
    db.close().unwrap();
    // The reopen moved the put into a table; the new log holds the delete.
    let db = StorageEngine::open(config.clone()).unwrap();
    db.delete("key").unwrap();
    db.close().unwrap();

    let log = only_log(dir.path());
    let offsets = record_offsets(&log);
    assert_eq!(offsets.len(), 1, "the log holds the delete alone");
    let mut bytes = std::fs::read(&log).unwrap();
    bytes[offsets[0] as usize + 12] ^= 0x04;
    std::fs::write(&log, &bytes).unwrap();

    assert_corruption_in(StorageEngine::open(config.clone()), &log);
    // The error names the way out, and it works: point-in-time recovery
    // opens before the damaged delete and says it dropped bytes.
    let db = StorageEngine::open(StorageConfig {
        wal_recovery_mode: RecoveryMode::PointInTimeRecovery,
        ..config
    })
    .unwrap();
    assert_eq!(db.get("key").unwrap(), Some("old value".into()));
    assert!(db.stats().recovery_dropped_wal_bytes > 0);
}

#[test]
fn zeros_across_the_last_block_boundary_of_a_closed_log_are_corruption() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig::new(dir.path());
    let db = StorageEngine::open(config.clone()).unwrap();
    for i in 0..100 {
        db.put(format!("key{i:03}"), vec![b'v'; 1000]).unwrap();
    }
    db.close().unwrap();

    let log = only_log(dir.path());
    let mut bytes = std::fs::read(&log).unwrap();
    let boundary = (bytes.len() / BLOCK_SIZE) * BLOCK_SIZE;
    assert!(
        boundary > 0 && bytes.len() - boundary > 2_000,
        "records follow the boundary"
    );
    bytes[boundary - 100..boundary + 100].fill(0);
    std::fs::write(&log, &bytes).unwrap();

    let err = assert_corruption_in(StorageEngine::open(config), &log);
    let offset = match err {
        Error::Corruption { offset, .. } | Error::ChecksumMismatch { offset, .. } => offset,
        other => panic!("{other}"),
    };
    assert!(
        offset <= boundary as u64,
        "reported at the damage: {offset}"
    );
}
