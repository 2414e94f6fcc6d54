//! Keyspaces made in a running database hold their data apart: the same
//! keys in two keyspaces and `default` keep their own values through
//! flushes and compactions, each keyspace's tables are its own, a batch
//! across keyspaces is seen whole or not at all, and the options given with
//! `keyspace_with` (at create, or later) are what its MemTables and tables
//! are made with. The manifest records each keyspace and its options before
//! the handle is returned.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest::{self, StoredCompaction};
use ferrisdb_storage::{
    CompactionStyle, Error, KeyspaceOptions, StorageConfig, StorageEngine, WriteBatch,
};

mod common;

use common::string_pairs;

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 64 << 10,
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

#[test]
fn keyspaces_hold_the_same_keys_apart_through_flush_and_compaction() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let users = db.keyspace("users").unwrap();
    let orders = db.keyspace("orders").unwrap();
    for i in 0..50 {
        let key = format!("k{i:02}");
        db.put(&key, format!("default {i}")).unwrap();
        users.put(&key, format!("users {i}")).unwrap();
        if i % 2 == 0 {
            orders.put(&key, format!("orders {i}")).unwrap();
        }
    }
    users.delete("k07").unwrap();
    let check = |stage: &str| {
        assert_eq!(db.get("k07").unwrap().unwrap(), "default 7", "{stage}");
        assert_eq!(users.get("k07").unwrap(), None, "{stage}");
        assert_eq!(users.get("k08").unwrap().unwrap(), "users 8", "{stage}");
        assert_eq!(orders.get("k08").unwrap().unwrap(), "orders 8", "{stage}");
        assert_eq!(orders.get("k09").unwrap(), None, "{stage}");
        assert_eq!(db.iter().unwrap().count(), 50, "{stage}");
        assert_eq!(users.iter().unwrap().count(), 49, "{stage}");
        assert_eq!(
            string_pairs::<Vec<_>>(orders.scan_prefix("k0").unwrap()).len(),
            5,
            "{stage}"
        );
        assert_eq!(
            string_pairs::<Vec<_>>(orders.scan("k10".."k14").unwrap()),
            [("k10", "orders 10"), ("k12", "orders 12")].map(|(k, v)| (k.to_owned(), v.to_owned()))
        );
    };
    check("in MemTables");

    db.flush().unwrap();
    assert_eq!(db.live_tables().len(), 1, "default's own table");
    assert_eq!(users.live_tables().len(), 1);
    assert_eq!(orders.live_tables().len(), 1);
    let numbers = |tables: Vec<manifest::TableRecord>| -> Vec<u64> {
        tables.iter().map(|t| t.file_number).collect()
    };
    assert_ne!(numbers(users.live_tables()), numbers(orders.live_tables()));
    check("flushed");

    // Stats per keyspace, by id, and their sums.
    users.put("k99", "in a MemTable").unwrap();
    let stats = db.stats();
    let names: Vec<_> = stats
        .keyspaces
        .iter()
        .map(|k| (k.name.as_str(), k.id))
        .collect();
    assert_eq!(names, [("default", 0), ("users", 1), ("orders", 2)]);
    for ks in &stats.keyspaces {
        assert_eq!(ks.levels[0].tables, 1, "{ks:?}");
        assert_eq!(ks.immutable_memtables, 0, "{ks:?}");
    }
    assert_eq!(stats.levels[0].tables, 3);
    assert_eq!(stats.table_count(), 3);
    assert!(stats.keyspaces[1].memtable_bytes > stats.keyspaces[2].memtable_bytes);
    let memtables: usize = stats.keyspaces.iter().map(|k| k.memtable_bytes).sum();
    assert_eq!(stats.memtable_bytes, memtables);
    users.delete("k99").unwrap();

    // More tables in `users`, then a compaction of every keyspace.
    users.put("k50", "users 50").unwrap();
    db.flush().unwrap();
    assert_eq!(users.live_tables().len(), 2);
    assert_eq!(orders.live_tables().len(), 1, "nothing new to flush");
    db.compact().unwrap();
    db.wait_for_compactions().unwrap();
    assert_eq!(users.live_tables().len(), 1);
    assert!(users.live_tables()[0].level > 0);
    assert_eq!(users.get("k50").unwrap().unwrap(), "users 50");
    users.delete("k50").unwrap();
    check("compacted");
    db.close().unwrap();
}

