//! `StorageEngine` is a cheap `Clone` handle. What every handle sees once one
//! of them closes the database: `Error::Closed` from every fallible call,
//! never a panic; the directory's lock released, so the database reopens at
//! once; readers made before the close still reading their view; and the
//! database closed by the drop of the last handle when nobody calls `close`.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, Slice, StorageConfig, StorageEngine, WriteBatch, WriteOptions};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn closed<T: std::fmt::Debug>(result: ferrisdb_storage::Result<T>, call: &str) {
    match result {
        Err(Error::Closed) => {}
        other => panic!("{call} after close returned {other:?}, not Error::Closed"),
    }
}

#[test]
fn every_call_of_every_handle_fails_with_closed_after_close() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k", "v").unwrap();
    let other = db.clone();
    let scan = other.iter().unwrap();
    let snapshot = other.snapshot().unwrap();
    db.close().unwrap();

    closed(other.get("k"), "get");
    closed(other.get_opt("k", &Default::default()), "get_opt");
    closed(other.put("k", "v2"), "put");
    closed(
        other.put_opt("k", "v2", &WriteOptions::default()),
        "put_opt",
    );
    closed(other.delete("k"), "delete");
    let mut batch = WriteBatch::new();
    batch.put("a", "1");
    closed(other.write(&batch), "write");
    closed(other.iter().map(|_| ()), "iter");
    closed(other.scan("a".."z").map(|_| ()), "scan");
    closed(other.scan_prefix("k").map(|_| ()), "scan_prefix");
    closed(other.snapshot().map(|_| ()), "snapshot");
    closed(other.flush(), "flush");
    closed(other.compact(), "compact");
    closed(other.wait_for_compactions(), "wait_for_compactions");
    closed(other.sync_wal(), "sync_wal");
    closed(other.checkpoint("/copy"), "checkpoint");
    closed(other.space_amplification(), "space_amplification");
    // The reports still describe the database as it closed: "k" in its
    // MemTable, no table.
    assert!(other.stats().memtable_bytes > 0);
    assert!(other.live_tables().is_empty());
    let clone_of_closed = other.clone();
    closed(clone_of_closed.close(), "a second close");

    // Readers made before the close keep their view.
    let pairs: Vec<_> = scan.map(Result::unwrap).collect();
    assert_eq!(pairs.len(), 1);
    assert_eq!(snapshot.get("k").unwrap(), Some("v".into()));

    // The lock went with the close: the directory opens again, with the data.
    let reopened = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(reopened.get("k").unwrap(), Some("v".into()));
    drop(other);
    assert_eq!(
        reopened.get("k").unwrap(),
        Some("v".into()),
        "dropping a closed handle touched the reopened database"
    );
    reopened.close().unwrap();
}

#[test]
fn dropping_the_last_handle_closes_the_database() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let clones: Vec<StorageEngine> = (0..4).map(|_| db.clone()).collect();
    db.put("k", "v").unwrap();
    drop(db);
    // Other handles keep the database open.
    assert!(matches!(
        StorageEngine::open(config(&fs)),
        Err(Error::DatabaseLocked { .. })
    ));
    assert_eq!(clones[3].get("k").unwrap(), Some("v".into()));
    drop(clones);
    let reopened = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(reopened.get("k").unwrap(), Some("v".into()));
}

#[test]
fn writes_and_compactions_racing_close_see_closed_and_lose_nothing() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 64 << 10,
        ..config(&fs)
    })
    .unwrap();
    // Every writer has 200 writes acknowledged before the close starts, so
    // the close overlaps writers that are still writing.
    let started = std::sync::Barrier::new(5);
    let acknowledged: Vec<String> = std::thread::scope(|s| {
        let writers: Vec<_> = (0..4)
            .map(|t| {
                let db = db.clone();
                let started = &started;
                s.spawn(move || {
                    let mut acknowledged = Vec::new();
                    for i in 0..100_000 {
                        let key = format!("t{t}-{i:06}");
                        match db.put(&key, [b'v'; 100]) {
                            Ok(_) => acknowledged.push(key),
                            Err(Error::Closed) => break,
                            Err(other) => panic!("a write racing close failed with {other}"),
                        }
                        if i == 199 {
                            started.wait();
                        }
                    }
                    acknowledged
                })
            })
            .collect();
        let compactor = {
            let db = db.clone();
            s.spawn(move || loop {
                match db.compact() {
                    Ok(()) => {}
                    Err(Error::Closed) => return,
                    Err(other) => panic!("a compaction racing close failed with {other}"),
                }
            })
        };
        started.wait();
        db.clone().close().unwrap();
        compactor.join().expect("the compactor panicked");
        writers
            .into_iter()
            .flat_map(|w| w.join().expect("a writer panicked"))
            .collect()
    });
    assert!(acknowledged.len() >= 800);
    // Every write acknowledged before or during the close is there, and the
    // reopened database is consistent (a compaction after the close would
    // have left its manifest and tables at odds).
    drop(db);
    let reopened = StorageEngine::open(config(&fs)).unwrap();
    for key in &acknowledged {
        assert_eq!(
            reopened.get(key).unwrap(),
            Some(Slice::from(vec![b'v'; 100])),
            "{key} lost"
        );
    }
    reopened.compact().unwrap();
    assert_eq!(reopened.iter().unwrap().count(), acknowledged.len());
}
