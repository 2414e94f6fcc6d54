//! Regression, found by the adversarial review of issue 14 (bug 4, recovery modes): a checkpoint's copy of the
//! live log is synced whole but not sealed, so damage in it is taken for a
//! torn tail.
//!
//! `checkpoint()` copies the logs still needed and syncs each copy in full
//! before writing the copy's manifest: every byte of the copied live log was
//! durable. But the copy is byte for byte the live log, which has no seal
//! and, under the default `SyncMode::Normal` without `sync_wal()`, claims no
//! durable length past its header. A byte damaged anywhere in the copy (a
//! backup is exactly what sits on a shelf and rots) then looks like what a
//! crash leaves: the default mode opens the checkpoint with every write from
//! the damage on silently gone (a warning and a counter, no error).

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{StorageConfig, StorageEngine};

fn config(fs: &FaultFileSystem, dir: &str) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(PathBuf::from(dir))
    }
}

#[test]
fn damage_in_a_checkpoint_log_copy_is_corruption() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, "/db")).unwrap();
    for i in 0..50 {
        db.put(format!("k{i:02}"), vec![b'v'; 100]).unwrap();
    }
    db.checkpoint("/backup").unwrap();
    drop(db);

    let (_, log) = wal_files(&fs, &PathBuf::from("/backup"))
        .unwrap()
        .pop()
        .unwrap();
    let offsets: Vec<u64> = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect();
    assert_eq!(offsets.len(), 50, "the copy holds every write");
    // One flipped byte in the tenth record of the (fully synced) copy.
    let mut bytes = fs.read_all(&log).unwrap();
    bytes[offsets[9] as usize + 12] ^= 0x01;
    let mut file = fs.create(&log).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);

    match StorageEngine::open(config(&fs, "/backup")) {
        Err(e) => assert!(e.is_corruption(), "{e}"),
        Ok(db) => {
            let present = (0..50)
                .filter(|i| db.get(format!("k{i:02}")).unwrap().is_some())
                .count();
            panic!(
                "the checkpoint opened with {present} of its 50 writes: damage in a log copy \
                 that checkpoint() synced whole was cut off as a torn tail \
                 (recovery_dropped_wal_records = {})",
                db.stats().recovery_dropped_wal_records
            );
        }
    }
}
