//! Bug: a crash in the middle of `checkpoint` left a target directory with
//! hard-linked tables and copied logs but no `MANIFEST` (it is written last),
//! and `open` took that directory for a new database: it opened empty and
//! deleted the tables as orphans.
//!
//! Now, for a crash after every operation of a checkpoint, both as a killed
//! process leaves the files (`fork`) and as a power loss does (`crash`), the
//! target either fails to open with a corruption error naming the missing
//! `MANIFEST` (and the failed open deletes nothing), or opens with exactly the
//! source's data at the checkpoint, or held no table or log to begin with.

mod reliability;

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use reliability::{config, fresh_fs, read_all, State};

fn target() -> PathBuf {
    PathBuf::from("/backups/monday")
}

fn db_config(fs: &FaultFileSystem, dir: &Path) -> StorageConfig {
    StorageConfig {
        data_dir: dir.to_path_buf(),
        disable_auto_compactions: true,
        ..config(fs)
    }
}

/// A source database with two tables and writes still in its log, and what
/// it holds.
fn source(fs: &FaultFileSystem) -> (StorageEngine, State) {
    let db = StorageEngine::open(db_config(fs, &reliability::db_dir())).unwrap();
    for round in 0..2 {
        for i in 0..5 {
            db.put(format!("key{round}{i}"), format!("table {round}"))
                .unwrap();
        }
        db.flush().unwrap();
    }
    db.put("key00", "overwritten in the log").unwrap();
    db.delete("key11").unwrap();
    db.put("only in the log", "yes").unwrap();
    let state = read_all(&db).unwrap();
    (db, state)
}

fn is_table_or_log(name: &str) -> bool {
    name.ends_with(".sst") || name.ends_with(".wal")
}

/// What opening a crashed checkpoint's target gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// It held no table or log, and opened as a new database.
    Empty,
    /// It opened with the source's data.
    Copy,
    /// It failed with the corruption error, deleting nothing.
    NoManifest,
}

/// Opens the target on `fs`, checks it is one of the allowed outcomes and
/// returns which.
fn check_target(fs: &FaultFileSystem, expected: &State, context: &str) -> Outcome {
    let before = if fs.exists(&target()).unwrap() {
        fs.list(&target()).unwrap()
    } else {
        Vec::new()
    };
    match StorageEngine::open(db_config(fs, &target())) {
        Ok(db) => {
            let recovered = read_all(&db).unwrap_or_else(|e| panic!("{context}: read: {e}"));
            drop(db);
            if before.iter().any(|name| is_table_or_log(name)) {
                assert!(
                    recovered == *expected,
                    "{context}: the target held {before:?} and opened with {} keys instead of \
                     the source's {}; it now holds {:?}",
                    recovered.len(),
                    expected.len(),
                    fs.list(&target()).unwrap()
                );
                Outcome::Copy
            } else {
                assert!(recovered.is_empty(), "{context}: data from nowhere");
                Outcome::Empty
            }
        }
        Err(err) => {
            assert!(
                err.is_corruption() && err.to_string().contains("MANIFEST"),
                "{context}: unexpected error {err}"
            );
            assert_eq!(
                fs.list(&target()).unwrap(),
                before,
                "{context}: the failed open changed the target"
            );
            Outcome::NoManifest
        }
    }
}

#[test]
fn regression_checkpoint_crash_opens_empty() {
    // Count the checkpoint's operations once.
    let fs = fresh_fs();
    let (db, expected) = source(&fs);
    let start = fs.total_operations();
    db.checkpoint(target()).unwrap();
    let operations = fs.total_operations() - start;
    drop(db);
    assert_eq!(check_target(&fs, &expected, "no crash"), Outcome::Copy);

    let mut seen = std::collections::BTreeSet::new();
    for k in 1..=operations {
        let fs = fresh_fs();
        let (db, expected) = source(&fs);
        fs.crash_after(fs.total_operations() + k);
        let _ = db.checkpoint(target());
        let killed = fs.fork();
        let rebooted = fs.crash();
        drop(db);
        seen.insert(check_target(
            &killed,
            &expected,
            &format!("process killed after operation {k} of {operations} of the checkpoint"),
        ));
        seen.insert(check_target(
            &rebooted,
            &expected,
            &format!("power lost after operation {k} of {operations} of the checkpoint"),
        ));
    }
    // The crash points cover every kind of state a checkpoint can leave.
    assert_eq!(
        seen.into_iter().collect::<Vec<_>>(),
        [Outcome::Empty, Outcome::Copy, Outcome::NoManifest]
    );
}
