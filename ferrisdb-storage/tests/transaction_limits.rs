//! The caps on what a transaction's commit check keeps in memory:
//! `StorageConfig::max_transaction_age` and
//! `StorageConfig::transaction_conflict_memory`.
//!
//! Promise: a writing transaction older than `max_transaction_age` fails
//! its commit with `TransactionConflict` naming the setting, even with no
//! write since it began, and writes nothing; a read-only one of any age
//! commits. With `transaction_conflict_memory` too small for the writes
//! since a transaction began, its commit fails with a conflict naming that
//! setting, though nothing it read was written; a transaction begun after
//! those writes commits.

use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn open(config: StorageConfig) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..config
    })
    .unwrap()
}

fn reason(result: ferrisdb_storage::Result<u64>) -> String {
    match result {
        Err(Error::TransactionConflict { reason, .. }) => reason,
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn a_transaction_past_max_age_cannot_commit_writes() {
    let db = open(StorageConfig {
        max_transaction_age: Duration::from_millis(5),
        ..StorageConfig::new("/db")
    });
    db.put("k", "v0").unwrap();
    let mut writer = db.transaction().unwrap();
    assert!(writer.get("k").unwrap().is_some());
    writer.put("k", "v1").unwrap();
    let mut reader = db.transaction().unwrap();
    assert!(reader.get("k").unwrap().is_some());
    // Past the age, whatever the scheduler does: the age only grows.
    std::thread::sleep(Duration::from_millis(20));
    db.put("other", "v").unwrap();

    let reason = reason(writer.commit());
    assert!(reason.contains("max_transaction_age"), "{reason}");
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v0"[..]));
    reader
        .commit()
        .expect("a read-only transaction commits at any age");
    assert_eq!(db.stats().live_transactions, 0);
}

#[test]
fn writes_past_the_conflict_memory_fail_an_older_transaction() {
    let db = open(StorageConfig {
        // About ten recorded keys.
        transaction_conflict_memory: 1 << 10,
        ..StorageConfig::new("/db")
    });
    db.put("mine", "v0").unwrap();
    let mut old = db.transaction().unwrap();
    assert!(old.get("mine").unwrap().is_some());
    old.put("mine", "v1").unwrap();
    for i in 0..100 {
        db.put(format!("other:{i:03}"), "v").unwrap();
    }
    let mut young = db.transaction().unwrap();
    assert!(young.get("mine").unwrap().is_some());
    young.put("mine", "v2").unwrap();
    for i in 0..5 {
        db.put(format!("more:{i}"), "v").unwrap();
    }

    let reason = reason(old.commit());
    assert!(reason.contains("transaction_conflict_memory"), "{reason}");
    assert_eq!(db.get("mine").unwrap().as_deref(), Some(&b"v0"[..]));
    young.commit().expect("the writes since it began fit");
    assert_eq!(db.get("mine").unwrap().as_deref(), Some(&b"v2"[..]));
}
