//! A `SyncMode::Full` write is logged and recorded, but not yet published
//! (its sync is held), when a transaction begins: the transaction does not
//! see it, reads the key, and writes. Promise: the transaction's commit
//! fails, since a write it did not see, ordered before its commit, wrote
//! what it read. Then a second `Full` write, begun with no transaction
//! open, and a transaction begun during its sync and kept open while a
//! plain write prunes the log, the same.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode, WriteOptions};

const FULL: WriteOptions = WriteOptions {
    sync: Some(SyncMode::Full),
};

fn assert_conflict(result: ferrisdb_storage::Result<u64>, what: &str) {
    match result {
        Err(Error::TransactionConflict { .. }) => {}
        other => panic!("{what}: expected a conflict, got {other:?}"),
    }
}

#[test]
fn a_transaction_begun_during_a_full_sync_conflicts_with_that_write() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("k", "v0").unwrap();
    db.put("j", "v0").unwrap();

    let tx = std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let writer = s.spawn(|| db.put_opt("k", "full", &FULL).unwrap());
        held.wait_until_held(1);
        let mut tx = db.transaction().unwrap();
        assert_eq!(tx.get("k").unwrap().as_deref(), Some(&b"v0"[..]));
        tx.put("k", "tx").unwrap();
        held.release();
        writer.join().unwrap();
        tx
    });
    // Plain writes after the publication prune the log down to the open
    // transaction's beginning, never past it.
    for i in 0..10 {
        db.put(format!("other{i}"), "x").unwrap();
    }
    assert_conflict(tx.commit(), "a Full write in flight at the beginning");
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"full"[..]));

    // Twice in flight: the second Full write starts while another
    // transaction is open and older, and that one ends first.
    let older = db.transaction().unwrap();
    let tx = std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        let writer = s.spawn(|| db.put_opt("j", "full", &FULL).unwrap());
        held.wait_until_held(1);
        let mut tx = db.transaction().unwrap();
        assert_eq!(tx.get("j").unwrap().as_deref(), Some(&b"v0"[..]));
        tx.put("j", "tx").unwrap();
        drop(older);
        held.release();
        writer.join().unwrap();
        tx
    });
    db.put("other", "y").unwrap();
    assert_conflict(
        tx.commit(),
        "a Full write in flight, an older transaction gone",
    );
    assert_eq!(db.get("j").unwrap().as_deref(), Some(&b"full"[..]));
    assert_eq!(db.stats().live_transactions, 0);
}
