//! A `Keyspace` handle keeps the database open (the last handle, keyspace
//! handles included, closes it), and after a close its methods return
//! `Error::Closed`, as its rustdoc says: the engine's handle dropped, a keyspace handle still
//! writes and reads, and the directory stays locked; its drop closes the
//! database (the lock is free, the writes are there); a handle of a closed
//! database returns `Error::Closed`.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

#[test]
fn the_last_keyspace_handle_keeps_the_database_open_and_closes_it() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    drop(db);
    users.put("u:1", "ada").unwrap();
    assert_eq!(users.get("u:1").unwrap().as_deref(), Some(&b"ada"[..]));
    assert!(matches!(
        StorageEngine::open(config(&fs)),
        Err(Error::DatabaseLocked { .. })
    ));
    drop(users);

    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    assert_eq!(users.get("u:1").unwrap().as_deref(), Some(&b"ada"[..]));
    let other = db.clone();
    other.close().unwrap();
    assert!(matches!(users.put("u:2", "bob"), Err(Error::Closed)));
    assert!(matches!(users.get("u:1"), Err(Error::Closed)));
    assert!(matches!(users.iter(), Err(Error::Closed)));
    assert!(matches!(db.drop_keyspace("users"), Err(Error::Closed)));
}
