//! Keyspaces made, written, re-configured and dropped through the public
//! API survive a clean reopen and a power loss: each keyspace comes back
//! with its data and options, a dropped one stays gone (its name free, its
//! id never given out again), and a keyspace made after the reopen gets a
//! new id, empty.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, KeyspaceOptions, StorageConfig, StorageEngine, SyncMode, WriteBatch,
};

const NAMES: [&str; 3] = ["default", "log", "users"];

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_sync_mode: SyncMode::Full,
        ..StorageConfig::new("/db")
    }
}

/// A database with `users` (flushed, then more writes in the log), `log`
/// (size-tiered, writes only in the log) and `gone` (dropped), and a batch
/// across `default`, `users` and `log`.
fn write(db: &StorageEngine) {
    let users = db.keyspace("users").unwrap();
    let log = db
        .keyspace_with(
            "log",
            KeyspaceOptions {
                compaction_style: CompactionStyle::size_tiered(),
                ..KeyspaceOptions::default()
            },
        )
        .unwrap();
    let gone = db.keyspace("gone").unwrap();
    users.put("u:1", "alice").unwrap();
    gone.put("g", "1").unwrap();
    db.flush().unwrap();
    users.put("u:2", "bob").unwrap();
    users.delete("u:1").unwrap();
    log.put("e:1", "one").unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put("d", "default")
        .put_in(&users, "u:3", "carol")
        .put_in(&log, "e:2", "two");
    db.write(batch).unwrap();
    db.drop_keyspace("gone").unwrap();
}

/// What [`write`] wrote, in a database whose keyspaces are `names`.
fn check(db: &StorageEngine, names: &[&str]) {
    assert_eq!(db.keyspaces(), names);
    let users = db.keyspace("users").unwrap();
    let log = db.keyspace("log").unwrap();
    assert_eq!(users.get("u:1").unwrap(), None, "a deleted key came back");
    assert_eq!(users.get("u:2").unwrap().as_deref(), Some(&b"bob"[..]));
    assert_eq!(users.get("u:3").unwrap().as_deref(), Some(&b"carol"[..]));
    assert_eq!(log.get("e:1").unwrap().as_deref(), Some(&b"one"[..]));
    assert_eq!(log.get("e:2").unwrap().as_deref(), Some(&b"two"[..]));
    assert_eq!(db.get("d").unwrap().as_deref(), Some(&b"default"[..]));
    // Keyspaces are apart: no key of one shows in another.
    assert_eq!(db.get("u:2").unwrap(), None);
    assert_eq!(log.get("u:2").unwrap(), None);
    assert_eq!(users.iter().unwrap().count(), 2);
    assert_eq!(log.iter().unwrap().count(), 2);
}

#[test]
fn keyspaces_come_back_after_a_clean_reopen() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    write(&db);
    check(&db, &NAMES);
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).unwrap();
    check(&db, &NAMES);
    // The dropped name is free: a new, empty keyspace.
    let again = db.keyspace("gone").unwrap();
    assert_eq!(again.get("g").unwrap(), None);
    again.put("g", "2").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).unwrap();
    const WITH_GONE: [&str; 4] = ["default", "gone", "log", "users"];
    assert_eq!(
        db.keyspace("gone").unwrap().get("g").unwrap().as_deref(),
        Some(&b"2"[..])
    );
    check(&db, &WITH_GONE);
}

#[test]
fn keyspaces_come_back_after_a_power_loss() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    write(&db);
    let rebooted = fs.crash();
    drop(db);

    let db = StorageEngine::open(config(&rebooted)).unwrap();
    check(&db, &NAMES);
    db.compact().unwrap();
    check(&db, &NAMES);
    let rebooted_again = rebooted.crash();
    drop(db);
    let db = StorageEngine::open(config(&rebooted_again)).unwrap();
    check(&db, &NAMES);
}
