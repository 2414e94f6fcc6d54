//! Review of issue 19: a `drop_keyspace` whose manifest write fails after
//! the rename (the directory's sync fails) returns an error, and the engine
//! keeps running as if nothing was dropped, though the manifest in place
//! already lacks the keyspace.
//!
//! `manifest::store` says of a failed store: "the directory holds either
//! the old or the new manifest and the caller must not assume which until
//! it reloads". A failed flush or compaction stops the engine for that
//! reason. A failed drop does not: the keyspace stays live in memory and
//! keeps acknowledging writes, durable ones too, while the `MANIFEST` on
//! disk says it was dropped. The process then dies (no power loss: the
//! rename stays), and the reopened database has no such keyspace: its
//! flushed table is deleted as a leftover and its logged writes are skipped
//! as a dropped keyspace's. Every write the engine acknowledged into it is
//! lost.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteOptions};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

#[test]
fn a_failed_drop_loses_the_writes_acknowledged_after_it() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    users.put("flushed", "1").unwrap();
    db.flush().unwrap();

    // The drop's manifest store: the temporary file's sync, the rename,
    // then the directory's sync (of `/db`, the one file named `db`), which
    // fails.
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, "db");
    let err = db.drop_keyspace("users").unwrap_err();
    fs.heal();
    assert!(matches!(err, ferrisdb_storage::Error::Io { .. }), "{err}");

    // The engine says nothing was dropped, and takes durable writes.
    assert_eq!(db.keyspaces(), ["default", "users"]);
    let durable = WriteOptions {
        sync: Some(SyncMode::Full),
        ..WriteOptions::default()
    };
    users
        .put_opt("acknowledged", "2", &durable)
        .expect("the engine still runs and acknowledges writes to `users`");
    assert_eq!(users.get("flushed").unwrap().as_deref(), Some(&b"1"[..]));

    // The process dies (kill -9: every file as the process saw it).
    let after_kill = fs.fork();
    let reopened = StorageEngine::open(config(&after_kill)).unwrap();
    assert_eq!(
        reopened.keyspaces(),
        ["default", "users"],
        "the keyspace the engine said was not dropped is gone after a kill"
    );
    let users = reopened.keyspace("users").unwrap();
    assert_eq!(users.get("flushed").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(
        users.get("acknowledged").unwrap().as_deref(),
        Some(&b"2"[..])
    );
}
