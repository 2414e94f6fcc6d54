//! `drop_keyspace` against a live transaction's reads.
//!
//! Promise: dropping a keyspace a transaction read (a key by `get_in`, a
//! range by `scan_in`, `scan_prefix_in` or `iter_in`) after it began makes
//! its commit fail with `TransactionConflict`, also when the name is
//! created again before the commit (a new, empty keyspace), and nothing it
//! wrote is written. A read-only transaction that read the keyspace still
//! commits. A transaction that did not read the dropped keyspace commits.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, Keyspace, StorageConfig, StorageEngine, Transaction};

fn open() -> (StorageEngine, Keyspace) {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let ks = db.keyspace("orders").unwrap();
    ks.put("o:1", "open").unwrap();
    ks.put("o:2", "open").unwrap();
    db.put("d", "v").unwrap();
    (db, ks)
}

/// The ways a transaction reads keyspace `orders`.
const READS: [&str; 4] = ["get_in", "scan_in", "scan_prefix_in", "iter_in"];

fn read(tx: &mut Transaction, ks: &Keyspace, how: &str) {
    match how {
        "get_in" => assert!(tx.get_in(ks, "o:1").unwrap().is_some()),
        "scan_in" => assert_eq!(tx.scan_in(ks, "o:".."o;").unwrap().count(), 2),
        "scan_prefix_in" => assert_eq!(tx.scan_prefix_in(ks, "o:").unwrap().count(), 2),
        "iter_in" => assert_eq!(tx.iter_in(ks).unwrap().count(), 2),
        _ => unreachable!(),
    }
}

fn assert_conflict_wrote_nothing(db: &StorageEngine, tx: Transaction, what: &str) {
    match tx.commit() {
        Err(Error::TransactionConflict { reason, .. }) => {
            assert!(reason.contains("dropped"), "{what}: {reason}");
        }
        other => panic!("{what}: expected a conflict, got {other:?}"),
    }
    assert_eq!(
        db.get("summary").unwrap(),
        None,
        "{what}: a failed commit wrote"
    );
}

#[test]
fn dropping_a_keyspace_a_transaction_read_fails_its_commit() {
    for how in READS {
        let (db, ks) = open();
        let mut tx = db.transaction().unwrap();
        read(&mut tx, &ks, how);
        tx.put("summary", "2 open orders").unwrap();
        db.drop_keyspace("orders").unwrap();
        assert_conflict_wrote_nothing(&db, tx, how);
    }
}

#[test]
fn the_name_created_again_is_another_keyspace() {
    for how in READS {
        let (db, ks) = open();
        let mut tx = db.transaction().unwrap();
        read(&mut tx, &ks, how);
        tx.put("summary", "2 open orders").unwrap();
        db.drop_keyspace("orders").unwrap();
        let again = db.keyspace("orders").unwrap();
        again.put("o:1", "new").unwrap();
        assert_conflict_wrote_nothing(&db, tx, how);
    }
}

#[test]
fn a_read_only_transaction_that_read_the_keyspace_commits() {
    for how in READS {
        let (db, ks) = open();
        let mut tx = db.transaction().unwrap();
        read(&mut tx, &ks, how);
        db.drop_keyspace("orders").unwrap();
        // It still reads its snapshot, which holds the keyspace.
        read(&mut tx, &ks, how);
        tx.commit().expect("a read-only transaction always commits");
    }
}

#[test]
fn dropping_another_keyspace_does_not_conflict() {
    let (db, ks) = open();
    let other = db.keyspace("other").unwrap();
    other.put("k", "v").unwrap();
    let mut tx = db.transaction().unwrap();
    read(&mut tx, &ks, "iter_in");
    assert!(tx.get("d").unwrap().is_some());
    tx.put_in(&ks, "o:3", "open").unwrap();
    tx.put("summary", "3 open orders").unwrap();
    db.drop_keyspace("other").unwrap();
    tx.commit().expect("other was not read");
    assert_eq!(ks.get("o:3").unwrap().as_deref(), Some(&b"open"[..]));
}

#[test]
fn a_blind_write_into_a_dropped_keyspace_is_refused() {
    let (db, ks) = open();
    let mut tx = db.transaction().unwrap();
    tx.put_in(&ks, "o:3", "open").unwrap();
    tx.put("summary", "x").unwrap();
    db.drop_keyspace("orders").unwrap();
    let error = tx.commit().expect_err("its keyspace is gone");
    assert!(
        matches!(
            error,
            Error::KeyspaceDropped { .. } | Error::TransactionConflict { .. }
        ),
        "{error}"
    );
    assert_eq!(
        db.get("summary").unwrap(),
        None,
        "the commit is all or nothing"
    );
}
