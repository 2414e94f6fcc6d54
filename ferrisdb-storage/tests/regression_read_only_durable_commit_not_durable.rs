//! Regression (issue 21, found by its review). A read-only transaction committed with `SyncMode::Full` after reading a
//! write that was not yet synced (a `Normal` write), then a power loss.
//!
//! Promise (`Transaction::commit_opt`: "durable as `options` say"; an
//! empty durable `write` "makes every write before it durable ... so its
//! timestamp can be trusted to have survived a power loss"): the
//! timestamp a durable commit returns survived a power loss, so what the
//! transaction read and acted on is still there after it.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteBatch, WriteOptions};

const FULL: WriteOptions = WriteOptions {
    sync: Some(SyncMode::Full),
};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_sync_mode: SyncMode::Normal,
        ..StorageConfig::new("/db")
    }
}

#[test]
fn an_empty_durable_write_makes_what_came_before_durable() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k", "read").unwrap();
    db.write_opt(WriteBatch::new(), &FULL).unwrap();
    let crashed = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&crashed)).unwrap();
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"read"[..]));
}

#[test]
fn a_durable_read_only_commit_survives_a_power_loss() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k", "read").unwrap();
    let mut tx = db.transaction().unwrap();
    assert_eq!(tx.get("k").unwrap().as_deref(), Some(&b"read"[..]));
    let at = tx.commit_opt(&FULL).unwrap();
    let crashed = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&crashed)).unwrap();
    assert_eq!(
        db.get("k").unwrap().as_deref(),
        Some(&b"read"[..]),
        "a durable commit returned timestamp {at}, and what it read at it is gone"
    );
}
