//! Repair of a table or log cut at many lengths, or with a byte flipped:
//! never a panic, and the repaired database opens, passes verify, holds
//! every key outside the affected ranges as it was, and invents nothing.

mod repair_common;

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

fn files(fs: &FaultFileSystem, ext: &str) -> Vec<PathBuf> {
    fs.list(&dir())
        .unwrap()
        .into_iter()
        .filter(|n| n.ends_with(ext))
        .map(|n| dir().join(n))
        .collect()
}

fn check(
    base: &FaultFileSystem,
    model: &Model,
    path: &Path,
    bytes: Vec<u8>,
    manifest: bool,
    what: &str,
) {
    let fs = base.fork();
    rewrite(&fs, path, &bytes);
    if !manifest {
        fs.remove(&dir().join("MANIFEST")).unwrap();
    }
    let report = StorageEngine::repair(config(&fs, &dir()))
        .unwrap_or_else(|e| panic!("{what}: repair failed: {e}"));
    let db = StorageEngine::open(config(&fs, &dir()))
        .unwrap_or_else(|e| panic!("{what}: open failed: {e}\n{report}"));
    println!("{what}");
    let logs = if manifest { "logs" } else { "recovered-1" };
    // The newest log damaged in its last record reads as a torn tail (no
    // later record shows it synced): its write may go, as at open.
    let mut model = model.clone();
    if what.contains(".wal ") && db.get("zz-log").unwrap().is_none() {
        model
            .contents
            .get_mut("default")
            .unwrap()
            .remove(&b"zz-log"[..]);
    }
    let model = &model;
    check_keyspace(&db, model, &report, "default", "default");
    if db.keyspaces().iter().any(|k| k == logs) {
        check_keyspace(&db, model, &report, "logs", logs);
    }
    let verified = db.verify().unwrap();
    assert!(verified.is_intact(), "{what}: {verified}");
}

#[test]
fn every_cut_and_flip_of_a_table_or_log_repairs() {
    let built = FaultFileSystem::new();
    let model = build(&built, &dir());
    // Some writes left in the log: the files as the running process has
    // them.
    let db = StorageEngine::open(config(&built, &dir())).unwrap();
    db.put("zz-log", "x").unwrap();
    db.sync_wal().unwrap();
    let base = built.fork();
    drop(db);
    let mut model = model;
    model
        .contents
        .get_mut("default")
        .unwrap()
        .insert(b"zz-log".to_vec(), b"x".to_vec());
    model
        .history
        .entry(("default".into(), b"zz-log".to_vec()))
        .or_default()
        .insert(b"x".to_vec());
    let mut targets = files(&base, ".sst");
    targets.truncate(2);
    targets.extend(files(&base, ".wal"));
    for path in &targets {
        let bytes = base.read_all(path).unwrap();
        // A log is preallocated: its records are in its first bytes.
        let span = bytes.len().min(4096);
        for manifest in [true, false] {
            for len in (0..span).step_by(53) {
                let what = format!("{} cut to {len} (manifest {manifest})", path.display());
                check(&base, &model, path, bytes[..len].to_vec(), manifest, &what);
            }
            for at in (0..span).step_by(59) {
                let mut flipped = bytes.clone();
                flipped[at] ^= 0x5a;
                let what = format!("{} byte {at} flipped (manifest {manifest})", path.display());
                check(&base, &model, path, flipped, manifest, &what);
            }
        }
    }
}
