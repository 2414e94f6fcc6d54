//! Recovery records every keyspace's replayed tables in one manifest write
//! (risk R7 of issue 19, RocksDB #5856): a power loss at any operation of
//! an `open` replaying three keyspaces' unflushed batches leaves a database
//! that opens with every batch whole, in every keyspace, and no write
//! applied twice.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, StorageEngine};

mod common;

use common::fault_config;
use common::keyspaces::{batch, new_database, store, stored_options, write_log};

const BATCHES: usize = 40;

/// A database of `default`, `users` and `log` whose one log, left by a
/// crash, holds `BATCHES` batches, each writing a key of every keyspace.
fn crashed() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let (mut state, log) = new_database(&fs);
    state.log_number = log;
    for name in ["users", "log"] {
        let options = stored_options(CompressionType::None, name == "log");
        state.keyspaces.create(name, options, log).unwrap();
    }
    store(&fs, &state);
    let value = "v".repeat(300);
    let keys: Vec<String> = (0..BATCHES).map(|i| format!("k{i:02}")).collect();
    let batches: Vec<_> = keys
        .iter()
        .map(|k| batch(&[(0, k, Some("d")), (1, k, Some(&value)), (2, k, Some("l"))]))
        .collect();
    write_log(&fs, log, 1, &batches, false);
    fs
}

/// Checks `fs` opens with every batch in every keyspace, once.
fn assert_whole(fs: &FaultFileSystem, context: &str) {
    let db = StorageEngine::open(fault_config(fs, RecoveryMode::default()))
        .unwrap_or_else(|e| panic!("{context}: open failed: {e}"));
    assert_eq!(db.keyspaces(), ["default", "log", "users"], "{context}");
    for name in ["default", "users", "log"] {
        let ks = db.keyspace(name).unwrap();
        assert_eq!(ks.iter().unwrap().count(), BATCHES, "{context}: {name}");
    }
    let entries: u64 = db.live_tables().iter().map(|t| t.entry_count).sum();
    assert_eq!(
        entries, BATCHES as u64,
        "{context}: default's writes, once each"
    );
}

#[test]
fn a_crash_anywhere_in_a_recovering_open_keeps_every_batch_whole() {
    let base = crashed();
    let whole = base.fork();
    let start = whole.total_operations();
    assert_whole(&whole, "no crash");
    let ops = whole.total_operations() - start;
    assert!(ops > 20, "{ops} operations");
    for k in 1..=ops {
        let fs = base.fork();
        fs.crash_after(fs.total_operations() + k);
        if let Ok(db) = StorageEngine::open(fault_config(&fs, RecoveryMode::default())) {
            drop(db);
        }
        assert_whole(&fs.crash(), &format!("crash after operation {k} of {ops}"));
    }
}
