//! Repair of a table or log cut at many lengths, or with a byte flipped:
//! never a panic, and the repaired database opens, passes verify, holds
//! every key outside the affected ranges as it was, and invents nothing.

mod repair_common;

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

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

/// What a case does to a file.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Cuts it to this length.
    Cut(usize),
    /// Flips the byte at this offset.
    Flip(usize),
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
    // Every case: a file, with or without the manifest, cut or flipped.
    let mut cases = Vec::new();
    for path in &targets {
        let bytes = base.read_all(path).unwrap();
        // A log is preallocated: its records are in its first bytes.
        let span = bytes.len().min(4096);
        for manifest in [true, false] {
            cases.extend(
                (0..span)
                    .step_by(53)
                    .map(|len| (path, manifest, Damage::Cut(len))),
            );
            cases.extend(
                (0..span)
                    .step_by(59)
                    .map(|at| (path, manifest, Damage::Flip(at))),
            );
        }
    }
    // The cases are independent: two threads take them in turn, so the
    // run uses both of CI's cores.
    let next = AtomicUsize::new(0);
    std::thread::scope(|s| {
        for _ in 0..2 {
            s.spawn(|| {
                while let Some(&(path, manifest, case)) =
                    cases.get(next.fetch_add(1, Ordering::Relaxed))
                {
                    let mut bytes = base.read_all(path).unwrap();
                    let what = match case {
                        Damage::Cut(len) => {
                            bytes.truncate(len);
                            format!("{} cut to {len} (manifest {manifest})", path.display())
                        }
                        Damage::Flip(at) => {
                            bytes[at] ^= 0x5a;
                            format!("{} byte {at} flipped (manifest {manifest})", path.display())
                        }
                    };
                    check(&base, &model, path, bytes, manifest, &what);
                }
            });
        }
    });
}
