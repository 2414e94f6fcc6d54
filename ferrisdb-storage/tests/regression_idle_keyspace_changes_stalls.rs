//! Regression (issue 19, review of the budgets): "a database with only the `default` keyspace never checks
//! [`db_write_buffer_size`]: its `memtable_size` and
//! `max_immutable_memtables` bound its MemTables" (`StorageConfig`). But
//! merely creating a second, empty keyspace turned the default budget (twice
//! `memtable_size`, writers stalling past twice that) on for `default`'s
//! own writes, overruling its `max_immutable_memtables`: with 8 frozen slots
//! `default` alone takes five MemTables of writes while a flush is held
//! without a stall; with an idle keyspace beside it, the same writes stalled
//! with four frozen. The budget's stall now never comes sooner than one
//! keyspace's own bound (its active MemTable and `max_immutable_memtables`
//! frozen ones).

use std::thread;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::fault_config;

#[test]
fn an_idle_keyspace_does_not_change_how_default_stalls() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 64 << 10,
        max_immutable_memtables: 8,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    // Never written.
    db.keyspace("idle").unwrap();
    let held = fs.hold_syncs(".sst");
    // About 5 MemTables of writes: within 8 frozen slots.
    let writer = {
        let db = db.clone();
        thread::spawn(move || {
            for i in 0..2500u32 {
                db.put(format!("k{i:06}"), [b'v'; 100]).unwrap();
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
        .find(|k| k.name == "default")
        .unwrap()
        .immutable_memtables;
    held.release();
    writer.join().unwrap();
    assert_eq!(
        stats.stalls, 0,
        "default's writes stalled with {frozen} of its 8 frozen slots taken, because an \
         empty keyspace exists"
    );
}
