//! Regression (found by the review of issue 19's groundwork): a manifest
//! whose keyspaces need older logs than `default` does.
//!
//! The keyspaces record keeps each keyspace's oldest needed log; the body's
//! `log_number` is the smallest of them. A cold keyspace keeps that number
//! low while `default` flushes past it (`default_log_number`). `open`
//! replayed `default` from the body's `log_number`, not from its own
//! `default_log_number`: writes of `default` already in its tables went
//! into new level-0 tables again, at every open, for as long as the cold
//! keyspace held the old log. Now each keyspace replays from its own.

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest::{self};
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, StorageEngine};

mod common;

use common::keyspaces::stored_options;
use common::{dir, fault_config, newest_log};

#[test]
fn default_s_flushed_writes_are_not_replayed_again_at_every_open() {
    let fs = FaultFileSystem::new();
    let open = || StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();

    // Writes of `default` in its first log, which a cold keyspace will need.
    let db = open();
    for i in 0..20 {
        db.put(format!("k{i:02}"), "v").unwrap();
    }
    db.close().unwrap();
    let (old_number, old_log) = newest_log(&fs);
    let old_bytes = fs.read_all(&old_log).unwrap();

    // The next open puts them into a table and retires the log.
    let db = open();
    assert_eq!(db.live_tables().len(), 1);
    db.close().unwrap();

    // A keyspace `cold` made while the old log was current, never written
    // since: it still needs that log, `default` does not.
    let mut writer = fs.create(&old_log).unwrap();
    writer.append(&old_bytes).unwrap();
    writer.sync().unwrap();
    drop(writer);
    let mut state = manifest::load(&fs, &dir()).unwrap().unwrap();
    let default_log = state.log_number;
    assert!(default_log > old_number);
    state
        .keyspaces
        .create(
            "cold",
            stored_options(CompressionType::None, true),
            old_number,
        )
        .unwrap();
    state.keyspaces.default_log_number = default_log;
    state.log_number = old_number;
    manifest::store(&fs, &dir(), &state).unwrap();

    for round in 0..3 {
        let db = open();
        let tables = db.live_tables();
        let entries: u64 = tables.iter().map(|t| t.entry_count).sum();
        assert_eq!(
            entries,
            20,
            "open {round}: default holds {entries} entries in {} tables for its 20 writes: its \
             flushed log was replayed again",
            tables.len()
        );
        assert_eq!(db.iter().unwrap().count(), 20);
        db.close().unwrap();
    }
}
