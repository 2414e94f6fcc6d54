//! Regression (issue 19, third review of the budgets): the budget's stall
//! is meant never to come before one keyspace's own bound, its active
//! MemTable and `max_immutable_memtables` frozen ones. But that bound was
//! worked out from the *database's* `memtable_size`, while the default
//! budget follows the largest keyspace's: a keyspace made with a larger
//! `memtable_size` than `default`'s, the only one written, stalled at twice
//! the default budget (four of its MemTables) though its own bound is
//! nine, the early stall `regression_idle_keyspace_changes_stalls` fixed
//! for `default`. The bound now follows the largest MemTable too.

use std::thread;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine};

mod common;

use common::fault_config;

#[test]
fn a_keyspace_with_a_larger_memtable_is_not_stalled_before_its_own_bound() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 16 << 10,
        max_immutable_memtables: 8,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let big = db
        .keyspace_with(
            "big",
            KeyspaceOptions {
                memtable_size: 64 << 10,
                ..KeyspaceOptions::default()
            },
        )
        .unwrap();
    let held = fs.hold_syncs(".sst");
    // About 5 of big's MemTables of writes: within its 8 frozen slots.
    let writer = {
        let big = big.clone();
        thread::spawn(move || {
            for i in 0..2500u32 {
                big.put(format!("k{i:06}"), [b'v'; 100]).unwrap();
            }
        })
    };
    let started = Instant::now();
    while !writer.is_finished()
        && db.stats().stalls == 0
        && started.elapsed() < Duration::from_secs(10)
    {
        thread::sleep(Duration::from_millis(1));
    }
    let stats = db.stats();
    let frozen = stats
        .keyspaces
        .iter()
        .find(|k| k.name == "big")
        .unwrap()
        .immutable_memtables;
    held.release();
    writer.join().unwrap();
    assert_eq!(
        stats.stalls, 0,
        "big's writes stalled with {frozen} of its 8 frozen slots taken: the stall bound \
         counts default's memtable_size, not big's"
    );
}
