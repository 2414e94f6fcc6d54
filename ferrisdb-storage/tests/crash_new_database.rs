//! A crash after every operation of making a new database and writing to
//! it: creating the directory, taking the lock, writing the first manifest,
//! starting the first log, the first writes.
//!
//! A directory with tables or logs but no manifest is a corruption error, so
//! a new database must never hold a log before its first manifest is durable.
//! For each crash point, both as a killed process leaves the files (`fork`)
//! and as a power loss does (`crash`), the directory either holds a database
//! with every acknowledged write (a prefix of the history), or is genuinely
//! empty: `create_if_missing = false` finds no database in it, and no write
//! was acknowledged. Opening it with the defaults always works.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
use reliability::*;

const WRITES: usize = 8;

fn run_until_dead(fs: &FaultFileSystem) -> History {
    let mut history = History::default();
    match open(fs) {
        Ok(db) => {
            run(&db, &workload(1, WRITES, 10), &mut history, true);
            drop(db);
        }
        Err(e) => assert_engine_error(&e),
    }
    history
}

/// Checks the directory `fs` holds after a crash; returns whether it held a
/// database.
fn check(fs: &FaultFileSystem, history: &History, context: &str) -> bool {
    let existing = StorageEngine::open(StorageConfig {
        create_if_missing: false,
        ..config(fs)
    });
    let was_database = match existing {
        Ok(db) => {
            drop(db);
            true
        }
        Err(Error::InvalidArgument(message)) => {
            assert!(
                message.contains("create_if_missing"),
                "{context}: {message}"
            );
            assert_eq!(
                history.acknowledged(),
                0,
                "{context}: no database, yet writes were acknowledged"
            );
            if fs.exists(&db_dir()).unwrap() {
                let names = fs.list(&db_dir()).unwrap();
                assert!(
                    names
                        .iter()
                        .all(|n| n == "LOCK" || n == "MANIFEST.tmp" || n == "MANIFEST"),
                    "{context}: not a database, yet it holds {names:?}"
                );
            }
            false
        }
        Err(e) => panic!("{context}: open with create_if_missing = false: {e}"),
    };
    reopen_and_verify(fs, context, |recovered| history.check(recovered).map(drop));
    was_database
}

#[test]
fn a_crash_while_making_a_new_database_leaves_a_database_or_nothing() {
    watch_panics();
    let total = {
        let fs = fresh_fs();
        let history = run_until_dead(&fs);
        assert_eq!(history.acknowledged(), WRITES, "crash-free run");
        fs.total_operations()
    };
    eprintln!("operations of making a database and writing to it: {total}");
    let (mut empty, mut databases) = (0, 0);
    for k in 1..=total {
        let fs = fresh_fs();
        fs.crash_after(k);
        let history = run_until_dead(&fs);
        let killed = fs.fork();
        let rebooted = fs.crash();
        for (state, how) in [(killed, "process killed"), (rebooted, "power lost")] {
            let context = format!("{how} after operation {k} of {total}");
            if check(&state, &history, &context) {
                databases += 1;
            } else {
                empty += 1;
            }
        }
    }
    assert!(
        empty > 0 && databases > 0,
        "{empty} empty, {databases} databases"
    );
    assert_eq!(panics(), 0, "a thread panicked (see above)");
}
