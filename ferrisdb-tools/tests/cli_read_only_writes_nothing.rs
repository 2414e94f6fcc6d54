//! The read commands open the database read-only and write nothing: every
//! file of the directory, its name, bytes and modification time, is the
//! same after each of them (`dump` writes only its `--out`), including
//! after one that fails, and with leftovers a crash would leave that a
//! writable open deletes.

mod cli_common;

use std::collections::BTreeMap;
use std::path::Path;
use std::time::SystemTime;

use cli_common::{fails, ok};
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// Each file of `dir`: its bytes and modification time.
fn state(dir: &Path) -> BTreeMap<String, (Vec<u8>, SystemTime)> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .map(|e| {
            let name = e.file_name().into_string().unwrap();
            let modified = e.metadata().unwrap().modified().unwrap();
            (name, (std::fs::read(e.path()).unwrap(), modified))
        })
        .collect()
}

#[test]
fn read_commands_leave_every_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let engine = StorageEngine::open(StorageConfig::new(&db)).unwrap();
    let logs = engine.keyspace("logs").unwrap();
    for i in 0..200 {
        engine.put(format!("k{i:03}"), "v").unwrap();
        logs.put(format!("{i}"), [0, 0xff]).unwrap();
    }
    engine.flush().unwrap();
    engine.put("in the log", "only").unwrap();
    engine.close().unwrap();
    // What a crash leaves: a temporary file and a table no manifest lists.
    std::fs::write(db.join("000999.sst.tmp"), b"half a table").unwrap();
    let before = state(&db);

    let out = dir.path().join("dump.jsonl");
    for args in [
        &["get", "k001"][..],
        &["--json", "get", "in the log"],
        &["scan", "--reverse", "--limit", "5"],
        &["--keyspace", "logs", "--hex", "scan", "--prefix", "33"],
        &["keyspaces"],
        &["dump"],
        &["--hex", "dump", "--out", out.to_str().unwrap()],
        &["manifest"],
        &["--json", "manifest"],
        &["verify"],
        &["--json", "stats"],
        &["stats"],
    ] {
        ok(&db, args);
        assert!(state(&db) == before, "{args:?} changed the database");
    }
    for args in [
        &["get", "missing"][..],
        &["--keyspace", "nope", "scan"],
        &["--hex", "get", "x"],
    ] {
        fails(&db, args);
        assert!(state(&db) == before, "{args:?} changed the database");
    }
}
