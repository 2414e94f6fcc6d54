//! `WriteOptions::durable()` / `sync: Some(SyncMode::Full)`: "the write is on
//! stable storage before the call returns", and (write_options_sync.rs) "a
//! `Full` write in a `Normal` engine is on stable storage when acknowledged,
//! and so is every write before it (the log is a prefix)". The returned
//! timestamp is the batch's: every write up to it is durable.
//!
//! Bug: an empty batch written with `Full` returned a timestamp covering the
//! earlier `Normal` writes but synced nothing (engine/write.rs returned
//! `visible_timestamp()` before touching the log), so a power loss right
//! after the acknowledged durable write lost writes at or below the
//! timestamp it returned. RocksDB and LevelDB sync the log for an empty
//! synced batch, and so does FerrisDB now.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteBatch, WriteOptions};

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn regression_empty_durable_batch_synced_nothing() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let put_at = db.put("a", "1").unwrap();
    let durable_at = db
        .write_opt(WriteBatch::new(), &WriteOptions::durable())
        .unwrap();
    assert!(
        durable_at >= put_at,
        "the durable write's timestamp covers the put"
    );
    let rebooted = fs.crash();
    drop(db);

    let db = open(&rebooted);
    assert_eq!(
        db.get("a").unwrap(),
        Some("1".into()),
        "a write at timestamp {put_at} was lost although a Full write acknowledged \
         timestamp {durable_at} as durable"
    );
}
