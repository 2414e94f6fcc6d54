//! A keyspace made after a transaction began, and written: the
//! transaction reads it as empty (its snapshot predates it). Promise: its
//! commit fails, as the writes into the new keyspace came after it began
//! and meet what it read (a key, a scanned range); a transaction that only
//! read it commits.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

fn open() -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn reads_of_a_keyspace_made_after_the_beginning_are_checked() {
    for how in ["get", "scan", "prefix", "iter"] {
        let db = open();
        let mut tx = db.transaction().unwrap();
        let mut reader = db.transaction().unwrap();
        let ks = db.keyspace("late").unwrap();
        ks.put("a1", "x").unwrap();
        let seen = match how {
            "get" => usize::from(tx.get_in(&ks, "a1").unwrap().is_some()),
            "scan" => tx.scan_in(&ks, "a".."b").unwrap().count(),
            "prefix" => tx.scan_prefix_in(&ks, "a").unwrap().count(),
            _ => tx.iter_in(&ks).unwrap().count(),
        };
        assert_eq!(seen, 0, "{how}: the snapshot predates the keyspace");
        assert_eq!(reader.iter_in(&ks).unwrap().count(), 0);
        tx.put("count", seen.to_string()).unwrap();
        match tx.commit() {
            Err(Error::TransactionConflict { .. }) => {}
            other => panic!("{how}: expected a conflict, got {other:?}"),
        }
        assert_eq!(db.get("count").unwrap(), None);
        reader.commit().expect("a read-only transaction commits");
    }
}
