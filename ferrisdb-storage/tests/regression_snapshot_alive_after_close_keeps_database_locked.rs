//! Regression (issue 15): a `Snapshot` still alive after `close` kept the
//! database locked. The lock file belonged to the engine's shared state,
//! which a snapshot keeps alive, so reopening the directory failed with
//! `DatabaseLocked`, whose message says "close that instance first": it was
//! closed. Now `close` releases the lock once the engine can no longer write,
//! and the snapshot keeps reading the view it was taken at.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn regression_snapshot_alive_after_close_keeps_database_locked() {
    let fs = FaultFileSystem::new();
    let config = StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    db.put("key", "old").unwrap();
    let snapshot = db.snapshot().unwrap();
    db.put("key", "new").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(config)
        .unwrap_or_else(|e| panic!("reopening after close, with a snapshot alive: {e}"));
    assert_eq!(db.get("key").unwrap(), Some("new".into()));
    assert_eq!(snapshot.get("key").unwrap(), Some("old".into()));
    drop(snapshot);
    db.put("key", "newer").unwrap();
    assert_eq!(db.get("key").unwrap(), Some("newer".into()));
}
