//! Bug: under `SyncMode::Full` a write whose log sync failed stayed readable
//! (it was published to readers before the sync), although its writer got an
//! error, and the engine went on as if nothing had happened.
//!
//! Now a `Full` write is published only after the sync covering it
//! succeeded, and a failed sync stops the engine: the failed write is never
//! seen, later writes are refused until the database is reopened, and after
//! the reopen the failed write may or may not be there (its bytes may have
//! reached the disk). The sync is held (`FaultFileSystem::hold_syncs`) so a
//! reader looks while it is in flight, then released into an injected
//! `EIO`.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode};

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::Full,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn regression_full_sync_failed_write_stays_readable() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    db.put("a", "durable").unwrap();

    // The next sync of the log fails, once: a later sync would succeed.
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, ".wal");
    std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let writer = s.spawn(|| db.put("k", "lost"));
        held.wait_until_held(1);
        assert_eq!(
            db.get("k").unwrap(),
            None,
            "a reader saw a write during its sync"
        );
        held.release();
        let error = writer.join().unwrap().unwrap_err();
        assert!(matches!(error, Error::Io { .. }), "{error}");
    });
    assert_eq!(fs.failures(), 1);

    // The failed write stays invisible to every read.
    assert_eq!(
        db.get("k").unwrap(),
        None,
        "get saw a write whose sync failed"
    );
    assert_eq!(
        db.snapshot().unwrap().get("k").unwrap(),
        None,
        "a snapshot saw it"
    );
    assert_eq!(
        db.scan_prefix("k").unwrap().count(),
        0,
        "scan_prefix saw it"
    );
    let keys: Vec<Vec<u8>> = db.iter().unwrap().map(|p| p.unwrap().0.to_vec()).collect();
    assert_eq!(keys, [b"a".to_vec()], "scan saw it");
    assert_eq!(db.get("a").unwrap(), Some("durable".into()));

    // The engine stopped: writes are refused with an error that says to
    // reopen, and nothing makes the failed write visible.
    for attempt in [db.put("k2", "v"), db.delete("a")] {
        let error = attempt.unwrap_err();
        assert!(matches!(error, Error::Background(_)), "{error}");
        assert!(error.to_string().contains("reopen"), "{error}");
    }
    assert!(db.flush().is_err(), "a flush after the failure");
    assert!(db.sync_wal().is_err(), "a log sync after the failure");
    assert_eq!(db.get("k").unwrap(), None);
    assert_eq!(db.get("a").unwrap(), Some("durable".into()));
    drop(db);

    // Reopening recovers: acknowledged writes are there; the failed one may
    // be (its record reached the file) or not.
    let db = open(&fs);
    assert_eq!(db.get("a").unwrap(), Some("durable".into()));
    let failed = db.get("k").unwrap();
    assert!(failed.is_none() || failed.as_deref() == Some(&b"lost"[..]));
    db.put("k2", "v").unwrap();
    assert_eq!(db.get("k2").unwrap(), Some("v".into()));
}
