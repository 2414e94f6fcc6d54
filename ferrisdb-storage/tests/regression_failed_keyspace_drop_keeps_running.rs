//! Regression (issue 19 review): a `drop_keyspace` whose manifest write
//! failed after the rename (the directory's sync failed) returned the I/O
//! error and the engine went on as if nothing was dropped, though the
//! `MANIFEST` in place already lacked the keyspace. It kept acknowledging
//! writes into the keyspace, durable ones too; after the process died, the
//! reopened database had no such keyspace, its logged writes skipped as a
//! dropped keyspace's: every write acknowledged after the failed drop was
//! lost.
//!
//! A failed manifest write leaves the old or the new manifest in place, and
//! only a reopen tells which, so it now stops the engine, as a failed flush
//! does: nothing is acknowledged until the reopen. A failed create stops it
//! too, for the same reason.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode, WriteOptions};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn durable() -> WriteOptions {
    WriteOptions {
        sync: Some(SyncMode::Full),
    }
}

/// Whether `error` is the stopped engine's, caused by an I/O error.
fn stopped_by_io(error: &Error) -> bool {
    matches!(error, Error::Background(cause) if matches!(**cause, Error::Io { .. }))
}

#[test]
fn a_failed_drop_stops_the_engine_and_the_reopen_loses_no_acknowledged_write() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    users.put("flushed", "1").unwrap();
    db.flush().unwrap();
    db.put_opt("before", "0", &durable()).unwrap();

    // The drop's manifest store: the temporary file's sync, the rename,
    // then the sync of the directory `/db` (the one file named `db`), which
    // fails.
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, "db");
    let err = db.drop_keyspace("users").unwrap_err();
    fs.heal();
    assert!(stopped_by_io(&err), "{err}");

    // Nothing is acknowledged until a reopen: not into the keyspace, not
    // into any other.
    let err = users.put_opt("refused", "2", &durable()).unwrap_err();
    assert!(stopped_by_io(&err), "{err}");
    let err = db.put_opt("refused", "2", &durable()).unwrap_err();
    assert!(stopped_by_io(&err), "{err}");
    let err = db.keyspace("other").unwrap_err();
    assert!(stopped_by_io(&err), "{err}");

    // The process dies (every file as the process saw it): the rename made
    // the drop, and the reopen holds every acknowledged write.
    let after_kill = fs.fork();
    drop(db);
    let reopened = StorageEngine::open(config(&after_kill)).unwrap();
    assert_eq!(reopened.keyspaces(), ["default"], "the drop was renamed in");
    assert_eq!(reopened.get("before").unwrap().as_deref(), Some(&b"0"[..]));
    assert_eq!(reopened.get("refused").unwrap(), None);
    let users = reopened.keyspace("users").unwrap();
    assert_eq!(users.get("flushed").unwrap(), None, "a new, empty keyspace");
}

#[test]
fn a_failed_create_stops_the_engine() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, "db");
    let err = db.keyspace("users").unwrap_err();
    fs.heal();
    assert!(stopped_by_io(&err), "{err}");
    let err = db.put("k", "v").unwrap_err();
    assert!(stopped_by_io(&err), "{err}");

    let after_kill = fs.fork();
    drop(db);
    let reopened = StorageEngine::open(config(&after_kill)).unwrap();
    assert_eq!(
        reopened.keyspaces(),
        ["default", "users"],
        "the create was renamed in"
    );
    assert_eq!(reopened.get("k").unwrap(), None);
}
