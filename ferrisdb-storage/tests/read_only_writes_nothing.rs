//! A read-only instance beside a writer in the same process: it refuses
//! every call that writes with `Error::ReadOnly` and changes no file of the
//! directory, finds only keyspaces that exist, and `catch_up` brings in the
//! keyspaces the writer made and marks those it dropped. Opening a
//! directory without a database makes nothing.

use std::collections::BTreeMap;
use std::path::Path;

use ferrisdb_storage::{Error, KeyspaceOptions, StorageConfig, StorageEngine, WriteBatch};

/// Every file of `dir` and its size.
fn files(dir: &Path) -> BTreeMap<String, u64> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().into_string().unwrap(),
                e.metadata().unwrap().len(),
            )
        })
        .collect()
}

fn assert_read_only<T: std::fmt::Debug>(result: ferrisdb_storage::Result<T>, what: &str) {
    match result {
        Err(Error::ReadOnly { .. }) => {}
        other => panic!("{what}: expected Error::ReadOnly, got {other:?}"),
    }
}

#[test]
fn a_read_only_instance_refuses_every_write_and_changes_no_file() {
    let dir = tempfile::tempdir().unwrap();
    let writer = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    writer.put("a", "1").unwrap();
    writer.keyspace("logs").unwrap().put("l", "x").unwrap();
    writer.flush().unwrap();
    writer.put("b", "2").unwrap();
    let before = files(dir.path());

    let reader = StorageEngine::open_read_only(StorageConfig::new(dir.path())).unwrap();
    assert_eq!(reader.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    assert_eq!(reader.get("b").unwrap().as_deref(), Some(&b"2"[..]));
    let logs = reader.keyspace("logs").unwrap();
    assert_eq!(logs.get("l").unwrap().as_deref(), Some(&b"x"[..]));
    assert_eq!(reader.keyspaces(), ["default", "logs"]);

    assert_read_only(reader.put("c", "3"), "put");
    assert_read_only(reader.delete("a"), "delete");
    assert_read_only(reader.delete_range("a".."z"), "delete_range");
    let mut batch = WriteBatch::new();
    batch.put("c", "3");
    assert_read_only(reader.write(batch), "write");
    assert_read_only(logs.put("m", "y"), "keyspace put");
    assert_read_only(reader.flush(), "flush");
    assert_read_only(reader.compact(), "compact");
    assert_read_only(reader.sync_wal(), "sync_wal");
    let copy = tempfile::tempdir().unwrap();
    assert_read_only(reader.checkpoint(copy.path().join("c")), "checkpoint");
    assert_read_only(reader.keyspace("new"), "keyspace");
    assert_read_only(
        reader.keyspace_with("logs", KeyspaceOptions::default()),
        "keyspace_with",
    );
    assert_read_only(reader.drop_keyspace("logs"), "drop_keyspace");
    let mut transaction = reader.transaction().unwrap();
    assert_eq!(transaction.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    transaction.put("t", "1").unwrap();
    assert_read_only(transaction.commit(), "commit");
    reader.wait_for_compactions().unwrap();
    reader.catch_up().unwrap();
    assert_eq!(reader.keyspaces(), ["default", "logs"]);
    reader.close().unwrap();
    assert_eq!(
        files(dir.path()),
        before,
        "the reader changed the directory"
    );

    // The writer makes a keyspace and drops one: a catch-up follows.
    let reader = StorageEngine::open_read_only(StorageConfig::new(dir.path())).unwrap();
    let logs = reader.keyspace("logs").unwrap();
    writer.keyspace("metrics").unwrap().put("m", "1").unwrap();
    writer.drop_keyspace("logs").unwrap();
    reader.catch_up().unwrap();
    assert_eq!(reader.keyspaces(), ["default", "metrics"]);
    let metrics = reader.keyspace("metrics").unwrap();
    assert_eq!(metrics.get("m").unwrap().as_deref(), Some(&b"1"[..]));
    assert!(matches!(logs.get("l"), Err(Error::KeyspaceDropped { .. })));
    writer.close().unwrap();
}

#[test]
fn a_read_only_open_of_no_database_makes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing");
    let error = StorageEngine::open_read_only(StorageConfig::new(&missing)).unwrap_err();
    assert!(
        error.is_corruption() || matches!(error, Error::Io { .. }),
        "{error}"
    );
    assert!(!missing.exists());
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    assert!(StorageEngine::open_read_only(StorageConfig::new(&empty)).is_err());
    assert_eq!(files(&empty).len(), 0);
}

/// A reader's transaction that only reads commits under `SyncMode::Full`
/// without a write (a reader cannot sync its writer's log) and returns the
/// timestamp it read at; one that writes is refused, and changes nothing.
#[test]
fn a_read_only_transaction_commits_only_if_it_wrote_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let writer = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    writer.put("a", "1").unwrap();
    let before = files(dir.path());
    let durable = StorageConfig {
        wal_sync_mode: ferrisdb_storage::SyncMode::Full,
        ..StorageConfig::new(dir.path())
    };
    let reader = StorageEngine::open_read_only(durable).unwrap();

    let mut tx = reader.transaction().unwrap();
    assert_eq!(tx.get("a").unwrap().as_deref(), Some(&b"1"[..]));
    let read_at = tx.timestamp();
    assert_eq!(tx.commit().unwrap(), read_at);

    let mut tx = reader.transaction().unwrap();
    tx.put("b", "2").unwrap();
    assert_read_only(tx.commit(), "a transaction that writes");
    assert_eq!(reader.get("b").unwrap(), None);
    assert_eq!(files(dir.path()), before);
}
