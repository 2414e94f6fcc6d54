//! Regression (issue 19, review of the budgets): one write that passed
//! `db_write_buffer_size` by more than one keyspace's MemTable froze them
//! one `freeze_many` at a time (`keep_budgets`), each starting its own log:
//! a single write left a run of logs holding no record, each synced, sealed
//! and kept live. A log without records now takes the next MemTables too,
//! so the write starts one log, as "a log switch is for all keyspaces"
//! says.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};

mod common;

use common::{dir, fault_config};

const VALUE: [u8; 1024] = [b'v'; 1024];

#[test]
fn one_write_past_the_budget_switches_the_log_once() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 100 << 10,
        db_write_buffer_size: 100 << 10,
        max_immutable_memtables: 8,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let keyspaces = ["a", "b", "c", "d"].map(|name| db.keyspace(name).unwrap());
    // 20 KiB in each: 80 KiB of the 100 KiB budget, all in the first log.
    for ks in &keyspaces {
        for i in 0..20 {
            ks.put(format!("k{i:04}"), VALUE).unwrap();
        }
    }
    // No flush finishes, so no log is retired while we count.
    let held = fs.hold_syncs(".sst");
    let before = wal_files(&fs, &dir()).unwrap().len();
    // One batch of 100 KiB for a: the four MemTables must all go.
    let mut batch = WriteBatch::new();
    for i in 0..100 {
        batch.put_in(&keyspaces[0], format!("big{i:04}"), VALUE);
    }
    db.write(&batch).unwrap();
    let after = wal_files(&fs, &dir()).unwrap().len();
    held.release();
    db.wait_for_compactions().unwrap();
    assert_eq!(
        after - before,
        1,
        "one write started {} logs ({before} -> {after})",
        after - before
    );
}
