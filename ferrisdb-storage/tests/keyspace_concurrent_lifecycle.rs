//! Creates, drops, re-configurations, cross-keyspace
//! batches, flushes, compactions and snapshots on several threads at once,
//! with tiny MemTables so logs rotate and MemTables freeze all the time.
//! Nothing may panic (the engine's debug assertions included), hang, or
//! stop the engine; a snapshot sees each batch in `a` and `b` whole or not
//! at all while `b` lives; and `a`, never dropped, holds every write after
//! a reopen.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, Error, KeyspaceOptions, StorageConfig, StorageEngine, WriteBatch,
};

mod common;

use common::string_pairs;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4 << 10,
        target_file_size: 4 << 10,
        max_immutable_memtables: 2,
        ..StorageConfig::new("/db")
    }
}

fn small(style: CompactionStyle) -> KeyspaceOptions {
    KeyspaceOptions {
        memtable_size: 4 << 10,
        compaction_style: style,
        ..KeyspaceOptions::default()
    }
}

fn run(fs: &FaultFileSystem, rounds: usize) -> BTreeMap<String, String> {
    let db = StorageEngine::open(config(fs)).unwrap();
    let a = db
        .keyspace_with("a", small(CompactionStyle::leveled()))
        .unwrap();
    db.keyspace_with("b", small(CompactionStyle::size_tiered()))
        .unwrap();
    let model = Arc::new(Mutex::new(BTreeMap::new()));
    let stop = Arc::new(AtomicBool::new(false));

    let writer = {
        let (db, a, model, stop) = (db.clone(), a.clone(), Arc::clone(&model), Arc::clone(&stop));
        std::thread::spawn(move || {
            for i in 0..rounds {
                let b = db.keyspace("b").unwrap();
                let key = format!("k{:03}", i % 300);
                let value = format!("v{i} {}", "x".repeat(60));
                let mut batch = WriteBatch::new();
                batch
                    .put_in(&a, &key, &value)
                    .put_in(&b, &key, &value)
                    .put(&key, &value);
                match db.write(batch) {
                    Ok(_) => {
                        model.lock().unwrap().insert(key, value);
                    }
                    Err(Error::KeyspaceDropped { .. }) => {}
                    Err(other) => panic!("round {i}: {other}"),
                }
            }
            stop.store(true, Ordering::SeqCst);
        })
    };
    let lifecycle = {
        let (db, stop) = (db.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                match n % 4 {
                    0 => {
                        db.drop_keyspace("b").unwrap();
                        db.keyspace_with("b", small(CompactionStyle::size_tiered()))
                            .unwrap();
                    }
                    1 => {
                        let style = if n % 8 == 1 {
                            CompactionStyle::size_tiered()
                        } else {
                            CompactionStyle::leveled()
                        };
                        db.keyspace_with("a", small(style)).unwrap();
                    }
                    2 => db.flush().unwrap(),
                    _ => {
                        let c = db.keyspace(&format!("c{}", n % 3)).unwrap();
                        c.put("x", "y").unwrap();
                        if n % 12 == 3 {
                            db.drop_keyspace(&format!("c{}", n % 3)).unwrap();
                        }
                    }
                }
            }
        })
    };
    let reader = {
        let (db, a, stop) = (db.clone(), a.clone(), Arc::clone(&stop));
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                if n.is_multiple_of(50) {
                    db.compact().unwrap();
                }
                let Ok(b) = db.keyspace("b") else { continue };
                let snap = db.snapshot().unwrap();
                let in_a: BTreeMap<_, _> = snap
                    .iter_in(&a)
                    .unwrap()
                    .map(|item| item.unwrap())
                    .collect();
                let in_default: BTreeMap<_, _> =
                    snap.iter().unwrap().map(|item| item.unwrap()).collect();
                assert_eq!(in_a, in_default, "a batch seen in `a` but not in `default`");
                match snap.iter_in(&b) {
                    Ok(scan) => {
                        for item in scan {
                            let (k, v) = item.unwrap();
                            assert_eq!(
                                in_a.get(&k),
                                Some(&v),
                                "a batch seen in `b` but not in `a`"
                            );
                        }
                    }
                    Err(Error::KeyspaceDropped { .. }) => {}
                    Err(other) => panic!("{other}"),
                }
            }
        })
    };
    for thread in [writer, lifecycle, reader] {
        thread.join().unwrap();
    }
    db.wait_for_compactions().unwrap();
    let model = model.lock().unwrap().clone();
    let seen: BTreeMap<String, String> = string_pairs(a.iter().unwrap());
    assert_eq!(seen, model, "before the reopen");
    db.close().unwrap();
    model
}

#[test]
fn concurrent_lifecycle_keeps_batches_whole_and_a_complete() {
    let fs = FaultFileSystem::new();
    let (done, finished) = mpsc::channel();
    let worker_fs = fs.clone();
    std::thread::spawn(move || {
        let model = run(&worker_fs, 3000);
        let _ = done.send(model);
    });
    let model = finished
        .recv_timeout(Duration::from_secs(120))
        .expect("the scenario finished (a panic in it, or a hang)");
    let db = StorageEngine::open(config(&fs)).unwrap();
    let a = db.keyspace("a").unwrap();
    for (k, v) in &model {
        assert_eq!(a.get(k).unwrap().as_deref(), Some(v.as_bytes()), "{k}");
    }
    assert_eq!(a.iter().unwrap().count(), model.len());
}
