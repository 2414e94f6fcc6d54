//! I/O errors during recovery itself: a database with tables, a manifest and
//! unflushed logs, whose last writes go to three keyspaces (two created
//! after the tables, with batches across them, some left only in the
//! logs), is opened while its Nth file operation fails (once, then
//! persistently), for every N until an open passes without reaching it.
//!
//! Each open either succeeds with every write, or returns an I/O error;
//! never a panic, never a partial database. After the file system heals, the
//! database opens with every write, in place and after a power loss. The
//! same runs on a database whose writes delete ranges and prefixes too, so
//! its tables hold range tombstones and its logs range deletes to replay.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use reliability::*;

fn assert_complete(fs: &FaultFileSystem, expected: &State, keyspaces: &[String], context: &str) {
    let db = reopen_and_verify(fs, context, |recovered| {
        (recovered == expected)
            .then_some(())
            .ok_or_else(|| "recovered state differs".to_string())
    });
    assert_eq!(db.keyspaces(), keyspaces, "{context}: keyspaces differ");
}

/// A database on a fresh file system: several tables (small MemTables) of
/// `tables`, flushed, then `logged`'s writes to three keyspaces (two
/// created by it), with writes of every keyspace left only in the logs.
/// Returns it and its history.
fn database(tables: &[Op], logged: &[Op]) -> (FaultFileSystem, History) {
    let base = fresh_fs();
    let mut history = History::default();
    {
        let db = open(&base).unwrap();
        run(&db, tables, &mut history, false);
        db.flush().unwrap();
        run(&db, logged, &mut history, false);
        // Every keyspace has writes in its MemTable: only the logs hold them.
        for ks in db.stats().keyspaces {
            assert!(ks.memtable_bytes > 0, "{} has no unflushed writes", ks.name);
        }
    }
    assert!(!history.any_failed());
    (base, history)
}

#[test]
fn an_open_that_fails_midway_loses_nothing() {
    let (base, history) = database(&workload(5, 120, 30), &workload_in_keyspaces(6, 25, 30, 3));
    open_failing_midway(&base, &history);
}

#[test]
fn an_open_that_fails_midway_with_range_deletes_loses_nothing() {
    let (base, history) = database(
        &workload_with_range_deletes(5, 120, 30, 1, 0.1),
        &workload_with_range_deletes(6, 25, 30, 3, 0.2),
    );
    let ranged = (history.attempts.iter()).filter(|a| a.changes.iter().any(Change::is_range));
    assert!(
        ranged.count() > 5,
        "range deletes in the tables and the logs"
    );
    open_failing_midway(&base, &history);
}

/// Opens `base` while its Nth file operation fails, once and then
/// persistently, for every N until an open passes without reaching it;
/// each must hold all of `history` or fail with an I/O error, and after
/// healing open with all of it.
fn open_failing_midway(base: &FaultFileSystem, history: &History) {
    watch_panics();
    let expected = history.all_applied();
    let keyspaces = ["cold", "default", "ks1"].map(String::from);
    let mut points = 0;
    for persistent in [false, true] {
        for n in 1.. {
            let context = format!("open with operation {n} failing (persistent: {persistent})");
            let fs = base.fork();
            fs.fail_at(n, persistent, &ALL_KINDS, FaultKind::Io);
            match open(&fs) {
                Ok(db) => {
                    if fs.failures() == 0 {
                        // The open passed without reaching operation n.
                        fs.heal();
                        let recovered = read_all(&db).unwrap();
                        assert!(recovered == expected, "{context}: clean open differs");
                        break;
                    }
                    // Opened despite a failure: whatever it reads is right
                    // or an error.
                    if let Ok(recovered) = read_all(&db) {
                        assert!(recovered == expected, "{context}: open read wrong data");
                    }
                }
                Err(e) => assert_engine_error(&e),
            }
            fs.heal();
            points += 1;
            let healed = format!("{context}, healed");
            assert_complete(&fs.fork(), &expected, &keyspaces, &healed);
            let crashed = format!("{context}, then a crash");
            assert_complete(&fs.crash(), &expected, &keyspaces, &crashed);
        }
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!("recovery I/O error points tried: {points}, lost acknowledged writes: 0");
}

/// Bug: `open` turned every failure to create the data directory, an `EIO`
/// included, into `InvalidArgument`, telling the caller the configuration
/// was wrong when the disk was.
#[test]
fn regression_io_error_creating_data_dir_is_reported_as_invalid_argument() {
    let fs = fresh_fs();
    fs.fail_at(1, false, &[OpKind::Create], FaultKind::Io);
    let err = open(&fs).unwrap_err();
    assert!(matches!(err, ferrisdb_storage::Error::Io { .. }), "{err:?}");
    fs.heal();
    open(&fs).unwrap();
}
