//! One sticky error: a failed write to the log (not only a failed sync, and
//! a failed `sync_wal` as much as a write's own)
//! stops the engine with its background error, so every later write is
//! refused with `Error::Background` naming the first failure, even once the
//! disk works again, while reads go on; a reopen replays what the log holds
//! and the database takes writes again.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        // Every write reaches the file system, so a failing write fails it.
        wal_sync_mode: SyncMode::Normal,
        ..StorageConfig::new("/db")
    }
}

#[test]
fn a_failed_log_write_stops_the_engine_until_reopen() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("before", "1").unwrap();

    fs.fail_path_at(1, false, &[OpKind::Write], FaultKind::Io, ".wal");
    let failed = db.put("failing", "2").unwrap_err();
    assert!(matches!(failed, Error::Io { .. }), "{failed}");
    // The disk works again; the engine stays stopped.
    fs.heal();
    let refused = db.put("after", "3").unwrap_err();
    assert!(matches!(refused, Error::Background(_)), "{refused}");
    assert!(
        refused.to_string().contains("write-ahead log write failed"),
        "{refused}"
    );
    assert_eq!(db.get("before").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(
        db.get("failing").unwrap(),
        None,
        "an unacknowledged write stays unseen"
    );
    drop(db);

    let db = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(db.get("before").unwrap().as_deref(), Some(&b"1"[..]));
    db.put("after", "3").unwrap();
    assert_eq!(db.get("after").unwrap().as_deref(), Some(&b"3"[..]));
}

#[test]
fn a_failed_sync_wal_stops_the_engine_until_reopen() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("before", "1").unwrap();
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, ".wal");
    let failed = db.sync_wal().unwrap_err();
    assert!(matches!(failed, Error::Io { .. }), "{failed}");
    fs.heal();
    let refused = db.put("after", "2").unwrap_err();
    assert!(matches!(refused, Error::Background(_)), "{refused}");
    assert!(
        refused.to_string().contains("write-ahead log sync failed"),
        "{refused}"
    );
    drop(db);
    let db = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(db.get("before").unwrap().as_deref(), Some(&b"1"[..]));
}
