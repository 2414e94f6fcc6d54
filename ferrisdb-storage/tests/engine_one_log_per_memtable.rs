//! Each log holds the writes of exactly one MemTable: a record that would
//! take the log past `wal_max_file_size` freezes the MemTable and starts
//! the next log with the next MemTable. So a flush retires a log as soon as
//! its one MemTable is in a table, and recovery never splits a log between
//! MemTables.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config};

const PUTS: usize = 60;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        // Small logs; the MemTable (64 MiB) never fills on its own.
        wal_max_file_size: 8 << 10,
        max_immutable_memtables: 64,
        ..fault_config(fs, RecoveryMode::default())
    }
}

fn key(i: usize) -> String {
    format!("k{i:04}")
}

#[test]
fn a_full_log_freezes_its_memtable_and_flushes_retire_it() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..PUTS {
        db.put(key(i), vec![b'v'; 500]).unwrap();
    }
    db.wait_for_compactions().unwrap();
    let stats = db.stats();
    assert!(stats.flushes >= 3, "{} flushes", stats.flushes);
    assert_eq!(stats.immutable_memtables, 0);
    // Only the active MemTable's log is left.
    let logs = wal_files(&fs, &dir()).unwrap();
    assert_eq!(logs.len(), 1, "{logs:?}");
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..PUTS {
        assert!(db.get(key(i)).unwrap().is_some(), "{} lost", key(i));
    }
}

#[test]
fn every_log_but_the_active_one_belongs_to_a_frozen_memtable() {
    let fs = FaultFileSystem::new();
    let held = fs.hold_syncs(".sst");
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..PUTS {
        db.put(key(i), vec![b'v'; 500]).unwrap();
        let logs = wal_files(&fs, &dir()).unwrap();
        // Flushes are held: no log has gone, and each one but the newest
        // is a frozen MemTable's.
        assert_eq!(
            logs.len(),
            db.stats().immutable_memtables + 1,
            "after put {i}"
        );
    }
    assert!(db.stats().immutable_memtables >= 3);
    held.release();
    db.close().unwrap();
}
