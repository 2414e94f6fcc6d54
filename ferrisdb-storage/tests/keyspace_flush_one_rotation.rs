//! `flush()` of several keyspaces starts one new log, not one per
//! keyspace (a log switch is for every keyspace at once, RocksDB's rule),
//! and a keyspace with nothing in its MemTable moves to that log, so it
//! pins no older one. All the data is there after a clean reopen and after
//! a power loss.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config};

const WRITTEN: [&str; 3] = ["default", "users", "log"];

fn config(fs: &FaultFileSystem) -> StorageConfig {
    fault_config(fs, RecoveryMode::default())
}

fn log_numbers(fs: &FaultFileSystem) -> Vec<u64> {
    wal_files(fs, &dir())
        .unwrap()
        .into_iter()
        .map(|(n, _)| n)
        .collect()
}

fn assert_all_there(db: &StorageEngine, context: &str) {
    for name in WRITTEN {
        let ks = db.keyspace(name).unwrap();
        for i in 0..20 {
            let value = ks.get(format!("{name}:{i}")).unwrap();
            assert_eq!(
                value.as_deref(),
                Some(format!("v{i}").as_bytes()),
                "{context}: {name}:{i}"
            );
        }
    }
    assert!(db.keyspaces().contains(&"idle".to_owned()), "{context}");
}

#[test]
fn flushing_three_keyspaces_starts_one_log_and_keeps_every_write() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    // Made before the writes, and never written: it must not pin its log.
    db.keyspace("idle").unwrap();
    for name in WRITTEN {
        let ks = db.keyspace(name).unwrap();
        for i in 0..20 {
            ks.put(format!("{name}:{i}"), format!("v{i}")).unwrap();
        }
    }
    let before = log_numbers(&fs);
    assert_eq!(before.len(), 1, "{before:?}");
    // Each keyspace's stats name the log its unflushed writes began in.
    for ks in db.stats().keyspaces {
        assert_eq!(ks.log_number, before[0], "{}", ks.name);
    }

    db.flush().unwrap();

    // One rotation: the only log is the one right after the old one (the
    // file number taken next), and the tables the flush wrote come after
    // it. One rotation per keyspace would have taken three log numbers.
    let after = log_numbers(&fs);
    assert_eq!(after, vec![before[0] + 1], "logs before: {before:?}");
    let mut tables = 0;
    for name in WRITTEN {
        for table in db.keyspace(name).unwrap().live_tables() {
            assert!(table.file_number > after[0], "{name}: {table:?}");
            tables += 1;
        }
    }
    assert_eq!(tables, 3);
    assert_eq!(db.stats().flushes, 3);
    // Every keyspace, `idle` too, needs only the new log.
    let stored = manifest::load(&fs, &dir()).unwrap().unwrap();
    assert_eq!(stored.log_number, after[0]);
    for ks in db.stats().keyspaces {
        assert_eq!(ks.log_number, after[0], "{}", ks.name);
    }

    // A power loss now, then a clean reopen of what it left.
    let crashed = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&crashed)).unwrap();
    assert_all_there(&db, "after a power loss");
    db.close().unwrap();
    let db = StorageEngine::open(config(&crashed)).unwrap();
    assert_all_there(&db, "after a clean reopen");
}

#[test]
fn a_flush_with_nothing_written_starts_no_log() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.keyspace("idle").unwrap();
    let before = log_numbers(&fs);
    db.flush().unwrap();
    assert_eq!(log_numbers(&fs), before);
    assert_eq!(db.stats().flushes, 0);
}
