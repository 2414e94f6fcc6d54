//! Regression (issue 21, found by its review). A transaction outlives `close()` of its database, and the directory is
//! opened again by a new instance; the old transaction then commits.
//!
//! Promise (`StorageEngine::close`: "Nothing writes through `inner` any
//! more ... A live snapshot may keep `inner`, but not the directory"): the
//! late commit fails (`Error::Closed`) and touches nothing on disk, so the
//! new instance's acknowledged, flushed write survives a power loss.
//!
//! A `Transaction` holds the old instance's `Inner` and commits through
//! `Inner::write_checked`, which never looks at the handle's `closed` flag.
//! The database's first range delete makes that path write a MANIFEST
//! (`declare_range_deletes`) from the old instance's stale state before the
//! sealed log refuses the record: the new instance's MANIFEST is replaced
//! by one that lacks its table.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

#[test]
fn a_transaction_committed_after_close_touches_nothing() {
    let fs = FaultFileSystem::new();
    let old = StorageEngine::open(config(&fs)).unwrap();
    old.put("a", "1").unwrap();
    let mut tx = old.transaction().unwrap();
    old.close().unwrap();

    let new = StorageEngine::open(config(&fs)).unwrap();
    new.put("x", "acknowledged").unwrap();
    new.flush().unwrap();

    tx.delete_range("m".."n").unwrap();
    let late = tx.commit();
    assert!(
        matches!(late, Err(Error::Closed)),
        "a commit through a closed instance: {late:?}"
    );

    // Power loss: the new instance never writes its manifest again.
    let crashed = fs.crash();
    drop(new);
    let reopened = StorageEngine::open(config(&crashed));
    let reopened = reopened.expect("the database opens after the late commit");
    assert_eq!(
        reopened.get("x").unwrap().as_deref(),
        Some(&b"acknowledged"[..]),
        "the new instance's flushed write is lost"
    );
}
