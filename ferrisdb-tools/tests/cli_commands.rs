//! The `ferrisdb` binary against real databases: every subcommand, the
//! read-only default of the read commands beside a process that writes,
//! a dump loaded into a new database giving identical contents, and a
//! failure printed as one line with a non-zero exit code.

mod cli_common;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use cli_common::{dump_and_load, fails, ferrisdb, ok};
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// The tests run one at a time: a `ferrisdb` process one test starts holds,
/// between its fork and its exec, a copy of every descriptor this process
/// has open, another test's LOCK included, and with it the lock. That
/// test's reopen right after its `close` could then find its directory
/// still locked for that instant.
fn one_at_a_time() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock().unwrap_or_else(|p| p.into_inner())
}

/// A database of 300 keys in `default` and 50 in `logs`, flushed.
fn made(dir: &Path) {
    let db = StorageEngine::open(StorageConfig::new(dir)).unwrap();
    for i in 0..300 {
        db.put(format!("user:{i:03}"), format!("name {i}")).unwrap();
    }
    let logs = db.keyspace("logs").unwrap();
    for i in 0..50 {
        logs.put(format!("{i:02}"), [0u8, 1, 0xff, b'\\']).unwrap();
    }
    db.flush().unwrap();
    db.close().unwrap();
}

/// Flips byte 10 (in the first data block) of a table of `db`; returns the
/// table's path and its bytes as they now are.
fn damage_a_table(db: &Path) -> (PathBuf, Vec<u8>) {
    let table = std::fs::read_dir(db)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sst"))
        .unwrap();
    let mut bytes = std::fs::read(&table).unwrap();
    bytes[10] ^= 0xff;
    std::fs::write(&table, &bytes).unwrap();
    (table, bytes)
}

#[test]
fn get_put_delete_and_scan() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    made(db);
    assert_eq!(ok(db, &["get", "user:007"]), "name 7\n");
    ok(db, &["put", "user:007", r"new\x00"]);
    assert_eq!(ok(db, &["get", "user:007"]), "new\\x00\n");
    assert_eq!(ok(db, &["--hex", "get", "757365723a303037"]), "6e657700\n");
    ok(db, &["delete", "user:007"]);
    assert!(fails(db, &["get", "user:007"]).contains("not found"));

    let scanned = ok(db, &["scan", "--start", "user:005", "--end", "user:010"]);
    let keys: Vec<&str> = scanned
        .lines()
        .map(|l| l.split(" => ").next().unwrap())
        .collect();
    assert_eq!(keys, ["user:005", "user:006", "user:008", "user:009"]);
    let reversed = ok(
        db,
        &["scan", "--prefix", "user:2", "--reverse", "--limit", "3"],
    );
    assert_eq!(reversed.lines().count(), 3);
    assert!(reversed.starts_with("user:299 => name 299\n"), "{reversed}");
    let json = ok(
        db,
        &["--json", "--keyspace", "logs", "scan", "--limit", "1"],
    );
    let pair: serde_json::Value = serde_json::from_str(json.trim()).unwrap();
    assert_eq!(pair["key"], "00");
    assert_eq!(pair["value"], r"\x00\x01\xff\\");
    assert_eq!(ok(db, &["keyspaces"]), "default\nlogs\n");
}

#[test]
fn dump_and_load_copy_every_keyspace() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let (from, to) = (dir.path().join("from"), dir.path().join("to"));
    made(&from);
    for hex in [false, true] {
        let dump = dir.path().join(format!("dump-{hex}.jsonl"));
        let target = to.join(format!("{hex}"));
        dump_and_load(&from, &dump, &target, hex);
        // Dumped again from the copy, in the same encoding: the same lines.
        let again: &[&str] = if hex { &["--hex", "dump"] } else { &["dump"] };
        assert_eq!(ok(&target, again), std::fs::read_to_string(&dump).unwrap());
        assert_eq!(ok(&target, &["keyspaces"]), "default\nlogs\n");
    }
}

#[test]
fn manifest_verify_compact_checkpoint_and_stats() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    made(&db);
    ok(&db, &["compact"]);
    let manifest = ok(&db, &["manifest"]);
    assert!(manifest.starts_with("keyspace default: "), "{manifest}");
    assert!(manifest.contains("keyspace logs: "), "{manifest}");
    let json: serde_json::Value = serde_json::from_str(&ok(&db, &["--json", "manifest"])).unwrap();
    assert_eq!(json["keyspaces"][0]["name"], "default");
    assert!(ok(&db, &["verify"]).contains("no damage found"));
    let stats: serde_json::Value = serde_json::from_str(&ok(&db, &["--json", "stats"])).unwrap();
    assert!(stats["levels"].is_array(), "{stats}");

    let copy = dir.path().join("copy");
    ok(&db, &["checkpoint", copy.to_str().unwrap()]);
    assert_eq!(ok(&copy, &["get", "user:100"]), "name 100\n");

    // A damaged table: verify names it and exits with 2.
    let (table, _) = damage_a_table(&db);
    let output = ferrisdb(&db, &["verify"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains(table.to_str().unwrap()), "{report}");
}

#[test]
fn read_commands_work_beside_a_writer_and_errors_are_one_line() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    made(db);
    let writer = StorageEngine::open(StorageConfig::new(db)).unwrap();
    writer.put("live", "from the writer").unwrap();
    assert_eq!(ok(db, &["get", "live"]), "from the writer\n");
    assert_eq!(ok(db, &["scan", "--prefix", "user:"]).lines().count(), 300);
    assert!(fails(db, &["put", "k", "v"]).contains("locked"));
    writer.close().unwrap();

    let missing = dir.path().join("missing");
    fails(&missing, &["get", "k"]);
    assert!(!missing.exists());
    fails(db, &["--hex", "get", "zz"]);
    fails(db, &["get", r"bad\q"]);
}

#[test]
fn repair_rebuilds_a_lost_manifest_and_salvages_a_damaged_table() {
    let _serial = one_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    made(&db);
    std::fs::remove_file(db.join("MANIFEST")).unwrap();
    fails(&db, &["get", "user:100"]);
    let report = ok(&db, &["repair"]);
    assert!(report.starts_with("manifest rebuilt"), "{report}");
    assert_eq!(ok(&db, &["get", "user:100"]), "name 100\n");
    assert_eq!(ok(&db, &["keyspaces"]), "default\nrecovered-1\n");
    assert!(db.join("lost").is_dir());

    // A damaged table: a strict repair refuses in one line and changes
    // nothing; a repair keeps the rest, names the range, and exits with 2.
    let (table, bytes) = damage_a_table(&db);
    assert!(fails(&db, &["repair", "--strict"]).contains("strict"));
    assert_eq!(std::fs::read(&table).unwrap(), bytes);
    let output = ferrisdb(&db, &["--json", "repair"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["complete"], false);
    assert_eq!(json["affected"][0]["file"], table.to_str().unwrap());
    assert!(ok(&db, &["verify"]).contains("no damage found"));
}
