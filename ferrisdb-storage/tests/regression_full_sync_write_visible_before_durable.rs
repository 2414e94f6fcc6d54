//! Bug: under `SyncMode::Full` a write was published to readers under the
//! write mutex, before its log sync (done after the mutex, shared by
//! concurrent writers) had made it durable. A reader could see, and act on, a
//! write that a crash a moment later would lose, and that its writer had not
//! yet been told about.
//!
//! Made deterministic with `FaultFileSystem::hold_syncs`: the log's sync
//! waits until the test lets it go, and readers look meanwhile.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteBatch, WriteOptions};

#[test]
fn regression_full_sync_write_visible_before_durable() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::Full,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("a", "durable").unwrap();

    std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let writer = s.spawn(|| {
            db.put("k", "v").unwrap();
            // Read-your-writes: once acknowledged, the writer sees it.
            assert_eq!(db.get("k").unwrap(), Some("v".into()));
        });
        held.wait_until_held(1);

        // The write is in the log's buffer and the MemTable, not yet durable.
        assert_eq!(
            db.get("k").unwrap(),
            None,
            "get saw a write before its sync"
        );
        let keys: Vec<Vec<u8>> = db.iter().unwrap().map(|p| p.unwrap().0.to_vec()).collect();
        assert_eq!(keys, [b"a".to_vec()], "scan saw a write before its sync");
        let prefixed = db.scan_prefix("k").unwrap().count();
        assert_eq!(prefixed, 0, "scan_prefix saw a write before its sync");
        let snapshot = db.snapshot().unwrap();
        assert_eq!(
            snapshot.get("k").unwrap(),
            None,
            "a snapshot saw a write before its sync"
        );
        // An empty batch that asks for no sync writes nothing and returns
        // the newest published timestamp, not the one whose sync is still
        // running. (An empty durable batch waits for that sync instead:
        // regression_empty_durable_batch_synced_nothing.)
        let no_sync = WriteOptions {
            sync: Some(SyncMode::Normal),
        };
        let empty = db.write_opt(WriteBatch::new(), &no_sync).unwrap();
        assert_eq!(empty, snapshot.timestamp(), "an empty write ran ahead");

        held.release();
        writer.join().unwrap();
        // A snapshot taken before the write became visible stays without it.
        assert_eq!(snapshot.get("k").unwrap(), None);
    });
    assert_eq!(db.get("k").unwrap(), Some("v".into()));
    assert_eq!(db.get("a").unwrap(), Some("durable".into()));
}
