//! The database the `verify_*` scenarios check: two keyspaces besides
//! `default`, range tombstones, tables at several levels, sealed logs a
//! cold keyspace still needs, and writes in the log being written.

#![allow(dead_code)]

use std::path::PathBuf;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::sstable::table_file_name;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine};

use super::common::{dir, fault_config};

/// Small logs, so the hot keyspace's writes fill several while the cold
/// keyspace's one write keeps them all live (its MemTable is never frozen:
/// the total log size is unbounded).
pub fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_max_file_size: 16 << 10,
        max_total_wal_size: u64::MAX,
        ..fault_config(fs, RecoveryMode::default())
    }
}

/// Writes the scenario's database on `fs` and returns it open.
pub fn populated(fs: &FaultFileSystem) -> StorageEngine {
    let db = StorageEngine::open(config(fs)).unwrap();
    for round in 0..3 {
        for i in 0..300 {
            db.put(format!("d{i:04}"), format!("round {round}"))
                .unwrap();
        }
        db.delete_range(format!("d{:04}", 50 * round)..format!("d{:04}", 50 * round + 20))
            .unwrap();
        db.flush().unwrap();
    }
    db.compact().unwrap();
    db.put("d9999", "after the compaction").unwrap();
    db.flush().unwrap();
    let cold = db.keyspace("cold").unwrap();
    cold.put("c0", "pins every log from here on").unwrap();
    let hot = db
        .keyspace_with(
            "hot",
            KeyspaceOptions {
                memtable_size: 16 << 10,
                ..KeyspaceOptions::default()
            },
        )
        .unwrap();
    for i in 0..400u32 {
        hot.put(format!("h{i:04}"), [b'h'; 200]).unwrap();
        if i.is_multiple_of(100) {
            hot.delete_prefix(format!("h{:03}", i / 10)).unwrap();
        }
    }
    db.wait_for_compactions().unwrap();
    db
}

/// The path of every live table of every keyspace of `db`.
pub fn table_paths(db: &StorageEngine) -> Vec<PathBuf> {
    let mut records = db.live_tables();
    for name in db.keyspaces() {
        if name != "default" {
            records.extend(db.keyspace(&name).unwrap().live_tables());
        }
    }
    records
        .iter()
        .map(|r| dir().join(table_file_name(r.file_number)))
        .collect()
}
