//! A range delete belongs to one keyspace: it is logged with that
//! keyspace's id, and within a batch it drops only that keyspace's entries
//! before it, never another keyspace's writes of the same keys, after a
//! reopen too. A dropped keyspace's handle refuses every range delete and
//! logs nothing, and a batch built with another database's handle is
//! refused.

mod range_delete_common;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageEngine, WriteBatch, WriteOptions};
use range_delete_common::{config, logged_range_deletes};

#[test]
fn a_keyspace_s_range_delete_is_its_own() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let (a, b) = (db.keyspace("a").unwrap(), db.keyspace("b").unwrap());
    let one = a.delete_range("k".."l").unwrap();
    let two = b.delete_prefix("p").unwrap();
    let three = db.delete_range("x"..).unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put_in(&a, "k1", "a")
        .put_in(&b, "k1", "b")
        .put("k1", "default")
        .delete_range_in(&a, "k".."l")
        .put_in(&a, "k2", "a");
    let four = db.write(&batch).unwrap();
    let (logged, _) = logged_range_deletes(&fs);
    let range =
        |s: &str, e: Option<&str>| (s.as_bytes().to_vec(), e.map(|e| e.as_bytes().to_vec()));
    let expected = [
        (one, 1, range("k", Some("l"))),
        (two, 2, range("p", Some("q"))),
        (three, 0, range("x", None)),
        (four, 1, range("k", Some("l"))),
    ]
    .map(|(ts, ks, (s, e))| (ts, ks, s, e));
    assert_eq!(logged, expected);

    let check = |db: &StorageEngine, when: &str| {
        let (a, b) = (db.keyspace("a").unwrap(), db.keyspace("b").unwrap());
        assert_eq!(a.get("k1").unwrap(), None, "{when}: dropped in a");
        assert_eq!(a.get("k2").unwrap().as_deref(), Some(&b"a"[..]), "{when}");
        assert_eq!(b.get("k1").unwrap().as_deref(), Some(&b"b"[..]), "{when}");
        assert_eq!(
            db.get("k1").unwrap().as_deref(),
            Some(&b"default"[..]),
            "{when}"
        );
    };
    check(&db, "after the write");
    drop((a, b));
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    check(&db, "after a reopen");
}

#[test]
fn a_dropped_keyspace_refuses_range_deletes_and_logs_nothing() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let gone = db.keyspace("gone").unwrap();
    gone.put("k", "v").unwrap();
    db.drop_keyspace("gone").unwrap();
    let bytes = db.stats().wal_bytes_written;
    let options = WriteOptions::default();
    let dropped = |result: ferrisdb_storage::Result<u64>| {
        assert!(
            matches!(result, Err(Error::KeyspaceDropped { .. })),
            "{result:?}"
        );
    };
    dropped(gone.delete_range("a".."z"));
    dropped(gone.delete_range_opt("a".."z", &options));
    dropped(gone.delete_prefix("k"));
    dropped(gone.delete_prefix_opt("k", &options));
    // Whatever the range: an empty one too.
    dropped(gone.delete_range("a".."a"));
    let mut batch = WriteBatch::new();
    batch.delete_range_in(&gone, "a".."z");
    dropped(db.write(&batch));
    assert_eq!(db.stats().wal_bytes_written, bytes, "nothing logged");

    // A handle of another database.
    let other_fs = FaultFileSystem::new();
    let other = StorageEngine::open(config(&other_fs)).unwrap();
    let theirs = other.keyspace("default").unwrap();
    let mut batch = WriteBatch::new();
    batch.delete_prefix_in(&theirs, "k");
    let err = db.write(&batch).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(db.stats().wal_bytes_written, bytes, "nothing logged");
}
