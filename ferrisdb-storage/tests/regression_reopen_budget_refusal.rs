//! Regression (issue 19, third review of the budgets): a keyspace stored
//! with a `memtable_size` above a `db_write_buffer_size` the database is
//! later opened with (a config valid on its own) made the whole open fail,
//! with advice about the level-0 triggers, which have nothing to do with
//! it, and to lower a `memtable_size` that only an open database can
//! change. A soft memory setting never keeps a database closed: the open
//! succeeds, and the budget counts as the keyspace's MemTable, which is
//! honoured. Making a keyspace above a set budget is still refused, at the
//! create (`regression_keyspace_memtable_size_capped`).

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine};

mod common;

use common::fault_config;

const VALUE: [u8; 1024] = [b'v'; 1024];

#[test]
fn reopening_with_a_budget_below_a_stored_memtable_opens_and_honours_it() {
    let fs = FaultFileSystem::new();
    let config = StorageConfig {
        memtable_size: 16 << 10,
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    let big = KeyspaceOptions {
        memtable_size: 256 << 10,
        ..KeyspaceOptions::default()
    };
    let ks = db.keyspace_with("big", big).unwrap();
    ks.put("k", "v").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(StorageConfig {
        db_write_buffer_size: 128 << 10,
        ..config
    })
    .expect("a budget below a stored keyspace's MemTable keeps no database closed");
    let ks = db.keyspace("big").unwrap();
    assert_eq!(ks.get("k").unwrap().unwrap(), "v");
    let freezes = |db: &StorageEngine| {
        let stats = db.stats();
        let big = stats.keyspaces.iter().find(|k| k.name == "big").unwrap();
        big.immutable_memtables + big.levels.iter().map(|l| l.tables).sum::<usize>()
    };
    // The open's replay put the logged write in a table.
    let before = freezes(&db);
    // About 150 KiB into the 256 KiB MemTable, past the 128 KiB budget: the
    // budget counts as that MemTable, so nothing is frozen before it fills.
    for i in 0..150 {
        ks.put(format!("k{i:04}"), VALUE).unwrap();
    }
    let frozen = freezes(&db) - before;
    assert_eq!(
        frozen, 0,
        "frozen {frozen} times before its MemTable filled"
    );
}
