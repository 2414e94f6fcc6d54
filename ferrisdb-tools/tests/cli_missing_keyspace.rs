//! Regression: a mistyped `--keyspace` was made by `put` and `delete`
//! (durably, in the manifest, the write going where no reader looks), and
//! refused by the read commands as a write to a read-only database. Every
//! command but `load` and `put --create-keyspace` refuses a missing keyspace
//! in one line naming the keyspaces there are, and makes nothing.

mod cli_common;

use cli_common::{fails, ok};
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_missing_keyspace_is_refused_by_name_and_never_made() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    let engine = StorageEngine::open(StorageConfig::new(db)).unwrap();
    engine.keyspace("users").unwrap().put("k", "v").unwrap();
    engine.close().unwrap();

    for args in [
        &["--keyspace", "usres", "put", "k", "v"][..],
        &["--keyspace", "usres", "delete", "k"],
        &["--keyspace", "usres", "get", "k"],
        &["--keyspace", "usres", "scan"],
        &["--keyspace", "usres", "dump"],
        &["--keyspace", "usres", "manifest"],
    ] {
        let error = fails(db, args);
        assert!(error.contains("no keyspace \"usres\""), "{args:?}: {error}");
        assert!(error.contains("default, users"), "{args:?}: {error}");
    }
    assert_eq!(ok(db, &["keyspaces"]), "default\nusers\n");

    ok(
        db,
        &["--keyspace", "logs", "put", "--create-keyspace", "k", "v"],
    );
    assert_eq!(ok(db, &["--keyspace", "logs", "get", "k"]), "v\n");
    assert_eq!(ok(db, &["keyspaces"]), "default\nlogs\nusers\n");
}
