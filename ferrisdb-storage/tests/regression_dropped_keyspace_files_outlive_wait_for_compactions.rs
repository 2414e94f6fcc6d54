//! Bug (found by the keyspace model test, issue 19): the flush thread let go
//! of a dropped keyspace (`purge_dropped`) in two steps: it took it off the
//! queue of dropped keyspaces and told the waiters, and only then dropped
//! the last reference, which deletes its table files. `wait_for_compactions`,
//! which waits until that queue is empty, could return in between, with the
//! dropped keyspace's files still in the directory (the function's docs say
//! its work is done then, and tests count the files after it).
//!
//! Now the last reference goes before the waiters are told. A keyspace of
//! many tables makes the deletion long enough for the waiter to see it; the
//! scenario runs several rounds, as the old order failed only when the
//! waiter ran first.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

fn table_files(fs: &FaultFileSystem) -> Vec<PathBuf> {
    fs.files()
        .into_iter()
        .filter(|p| p.to_string_lossy().contains(".sst"))
        .collect()
}

#[test]
fn a_dropped_keyspace_s_files_are_gone_when_wait_for_compactions_returns() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for round in 0..5 {
        let log = db.keyspace("log").unwrap();
        for i in 0..30 {
            log.put(format!("e:{i}"), "value").unwrap();
            db.flush().unwrap();
        }
        assert_eq!(table_files(&fs).len(), 30);
        drop(log);
        db.drop_keyspace("log").unwrap();
        db.wait_for_compactions().unwrap();
        let left = table_files(&fs);
        assert!(left.is_empty(), "round {round}: {} files left", left.len());
    }
}
