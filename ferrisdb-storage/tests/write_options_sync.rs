//! `WriteOptions::sync` gives one write its own sync mode:
//! - a `Full` write in a `Normal` engine is on stable storage when
//!   acknowledged, and so is every write before it (the log is a prefix);
//! - a `Normal` write in a `Full` engine is acknowledged before it is durable,
//!   so a power loss right after loses it, but never a write before it;
//! - writes are published in timestamp order: while a `Full` write's sync is
//!   held, neither it nor a `None` write made after it is visible, and the
//!   `None` write is not acknowledged before the sync completes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteOptions};

fn open(fs: &FaultFileSystem, mode: SyncMode) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        wal_sync_mode: mode,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

fn with_sync(mode: SyncMode) -> WriteOptions {
    WriteOptions { sync: Some(mode) }
}

#[test]
fn a_full_write_in_a_normal_engine_survives_power_loss_with_its_prefix() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, SyncMode::Normal);
    db.put("before", "1").unwrap();
    db.put_opt("durable", "2", &with_sync(SyncMode::Full))
        .unwrap();
    db.put("after", "3").unwrap();
    let rebooted = fs.crash();
    drop(db);

    let db = open(&rebooted, SyncMode::Normal);
    assert_eq!(
        db.get("before").unwrap(),
        Some("1".into()),
        "the prefix was lost"
    );
    assert_eq!(
        db.get("durable").unwrap(),
        Some("2".into()),
        "a Full write was lost"
    );
    assert_eq!(
        db.get("after").unwrap(),
        None,
        "an unsynced Normal write survived a power loss: the crash model lost nothing"
    );
}

#[test]
fn a_normal_write_in_a_full_engine_is_not_synced() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, SyncMode::Full);
    db.put("synced", "1").unwrap();
    db.put_opt("fast", "2", &with_sync(SyncMode::Normal))
        .unwrap();
    assert_eq!(
        db.get("fast").unwrap(),
        Some("2".into()),
        "read your writes"
    );
    let rebooted = fs.crash();
    drop(db);

    let db = open(&rebooted, SyncMode::Full);
    assert_eq!(db.get("synced").unwrap(), Some("1".into()));
    assert_eq!(
        db.get("fast").unwrap(),
        None,
        "a Normal write was synced anyway"
    );
}

#[test]
fn a_write_after_a_syncing_full_write_waits_and_stays_invisible() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, SyncMode::Normal);
    db.put("base", "0").unwrap();

    let normal_done = AtomicBool::new(false);
    std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let full = s.spawn(|| db.put_opt("full", "1", &with_sync(SyncMode::Full)).unwrap());
        held.wait_until_held(1);
        // A `None` write stays in the log's buffer, so nothing in the log
        // makes it wait for the held sync: only the publishing order does.
        let normal = s.spawn(|| {
            db.put_opt("normal", "2", &with_sync(SyncMode::None))
                .unwrap();
            normal_done.store(true, Ordering::SeqCst);
            // Read your writes: acknowledged means visible to the writer.
            assert_eq!(db.get("normal").unwrap(), Some("2".into()));
            assert_eq!(db.get("full").unwrap(), Some("1".into()));
        });
        // While the sync is held: nothing after "base" is visible, and the
        // Normal write, made after the Full one, is not acknowledged. (Looked
        // at for a while; a wrong implementation fails within it.)
        let until = Instant::now() + Duration::from_millis(200);
        while Instant::now() < until {
            assert_eq!(
                db.get("full").unwrap(),
                None,
                "a Full write visible before its sync"
            );
            assert_eq!(
                db.get("normal").unwrap(),
                None,
                "a later write exposed first"
            );
            assert!(
                !normal_done.load(Ordering::SeqCst),
                "a write after a syncing Full write was acknowledged first"
            );
            let keys = db.iter().unwrap().count();
            assert_eq!(keys, 1, "a scan saw a write made after the held sync");
            std::thread::sleep(Duration::from_millis(5));
        }
        held.release();
        full.join().unwrap();
        normal.join().unwrap();
    });
    assert_eq!(db.get("full").unwrap(), Some("1".into()));
    assert_eq!(db.get("normal").unwrap(), Some("2".into()));
}
