//! Exact counter: four threads each increment one counter 1,000 times with
//! `fetch_update`, which reads and writes in a transaction and retries on
//! conflict.
//!
//! Promise: the final value is exactly 4 × 1,000, no increment lost; and
//! the values `fetch_update` returned as replaced are each count from
//! "absent" to 3,999 exactly once across the threads, so every increment
//! read the value the one before it wrote (the increments are
//! linearizable). The same after a close and a reopen.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

const THREADS: u64 = 4;
const INCREMENTS: u64 = 1_000;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 16 << 10,
        ..StorageConfig::new("/db")
    }
}

fn decode(value: Option<&[u8]>) -> u64 {
    value.map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()))
}

#[test]
fn no_increment_is_lost() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let replaced: Vec<Vec<Option<u64>>> = std::thread::scope(|s| {
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let db = &db;
                s.spawn(move || {
                    (0..INCREMENTS)
                        .map(|_| {
                            let old = db
                                .fetch_update("counter", |old| {
                                    Some((decode(old) + 1).to_le_bytes())
                                })
                                .expect("an increment commits within the retries");
                            old.map(|v| decode(Some(&v)))
                        })
                        .collect()
                })
            })
            .collect();
        threads.into_iter().map(|t| t.join().unwrap()).collect()
    });
    let total = THREADS * INCREMENTS;
    let counter = decode(db.get("counter").unwrap().as_deref());
    assert_eq!(counter, total);

    // Each thread saw the counter grow, and together they replaced every
    // value once: absent, then 1 ..= total - 1.
    let mut seen: Vec<Option<u64>> = Vec::new();
    for (t, values) in replaced.iter().enumerate() {
        assert!(values.windows(2).all(|w| w[0] < w[1]), "thread {t}");
        seen.extend(values);
    }
    seen.sort();
    let expected: Vec<Option<u64>> = std::iter::once(None).chain((1..total).map(Some)).collect();
    assert_eq!(seen, expected, "each value replaced exactly once");

    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(decode(db.get("counter").unwrap().as_deref()), total);
}
