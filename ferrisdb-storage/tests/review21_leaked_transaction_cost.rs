//! A transaction leaked (`mem::forget`) and older than
//! `max_transaction_age`.
//!
//! Promise (rustdoc of `StorageConfig::max_transaction_age`: an older
//! transaction "stops holding recent writes in memory for its check, so a
//! transaction leaked without `commit` or drop costs nothing after it"):
//! past the age the leaked transaction holds nothing back, so deleting
//! every key and compacting leaves no table, as with no transaction.
//!
//! The leaked transaction's snapshot stays registered forever
//! (`Transaction::begin` acquires it; only the drop releases it), so
//! compaction keeps every version it can see, and it is counted in
//! `live_transactions` and `live_snapshots` for good.

use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_leaked_transaction_past_its_age_holds_nothing_back() {
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
        (bytes, stats.live_snapshots, stats.live_transactions),
        (0, 0, 0),
        "(table bytes, live snapshots, live transactions) kept by a transaction leaked \
         past max_transaction_age"
    );
}
