//! The edges of a transaction's scanned ranges: empty and inverted ranges
//! read nothing (from either end) and conflict with nothing; a prefix of
//! only 0xff bytes (no successor) and the empty prefix read up to the last
//! key, so a write above every key they returned is a phantom; an
//! excluded start bound is not read.

use std::ops::Bound::{Excluded, Included, Unbounded};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, Transaction};

fn open() -> StorageEngine {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for k in ["a", "b", "c"] {
        db.put(k, "v").unwrap();
    }
    db.put([0xff, 0xff], "v").unwrap();
    db
}

fn commits(db: &StorageEngine, read: impl FnOnce(&mut Transaction) -> usize, write: &[u8]) -> bool {
    let mut tx = db.transaction().unwrap();
    let n = read(&mut tx);
    tx.put("out", n.to_string()).unwrap();
    db.put(write, "new").unwrap();
    match tx.commit() {
        Ok(_) => true,
        Err(Error::TransactionConflict { .. }) => false,
        Err(other) => panic!("{other}"),
    }
}

#[test]
#[allow(clippy::reversed_empty_ranges)]
fn empty_ranges_read_nothing_and_prefixes_without_successor_read_to_the_end() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    tx.put("bb", "own").unwrap();
    assert_eq!(tx.scan("c".."a").unwrap().count(), 0);
    assert_eq!(tx.scan("c".."a").unwrap().rev().count(), 0);
    assert_eq!(tx.scan("b".."b").unwrap().count(), 0);
    assert_eq!(
        tx.scan::<&str, _>((Excluded("b"), Included("b")))
            .unwrap()
            .count(),
        0
    );
    assert_eq!(
        tx.scan::<&str, _>((Excluded("b"), Excluded("b\0")))
            .unwrap()
            .count(),
        0
    );
    let own: Vec<_> = tx
        .scan::<&str, _>((Excluded("b"), Unbounded))
        .unwrap()
        .map(|p| p.unwrap().0.to_vec())
        .collect();
    assert_eq!(own, [b"bb".to_vec(), b"c".to_vec(), vec![0xff, 0xff]]);
    drop(tx);

    assert!(commits(&db, |tx| tx.scan("c".."a").unwrap().count(), b"b"));
    assert!(commits(
        &db,
        |tx| tx
            .scan::<&str, _>((Excluded("b"), Included("c")))
            .unwrap()
            .count(),
        b"b"
    ));
    assert!(!commits(
        &db,
        |tx| tx
            .scan::<&str, _>((Excluded("b"), Included("c")))
            .unwrap()
            .count(),
        b"b\0"
    ));
    assert!(!commits(
        &db,
        |tx| tx.scan_prefix([0xff, 0xff]).unwrap().count(),
        &[0xff, 0xff, 0xff, 0x01]
    ));
    assert!(!commits(
        &db,
        |tx| tx.scan_prefix([0xff]).unwrap().rev().count(),
        &[0xff, 0x00]
    ));
    assert!(!commits(
        &db,
        |tx| tx.scan_prefix("").unwrap().count(),
        &[0xff; 8]
    ));
    assert!(commits(
        &db,
        |tx| tx.scan_prefix([0xff, 0xff]).unwrap().count(),
        &[0xff, 0xfe, 0xff]
    ));
}
