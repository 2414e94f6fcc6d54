//! Regression (issue 19, review of the budgets): a keyspace's own
//! `memtable_size` was accepted at any size, but the default
//! `db_write_buffer_size` is twice the *database's* `memtable_size`, so a
//! keyspace made with a larger one was frozen at the shared budget instead,
//! though it was the only keyspace written: an option one layer accepted,
//! another silently overruled. The default budget is now twice the largest
//! `memtable_size` of the keyspaces, so it always holds one MemTable of
//! each; a budget set by the user below a keyspace's `memtable_size` is
//! refused where the keyspace's options are checked, naming both settings.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Error, KeyspaceOptions, StorageConfig, StorageEngine};

mod common;

use common::fault_config;

const VALUE: [u8; 1024] = [b'v'; 1024];

fn big() -> KeyspaceOptions {
    KeyspaceOptions {
        memtable_size: 256 << 10,
        ..KeyspaceOptions::default()
    }
}

#[test]
fn a_keyspace_memtable_larger_than_the_default_budget_is_honoured() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 16 << 10,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let big = db.keyspace_with("big", big()).unwrap();
    // About 100 KiB: well within the keyspace's 256 KiB MemTable.
    for i in 0..100 {
        big.put(format!("k{i:04}"), VALUE).unwrap();
    }
    db.wait_for_compactions().unwrap();
    let stats = db.stats();
    let ks = stats.keyspaces.iter().find(|k| k.name == "big").unwrap();
    let freezes = ks.immutable_memtables + ks.levels.iter().map(|l| l.tables).sum::<usize>();
    assert_eq!(
        freezes, 0,
        "the keyspace's 256 KiB MemTable was frozen {freezes} times for 100 KiB of writes"
    );
}

#[test]
fn a_keyspace_memtable_above_a_set_budget_is_refused() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 16 << 10,
        db_write_buffer_size: 128 << 10,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let err = db.keyspace_with("big", big()).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let message = err.to_string();
    assert!(message.contains("memtable_size 262144"), "{err}");
    assert!(message.contains("db_write_buffer_size"), "{err}");
    assert_eq!(db.keyspaces(), ["default"], "nothing was made");
}
