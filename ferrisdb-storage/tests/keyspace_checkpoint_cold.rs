//! A checkpoint of a database whose cold keyspace pins
//! an old log (its writes in no table, `default` flushed past that log)
//! copies every log from the oldest any keyspace needs, and opens with
//! every keyspace's writes: those of the cold keyspace in the old log and
//! in the live one, a batch across both keyspaces whole, and `default`'s
//! from its table and the live log. A keyspace made after the copy is not
//! in it.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{KeyspaceOptions, StorageConfig, StorageEngine, WriteBatch};

/// `default` freezes every 4 KiB; keyspaces made with `keyspace_with`
/// and the library's defaults, at 64 MiB, never do here.
fn open(fs: &FaultFileSystem, dir: &str) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4 << 10,
        ..StorageConfig::new(dir)
    })
    .unwrap()
}

fn logs(fs: &FaultFileSystem, dir: &str) -> usize {
    fs.list(Path::new(dir))
        .unwrap()
        .iter()
        .filter(|n| n.ends_with(".wal"))
        .count()
}

#[test]
fn a_checkpoint_copies_the_logs_a_cold_keyspace_pins() {
    let fs = FaultFileSystem::new();
    let db = open(&fs, "/db");
    let cold = db
        .keyspace_with("cold", KeyspaceOptions::default())
        .unwrap();
    cold.put("c:1", "in the old log").unwrap();
    db.put("d:1", "flushed").unwrap();
    let mut batch = WriteBatch::new();
    batch.put("d:2", "batch").put_in(&cold, "c:2", "batch");
    db.write(batch).unwrap();
    // `default` fills, freezes (a new log) and flushes; `cold` keeps its
    // MemTable and the old log.
    for i in 0..60 {
        db.put(format!("fill{i:02}"), [b'x'; 100]).unwrap();
    }
    db.wait_for_compactions().unwrap();
    assert!(db.stats().flushes >= 1);
    assert!(logs(&fs, "/db") >= 2, "`cold` pins the old log");
    cold.put("c:3", "in the new log").unwrap();
    db.put("d:3", "in the new log").unwrap();

    db.checkpoint(Path::new("/copy")).unwrap();
    db.keyspace("later").unwrap();
    db.close().unwrap();

    let copy = open(&fs, "/copy");
    assert_eq!(copy.keyspaces(), ["cold", "default"]);
    let cold = copy.keyspace("cold").unwrap();
    for (k, v) in [
        ("c:1", "in the old log"),
        ("c:2", "batch"),
        ("c:3", "in the new log"),
    ] {
        assert_eq!(cold.get(k).unwrap().as_deref(), Some(v.as_bytes()), "{k}");
    }
    for (k, v) in [
        ("d:1", "flushed"),
        ("d:2", "batch"),
        ("d:3", "in the new log"),
    ] {
        assert_eq!(copy.get(k).unwrap().as_deref(), Some(v.as_bytes()), "{k}");
    }
    assert_eq!(cold.iter().unwrap().count(), 3);
    assert_eq!(copy.iter().unwrap().count(), 63);
}