#[test]
fn a_batch_across_keyspaces_is_seen_whole() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let users = db.keyspace("users").unwrap();
    let log = db.keyspace("log").unwrap();
    log.put("e:9", "old").unwrap();
    let before = db.snapshot().unwrap();

    let mut batch = WriteBatch::new();
    batch
        .put_in(&users, "u:2", "bob")
        .delete_in(&log, "e:9")
        .put("d", "in default")
        .put_in(&log, "e:10", "bob joined");
    let written = db.write(batch).unwrap();
    let after = db.snapshot().unwrap();
    assert_eq!(after.timestamp(), written, "one timestamp for all of it");

    assert_eq!(before.get_in(&users, "u:2").unwrap(), None);
    assert_eq!(before.get_in(&log, "e:9").unwrap().unwrap(), "old");
    assert_eq!(before.get_in(&log, "e:10").unwrap(), None);
    assert_eq!(before.get("d").unwrap(), None);
    assert_eq!(after.get_in(&users, "u:2").unwrap().unwrap(), "bob");
    assert_eq!(after.get_in(&log, "e:9").unwrap(), None);
    assert_eq!(
        string_pairs::<Vec<_>>(after.iter_in(&log).unwrap()).len(),
        1
    );
    assert_eq!(after.get("d").unwrap().unwrap(), "in default");

    // Flushed, the same.
    db.flush().unwrap();
    assert_eq!(before.get_in(&log, "e:9").unwrap().unwrap(), "old");
    assert_eq!(after.get_in(&users, "u:2").unwrap().unwrap(), "bob");
    drop((before, after));
    db.close().unwrap();
}

#[test]
fn keyspace_options_are_stored_and_used() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let tiered = KeyspaceOptions {
        compaction_style: CompactionStyle::size_tiered(),
        memtable_size: 4 << 10,
        ..KeyspaceOptions::default()
    };
    let log = db.keyspace_with("log", tiered.clone()).unwrap();
    // Created before the handle exists: the manifest records it.
    let state = manifest::load(&fs, Path::new("/db")).unwrap().unwrap();
    let record = state.keyspaces.named("log").unwrap();
    assert_eq!(record.options.memtable_size, 4 << 10);
    assert!(matches!(
        record.options.compaction,
        StoredCompaction::SizeTiered { .. }
    ));
    assert!(state.keyspaces.is_declared());

    // The same writes to both: `log` freezes at 4 KiB and merges by size,
    // default (64 KiB, leveled) holds it all in one MemTable.
    for i in 0..300 {
        let key = format!("e:{i:04}");
        log.put(&key, [b'v'; 40]).unwrap();
        db.put(&key, [b'v'; 40]).unwrap();
    }
    db.wait_for_compactions().unwrap();
    let stats = db.stats();
    assert!(db.live_tables().is_empty(), "{stats:?}");
    let tables = log.live_tables();
    assert!(tables.len() >= 2, "{tables:?}");
    assert!(
        tables.iter().all(|t| t.level == 0),
        "size-tiered: {tables:?}"
    );
    assert_eq!(log.iter().unwrap().count(), 300);

    // New options for the existing keyspace: stored, then used.
    let bigger = KeyspaceOptions {
        memtable_size: 1 << 20,
        ..tiered
    };
    let again = db.keyspace_with("log", bigger).unwrap();
    let state = manifest::load(&fs, Path::new("/db")).unwrap().unwrap();
    assert_eq!(
        state.keyspaces.named("log").unwrap().options.memtable_size,
        1 << 20
    );
    db.flush().unwrap();
    let flushed = log.live_tables().len();
    for i in 0..300 {
        again.put(format!("f:{i:04}"), [b'v'; 40]).unwrap();
    }
    assert_eq!(
        log.live_tables().len(),
        flushed,
        "one MemTable takes it all"
    );
    assert_eq!(db.keyspaces(), ["default", "log"]);

    // Options the database does not accept create nothing.
    let err = db
        .keyspace_with(
            "bad",
            KeyspaceOptions {
                block_size: 1,
                ..KeyspaceOptions::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert_eq!(db.keyspaces(), ["default", "log"]);
    db.close().unwrap();
}
