//! Regression (issue 21, found by its review): a transaction leaked
//! (`mem::forget`) past `max_transaction_age` stayed in the list of live
//! transactions for good, so it was counted, every later write recorded
//! its keys and pruned for it, and the rustdoc promised it "costs nothing"
//! while its snapshot kept every version it could see.
//!
//! Promise now: once a write finds it older than the age, it no longer
//! counts and makes no write record; its snapshot stays, as a leaked
//! `Snapshot`'s does, so compaction keeps what it reads (its reads stay
//! right), and the rustdoc says so.

use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_leaked_transaction_past_its_age_stops_counting_and_keeps_its_snapshot() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        max_transaction_age: Duration::from_millis(1),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    // Values that do not compress: 200 KiB of tables.
    let mut x = 1u64;
    for i in 0..200 {
        let value: Vec<u8> = (0..1024)
            .map(|_| {
                x = x
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (x >> 56) as u8
            })
            .collect();
        db.put(format!("k{i:03}"), value).unwrap();
    }
    db.flush().unwrap();
    std::mem::forget(db.transaction().unwrap());
    // Past the age, whatever the scheduler does: the age only grows.
    std::thread::sleep(Duration::from_millis(20));

    db.delete_range::<&str, _>(..).unwrap();
    db.compact().unwrap();
    let stats = db.stats();
    let bytes: u64 = db.live_tables().iter().map(|t| t.file_size).sum();
    assert_eq!(
        (stats.live_snapshots, stats.live_transactions),
        (1, 0),
        "(live snapshots, live transactions) with one transaction leaked past \
         max_transaction_age and a write since"
    );
    assert!(
        bytes > 200 * 1024,
        "the leaked transaction's snapshot keeps what it reads: {bytes} table bytes"
    );
}
