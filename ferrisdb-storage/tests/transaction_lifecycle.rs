//! A transaction's life from the outside: begun, counted, moved to
//! another thread, dropped, rolled back, committed.
//!
//! Promise: `stats().live_transactions` counts the transactions alive
//! (and `live_snapshots` is 0 once none is); a transaction dropped or rolled back leaves no
//! trace, before and after a reopen, and does not hold back later
//! commits; `Transaction` is `Send` and commits from another thread; a
//! commit that wrote nothing returns the timestamp it read at, one that
//! wrote returns a newer one; a conflict's message says what to do.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, Transaction, TransactionScan};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

#[test]
fn transaction_and_its_scan_are_send() {
    fn send<T: Send>() {}
    send::<Transaction>();
    send::<TransactionScan>();

    let db = StorageEngine::open(config(&FaultFileSystem::new())).unwrap();
    let mut tx = db.transaction().unwrap();
    tx.put("k", "v").unwrap();
    std::thread::spawn(move || tx.commit().unwrap())
        .join()
        .unwrap();
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v"[..]));
}

#[test]
fn live_transactions_are_counted() {
    let db = StorageEngine::open(config(&FaultFileSystem::new())).unwrap();
    let count = |db: &StorageEngine| {
        let stats = db.stats();
        // Transactions that began at one timestamp share a snapshot.
        assert_eq!(stats.live_snapshots > 0, stats.live_transactions > 0);
        stats.live_transactions
    };
    assert_eq!(count(&db), 0);
    let a = db.transaction().unwrap();
    let mut b = db.transaction().unwrap();
    let c = db.transaction().unwrap();
    assert_eq!(count(&db), 3);
    b.put("k", "v").unwrap();
    b.commit().unwrap();
    assert_eq!(count(&db), 2);
    a.rollback();
    assert_eq!(count(&db), 1);
    drop(c);
    assert_eq!(count(&db), 0);
}

#[test]
fn a_dropped_or_rolled_back_transaction_leaves_no_trace() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k", "v0").unwrap();
    let before = db.put("marker", "x").unwrap();
    for rollback in [false, true] {
        let mut tx = db.transaction().unwrap();
        assert!(tx.get("k").unwrap().is_some());
        tx.put("k", "v1").unwrap();
        tx.put("new", "v").unwrap();
        tx.delete_range::<&str, _>(..).unwrap();
        if rollback {
            tx.rollback();
        } else {
            drop(tx);
        }
    }
    // No timestamp was taken, nothing written.
    let tx = db.transaction().unwrap();
    assert_eq!(tx.timestamp(), before);
    assert_eq!(tx.commit().unwrap(), before, "a read-only commit");
    // Nor does it hold back a commit over what it read.
    let mut other = db.transaction().unwrap();
    other.get("k").unwrap();
    other.put("k", "v2").unwrap();
    assert!(other.commit().unwrap() > before);
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).unwrap();
    let pairs: Vec<_> = db
        .iter()
        .unwrap()
        .map(|item| {
            let (k, v) = item.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect();
    assert_eq!(
        pairs,
        [
            (b"k".to_vec(), b"v2".to_vec()),
            (b"marker".to_vec(), b"x".to_vec())
        ]
    );
}

#[test]
fn a_conflict_says_what_happened_and_what_to_do() {
    let db = StorageEngine::open(config(&FaultFileSystem::new())).unwrap();
    let mut tx = db.transaction().unwrap();
    tx.get("balance").unwrap();
    tx.put("balance", "1").unwrap();
    db.put("balance", "2").unwrap();
    let error = tx.commit().unwrap_err();
    assert!(error.is_conflict());
    assert!(!error.is_corruption());
    let Error::TransactionConflict { reason, .. } = &error else {
        panic!("{error:?}");
    };
    assert!(reason.contains("balance"), "names the key: {reason}");
    let message = error.to_string();
    for words in [
        "run it again",
        "run_transaction",
        "nothing it wrote was written",
    ] {
        assert!(message.contains(words), "{message}");
    }
}
