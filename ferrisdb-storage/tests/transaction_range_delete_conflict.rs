//! Range deletes against a live transaction's reads.
//!
//! Promise: a range delete committed after a transaction began (a plain
//! `delete_range`, a `delete_prefix`, one inside a batch, or another
//! transaction's `tx.delete_range` / `tx.delete_prefix`) that covers a key
//! the transaction read, or overlaps a range it scanned, makes its commit
//! fail with `TransactionConflict`, and nothing it wrote is written. One
//! that does not overlap (beside the key, at a scanned range's excluded
//! end, in another keyspace) lets it commit. A read-only transaction
//! commits whatever was deleted.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, Result, StorageConfig, StorageEngine, Transaction, WriteBatch};

fn open() -> StorageEngine {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for key in ["a", "b", "c", "d", "user:1", "user:2", "x"] {
        db.put(key, "v").unwrap();
    }
    db
}

/// How a transaction reads before the delete.
#[derive(Clone, Copy, Debug)]
enum Read {
    /// `get("b")`.
    KeyB,
    /// `scan("b".."d")`, read whole.
    ScanBToD,
    /// `get("user:1")`.
    User1,
}

fn reader(db: &StorageEngine, read: Read) -> Transaction {
    let mut tx = db.transaction().unwrap();
    match read {
        Read::KeyB => assert!(tx.get("b").unwrap().is_some()),
        Read::ScanBToD => assert_eq!(tx.scan("b".."d").unwrap().count(), 2),
        Read::User1 => assert!(tx.get("user:1").unwrap().is_some()),
    }
    tx.put("written", "by the reader").unwrap();
    tx
}

/// Runs `delete` after a transaction read as `read` began, and returns
/// whether its commit succeeded (checking that a failed one is a conflict
/// and wrote nothing).
fn commits_after(read: Read, delete: impl FnOnce(&StorageEngine) -> Result<()>) -> bool {
    let db = open();
    let tx = reader(&db, read);
    delete(&db).unwrap();
    match tx.commit() {
        Ok(_) => true,
        Err(error @ Error::TransactionConflict { .. }) => {
            assert!(error.is_conflict());
            assert_eq!(db.get("written").unwrap(), None, "a failed commit wrote");
            false
        }
        Err(other) => panic!("{read:?}: {other}"),
    }
}

#[test]
fn a_plain_range_delete_over_a_read_key_or_a_scanned_range_conflicts() {
    use Read::*;
    let range = |s: &'static str, e: &'static str| {
        move |db: &StorageEngine| db.delete_range(s..e).map(drop)
    };
    assert!(!commits_after(KeyB, range("a", "c")));
    assert!(!commits_after(KeyB, range("b", "ba")), "b is the start");
    assert!(!commits_after(KeyB, |db| db.delete_range("a"..).map(drop)));
    assert!(!commits_after(ScanBToD, range("c", "e")), "overlaps [b, d)");
    assert!(
        !commits_after(ScanBToD, range("a", "bb")),
        "overlaps [b, d)"
    );
    assert!(!commits_after(ScanBToD, |db| db
        .delete_range(.."b\0")
        .map(drop)));

    assert!(commits_after(KeyB, range("c", "e")));
    assert!(
        commits_after(KeyB, range("a", "b")),
        "b is the excluded end"
    );
    assert!(
        commits_after(ScanBToD, range("d", "e")),
        "d is outside [b, d)"
    );
    assert!(
        commits_after(ScanBToD, range("a", "b")),
        "ends where the scan starts"
    );
    assert!(commits_after(ScanBToD, |db| db
        .delete_range("x"..)
        .map(drop)));
}

#[test]
fn a_prefix_delete_over_a_read_key_conflicts() {
    assert!(!commits_after(Read::User1, |db| db
        .delete_prefix("user:")
        .map(drop)));
    assert!(!commits_after(Read::User1, |db| db
        .delete_prefix("u")
        .map(drop)));
    assert!(!commits_after(Read::ScanBToD, |db| db
        .delete_prefix("c")
        .map(drop)));
    assert!(commits_after(Read::User1, |db| db
        .delete_prefix("user:2")
        .map(drop)));
    assert!(commits_after(Read::User1, |db| db
        .delete_prefix("users")
        .map(drop)));
    assert!(commits_after(Read::KeyB, |db| db
        .delete_prefix("user:")
        .map(drop)));
}

#[test]
fn a_range_delete_inside_a_batch_conflicts() {
    let batch = |s: &'static str, e: &'static str| {
        move |db: &StorageEngine| {
            let mut batch = WriteBatch::new();
            batch.put("elsewhere", "v");
            batch.delete_range(s..e);
            db.write(batch).map(drop)
        }
    };
    assert!(!commits_after(Read::KeyB, batch("a", "c")));
    assert!(commits_after(Read::KeyB, batch("c", "e")));
}

#[test]
fn another_transactions_range_delete_conflicts() {
    let tx_range = |s: &'static str, e: &'static str| {
        move |db: &StorageEngine| {
            let mut other = db.transaction().unwrap();
            other.delete_range(s..e)?;
            other.commit().map(drop)
        }
    };
    assert!(!commits_after(Read::KeyB, tx_range("a", "c")));
    assert!(!commits_after(Read::ScanBToD, tx_range("c", "z")));
    assert!(commits_after(Read::KeyB, tx_range("c", "z")));
    let tx_prefix = |prefix: &'static str| {
        move |db: &StorageEngine| {
            let mut other = db.transaction().unwrap();
            other.delete_prefix(prefix)?;
            other.commit().map(drop)
        }
    };
    assert!(!commits_after(Read::User1, tx_prefix("user:")));
    assert!(commits_after(Read::User1, tx_prefix("x")));
}

#[test]
fn a_range_delete_in_another_keyspace_does_not_conflict() {
    let db = open();
    let other = db.keyspace("other").unwrap();
    other.put("b", "v").unwrap();
    for read in [Read::KeyB, Read::ScanBToD] {
        let tx = reader(&db, read);
        other.delete_range("a".."z").unwrap();
        tx.commit().expect("the delete is of keyspace other");
    }
    // And the other way round: reads of `other`, a delete in `default`.
    let mut tx = db.transaction().unwrap();
    assert!(tx.get_in(&other, "b").unwrap().is_none());
    assert_eq!(tx.scan_in(&other, "a".."z").unwrap().count(), 0);
    tx.put_in(&other, "c", "v").unwrap();
    db.delete_range("a".."z").unwrap();
    tx.commit().expect("the delete is of keyspace default");

    let mut tx = db.transaction().unwrap();
    assert!(tx.get_in(&other, "c").unwrap().is_some());
    tx.put("written", "v").unwrap();
    other.delete_prefix("c").unwrap();
    assert!(tx.commit().unwrap_err().is_conflict());
}

#[test]
fn a_read_only_transaction_commits_after_any_range_delete() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    assert!(tx.get("b").unwrap().is_some());
    assert_eq!(tx.iter().unwrap().count(), 7);
    db.delete_range::<&str, _>(..).unwrap();
    // It still reads its snapshot.
    assert_eq!(tx.scan("a".."z").unwrap().count(), 7);
    tx.commit().expect("read-only");
}
