//! A batch across keyspaces becomes visible whole (risk R9): a writer moves
//! units between accounts in two keyspaces, each move one batch writing
//! both, while MemTables freeze and flush under it (small MemTables, small
//! logs, a small shared budget); a reader checks through snapshots, by
//! point reads and by scans, that the units add up to the same total. An
//! invariant, not a timing: any snapshot between a batch's two halves
//! breaks it.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Keyspace, Snapshot, StorageConfig, StorageEngine, WriteBatch};

mod common;

use common::fault_config;

const ACCOUNTS: u64 = 8;
const START: u64 = 1000;
const TOTAL: u64 = 2 * ACCOUNTS * START;
const MOVES: u64 = 1500;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        memtable_size: 16 << 10,
        wal_max_file_size: 16 << 10,
        db_write_buffer_size: 24 << 10,
        ..fault_config(fs, RecoveryMode::default())
    }
}

fn key(i: u64) -> String {
    format!("acct{i:02}")
}

fn units(value: &[u8]) -> u64 {
    std::str::from_utf8(value).unwrap().parse().unwrap()
}

/// The units in both keyspaces as of `snap`, by point reads and by scans
/// (which must agree).
fn total(snap: &Snapshot, keyspaces: &[Keyspace; 2]) -> u64 {
    let mut by_gets = 0;
    let mut by_scans = 0;
    for ks in keyspaces {
        for i in 0..ACCOUNTS {
            by_gets += units(&snap.get_in(ks, key(i)).unwrap().unwrap());
        }
        for item in snap.iter_in(ks).unwrap() {
            by_scans += units(&item.unwrap().1);
        }
    }
    assert_eq!(by_gets, by_scans, "at {}", snap.timestamp());
    by_gets
}

#[test]
fn a_reader_never_sees_half_a_batch_across_keyspaces() {
    let fs = FaultFileSystem::new();
    let db = Arc::new(StorageEngine::open(config(&fs)).unwrap());
    let keyspaces = [db.keyspace("left").unwrap(), db.keyspace("right").unwrap()];
    let mut setup = WriteBatch::new();
    for ks in &keyspaces {
        for i in 0..ACCOUNTS {
            setup.put_in(ks, key(i), START.to_string());
        }
    }
    db.write(setup).unwrap();

    let done = Arc::new(AtomicBool::new(false));
    let reader = {
        let (db, keyspaces, done) = (Arc::clone(&db), keyspaces.clone(), Arc::clone(&done));
        thread::spawn(move || {
            let mut checks = 0u64;
            // Relaxed: the flag only ends the loop; the data read is ordered
            // by the engine's own publication.
            while !done.load(Ordering::Relaxed) || checks == 0 {
                let snap = db.snapshot().unwrap();
                assert_eq!(total(&snap, &keyspaces), TOTAL, "checks so far: {checks}");
                checks += 1;
            }
            checks
        })
    };

    // Each move takes units from an account of one keyspace and gives them
    // to an account of the other, in one batch.
    let mut balances = [[START; ACCOUNTS as usize]; 2];
    for m in 0..MOVES {
        let from = (m % 2) as usize;
        let (i, j) = ((m * 7 % ACCOUNTS) as usize, (m * 3 % ACCOUNTS) as usize);
        let amount = (m % 5 + 1).min(balances[from][i]);
        balances[from][i] -= amount;
        balances[1 - from][j] += amount;
        let mut batch = WriteBatch::new();
        batch
            .put_in(
                &keyspaces[from],
                key(i as u64),
                balances[from][i].to_string(),
            )
            .put_in(
                &keyspaces[1 - from],
                key(j as u64),
                balances[1 - from][j].to_string(),
            );
        db.write(batch).unwrap();
    }
    done.store(true, Ordering::Relaxed);
    let checks = reader.join().unwrap();
    assert!(checks > 0);
    // The MemTables froze and flushed under the reader.
    assert!(db.stats().flushes > 2, "{} flushes", db.stats().flushes);

    // After a power loss, every batch is whole too.
    db.sync_wal().unwrap();
    let crashed = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&crashed)).unwrap();
    let keyspaces = [db.keyspace("left").unwrap(), db.keyspace("right").unwrap()];
    assert_eq!(total(&db.snapshot().unwrap(), &keyspaces), TOTAL);
    for (ks, expected) in keyspaces.iter().zip(&balances) {
        for i in 0..ACCOUNTS {
            let value = ks.get(key(i)).unwrap().unwrap();
            assert_eq!(
                units(&value),
                expected[i as usize],
                "{} {}",
                ks.name(),
                key(i)
            );
        }
    }
}
