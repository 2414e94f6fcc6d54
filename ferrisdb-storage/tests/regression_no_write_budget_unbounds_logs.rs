//! Regression (issue 19, review of the budgets): `db_write_buffer_size:
//! usize::MAX` is the documented way to turn the shared MemTable budget
//! off, and `max_total_wal_size`'s default (0) was "four times the
//! effective `db_write_buffer_size`": so turning the memory budget off
//! silently turned the log bound off too (4 x usize::MAX saturated to
//! u64::MAX, "off"), and a cold keyspace pinned every log again,
//! against issue 19's "a cold keyspace must not pin logs forever". (RocksDB
//! derives its default from the MemTables' own sizes, not from its
//! `db_write_buffer_size`.) With the budget off, the default is now four
//! times the budget's own default, twice `memtable_size`.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config};

const VALUE: [u8; 500] = [b'h'; 500];

#[test]
fn without_a_memtable_budget_a_cold_keyspace_still_pins_few_logs() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 32 << 10,
        db_write_buffer_size: usize::MAX,
        max_immutable_memtables: 4,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let hot = db.keyspace("hot").unwrap();
    let cold = db.keyspace("cold").unwrap();
    cold.put("c", "cold").unwrap();
    // About 1 MiB through 32 KiB MemTables: some 30 logs, one per freeze.
    for i in 0..2000 {
        hot.put(format!("h{i:04}"), VALUE).unwrap();
    }
    db.wait_for_compactions().unwrap();
    let logs = wal_files(&fs, &dir()).unwrap().len();
    let stats = db.stats();
    assert!(
        logs <= 10,
        "{logs} live logs ({} bytes): the cold keyspace pins them all",
        stats.live_wal_bytes
    );
}
