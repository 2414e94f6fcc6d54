//! Regression (issue 21, found by its review). A transaction holding a range delete fails its commit with a conflict,
//! in a database that never range-deleted.
//!
//! Promise (`Transaction::commit`: on a conflict "nothing is written";
//! engine/write.rs: "A database that never range-deletes never declares
//! it, and stays readable by the FerrisDBs before range deletes"): the
//! failed commit leaves the manifest without the `range_deletes` feature.
//!
//! `write_checked` declares the feature (a durable manifest write) before
//! it runs the transaction's commit check, so a commit refused by the
//! check still makes the database unreadable to an older FerrisDB.

mod range_delete_common;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageEngine};
use range_delete_common::{config, declares_range_deletes};

#[test]
fn a_conflicting_commit_declares_no_range_deletes() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k", "v0").unwrap();
    let mut tx = db.transaction().unwrap();
    tx.get("k").unwrap();
    tx.delete_range("a".."z").unwrap();
    db.put("k", "v1").unwrap();
    let result = tx.commit();
    assert!(
        matches!(result, Err(Error::TransactionConflict { .. })),
        "{result:?}"
    );
    assert_eq!(db.get("k").unwrap().as_deref(), Some(&b"v1"[..]));
    assert!(
        !declares_range_deletes(&fs),
        "a refused commit declared range deletes in the manifest"
    );
}
