//! `db_write_buffer_size` is one MemTable budget for every keyspace: a
//! write that would take the active MemTables past it first freezes the
//! keyspace whose active MemTable is the oldest (the first to take writes,
//! then the largest), whichever keyspace the write is for; and writers stall
//! while the active and frozen MemTables hold more than twice it.

use std::thread;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Keyspace, KeyspaceOptions, StorageConfig, StorageEngine};

mod common;

use common::fault_config;

const BUDGET: usize = 100 << 10;
const VALUE: [u8; 1024] = [b'v'; 1024];
const NAMES: [&str; 4] = ["a", "b", "c", "d"];

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        // One keyspace of the database's settings may hold 8 MemTables of
        // a quarter of the budget: its own bound is twice the budget, so
        // with keyspaces of these settings the budget's stall is at twice
        // the budget.
        memtable_size: BUDGET / 4,
        db_write_buffer_size: BUDGET,
        max_immutable_memtables: 7,
        disable_auto_compactions: true,
        ..fault_config(fs, RecoveryMode::default())
    }
}

/// The keyspace `name`, made with a MemTable as large as the whole budget:
/// its own size is never the first to fill, so only the budget freezes.
fn keyspace(db: &StorageEngine, name: &str) -> Keyspace {
    let options = KeyspaceOptions {
        memtable_size: BUDGET,
        ..KeyspaceOptions::default()
    };
    db.keyspace_with(name, options).unwrap()
}

/// How many MemTables each of [`NAMES`] froze: its frozen ones and its
/// tables (each a flushed one; nothing compacts them).
fn freezes(db: &StorageEngine) -> Vec<usize> {
    let stats = db.stats();
    NAMES
        .iter()
        .map(|name| {
            let ks = stats.keyspaces.iter().find(|k| k.name == *name).unwrap();
            ks.immutable_memtables + ks.levels.iter().map(|l| l.tables).sum::<usize>()
        })
        .collect()
}

/// Writes to `ks` until a write freezes some keyspace, and returns which.
fn write_until_a_freeze(db: &StorageEngine, ks: &Keyspace, next: &mut usize) -> &'static str {
    let before = freezes(db);
    for _ in 0..1000 {
        ks.put(format!("{}{:05}", ks.name(), *next), VALUE).unwrap();
        *next += 1;
        assert!(db.stats().memtable_bytes <= BUDGET, "past the budget");
        let now = freezes(db);
        if now != before {
            let changed: Vec<usize> = (0..NAMES.len()).filter(|&i| now[i] != before[i]).collect();
            assert_eq!(changed.len(), 1, "{before:?} -> {now:?}");
            assert_eq!(now[changed[0]], before[changed[0]] + 1);
            return NAMES[changed[0]];
        }
    }
    panic!("no freeze in 1000 writes to {}", ks.name());
}

#[test]
fn the_oldest_active_memtable_is_frozen_first_whichever_keyspace_writes() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let [a, b, c, d] = NAMES.map(|name| keyspace(&db, name));
    let mut next = 0;
    // All four begin in the first log, a the largest.
    for (ks, count) in [(&a, 40), (&b, 25), (&c, 10)] {
        for _ in 0..count {
            ks.put(format!("{}{next:05}", ks.name()), VALUE).unwrap();
            next += 1;
        }
    }
    assert_eq!(freezes(&db), [0, 0, 0, 0]);
    // d's writes pass the budget: of the four, all in the first log, the
    // largest goes, though d writes.
    assert_eq!(write_until_a_freeze(&db, &d, &mut next), "a");
    // a starts again in a newer log: b, c and d, older, go first, each
    // though a is the largest by then; among them the largest first: b
    // (25 writes), d (the 25 or so that passed the budget), c (10).
    assert_eq!(write_until_a_freeze(&db, &a, &mut next), "b");
    assert_eq!(write_until_a_freeze(&db, &a, &mut next), "d");
    assert_eq!(write_until_a_freeze(&db, &a, &mut next), "c");
    // a alone holds writes: it goes.
    assert_eq!(write_until_a_freeze(&db, &a, &mut next), "a");
    assert_eq!(freezes(&db), [2, 1, 1, 1]);

    // Every write is there after a reopen.
    let written = next;
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let mut found = 0;
    for name in NAMES {
        found += db.keyspace(name).unwrap().iter().unwrap().count();
    }
    assert_eq!(found, written);
}

#[test]
fn writers_stall_while_the_memtables_hold_twice_the_budget() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let held = fs.hold_syncs(".sst");
    let writer = {
        // The database's settings: the stall is at twice the budget (see
        // `config`); larger MemTables would raise it to their own bound.
        let keyspaces = NAMES.map(|name| db.keyspace(name).unwrap());
        thread::spawn(move || {
            for i in 0..600 {
                let ks = &keyspaces[i % keyspaces.len()];
                ks.put(format!("k{i:05}"), VALUE).unwrap();
            }
        })
    };
    // No flush finishes, so the frozen MemTables pile up until the writer
    // stalls on them.
    held.wait_until_held(1);
    while db.stats().stalls == 0 {
        assert!(!writer.is_finished(), "600 writes and no stall");
        thread::yield_now();
    }
    let stats = db.stats();
    let held_bytes = stats.memtable_bytes + stats.immutable_memtable_bytes;
    // Each write is checked before it is made: at most one write past.
    assert!(
        held_bytes <= 2 * BUDGET + 2 * VALUE.len(),
        "{held_bytes} bytes in MemTables"
    );
    held.release();
    writer.join().unwrap();
    db.wait_for_compactions().unwrap();
    let found: usize = NAMES
        .iter()
        .map(|name| db.keyspace(name).unwrap().iter().unwrap().count())
        .sum();
    assert_eq!(found, 600);
}
