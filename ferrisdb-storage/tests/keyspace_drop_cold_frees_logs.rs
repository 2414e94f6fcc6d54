//! Dropping the cold keyspace that pins an old log
//! lets that log go ("the logs only they held are deleted", the drop's
//! background work), and nothing `default` wrote is lost with it, before
//! and after a power loss.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine, SyncMode};

mod common;

use common::log_paths;

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4 << 10,
        wal_sync_mode: SyncMode::Full,
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn dropping_the_keyspace_that_pins_a_log_deletes_it_and_keeps_default() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let cold = db
        .keyspace_with("cold", KeyspaceOptions::default())
        .unwrap();
    cold.put("c", "pins the first log").unwrap();
    for i in 0..200 {
        db.put(format!("k{i:03}"), [b'x'; 100]).unwrap();
    }
    db.wait_for_compactions().unwrap();
    let pinned = log_paths(&fs);
    assert!(pinned.len() >= 3, "`cold` pins the logs: {pinned:?}");

    db.drop_keyspace("cold").unwrap();
    db.wait_for_compactions().unwrap();
    let left = log_paths(&fs);
    assert!(
        left.len() < pinned.len() && !left.contains(&pinned[0]),
        "the logs only `cold` held stay: {pinned:?} then {left:?}"
    );
    for i in 0..200 {
        assert!(db.get(format!("k{i:03}")).unwrap().is_some(), "k{i:03}");
    }
    let after = fs.crash();
    drop(db);
    let db = open(&after);
    assert_eq!(db.keyspaces(), ["default"]);
    assert_eq!(db.iter().unwrap().count(), 200);
}
