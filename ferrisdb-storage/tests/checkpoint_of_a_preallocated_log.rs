//! A checkpoint of a database whose live log was synced: the log's file goes
//! on past its records in the zeros its syncs preallocated, and the
//! checkpoint's copy leaves them out. The copy ends with the seal the
//! checkpoint appends, right after the records; with the zeros before it,
//! the seal would vouch for them, and the copy would be corrupt.

mod common;

use std::sync::Arc;

use common::{full_sync_config, log_paths};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{StorageConfig, StorageEngine};

const WRITES: usize = 40;

#[test]
fn a_checkpoint_copies_the_live_log_without_its_zero_tail() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..WRITES {
        db.put(format!("k{i:02}"), vec![b'v'; 100]).unwrap();
    }
    let live = log_paths(&fs).pop().unwrap();
    let mut reader = WalReader::open(&fs, &live, RecoveryMode::AbsoluteConsistency).unwrap();
    reader.by_ref().for_each(drop);
    let records_end = reader.zero_tail().expect("the live log was preallocated");

    db.checkpoint("/backup").unwrap();
    drop(db);
    let backup = std::path::PathBuf::from("/backup");
    let (_, copy) = wal_files(&fs, &backup).unwrap().pop().unwrap();
    let mut reader = WalReader::open(&fs, &copy, RecoveryMode::AbsoluteConsistency).unwrap();
    assert_eq!(reader.by_ref().map(Result::unwrap).count(), WRITES);
    assert!(reader.is_sealed() && reader.zero_tail().is_none());
    assert!(
        reader.file_len() > records_end,
        "the seal follows the records"
    );
    assert!(
        fs.read_all(&copy).unwrap().len() < 1 << 20,
        "no zeros copied"
    );

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let config = StorageConfig {
            file_system: Arc::new(fs.fork()),
            wal_recovery_mode: mode,
            ..StorageConfig::new(&backup)
        };
        let db = StorageEngine::open(config).unwrap_or_else(|e| panic!("{mode:?}: {e}"));
        for i in 0..WRITES {
            assert!(
                db.get(format!("k{i:02}")).unwrap().is_some(),
                "{mode:?}: k{i:02}"
            );
        }
    }
}
