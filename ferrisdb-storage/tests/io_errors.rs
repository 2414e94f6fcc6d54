//! I/O errors, SQLite-style: for N = 1, 2, 3, ... the Nth file operation of a
//! workload fails with `EIO`, once and then persistently (and with `ENOSPC`
//! persistently: the disk fills at that point), until a run passes through
//! without reaching N.
//!
//! Every run must return errors rather than panic (dropping the engine
//! included), and must not acknowledge a write it did not keep: after the
//! file system heals, the database reopens, both in place and after a power
//! loss (with torn writes at every other point), with every acknowledged
//! write and a prefix of the history (see `reliability/mod.rs`).
//!
//! The first case (`EIO` once) runs a workload of half the writes over three
//! keyspaces that it creates itself, so a fault also hits a create's
//! manifest write, and most batches of several changes span keyspaces: each
//! is whole or absent after the reopen, and every acknowledged create
//! survives.
//!
//! A fourth case (`EIO` once) runs a workload of half the writes over two
//! keyspaces in which one write in five deletes a range or a prefix, alone
//! or inside a batch: each is whole or absent after the reopen, in the log
//! and in the tables a fault hit while they were written.
//!
//! `FERRISDB_IO_ERROR_STEP` (default 1) tries every Nth point only, for
//! quicker local runs; `FERRISDB_IO_ERROR_WRITES` (default 60) sets the
//! workload's size.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind};
use reliability::*;

/// Opens `fs` (already holding the history's initial state) and checks it.
fn reopen_and_check(fs: &FaultFileSystem, history: &History, context: &str) {
    let db = reopen_and_verify(fs, context, |recovered| history.check(recovered).map(drop));
    if let Err(problem) = history.check_keyspaces(&db.keyspaces()) {
        panic!("{context}: {problem}");
    }
    db.put("after-recovery", "ok")
        .unwrap_or_else(|e| panic!("{context}: write after recovery failed: {e}"));
}

#[test]
fn every_failed_operation_is_reported_and_loses_no_acknowledged_write() {
    watch_panics();
    let step = env_or("FERRISDB_IO_ERROR_STEP", 1).max(1);
    let writes = env_or("FERRISDB_IO_ERROR_WRITES", 60) as usize;
    let ops = workload(11, writes, 20);
    // Half the writes, as many fault points: with three keyspaces (their
    // flushes, logs and creates) a write makes over twice the file
    // operations.
    let in_keyspaces = workload_in_keyspaces(11, writes / 2, 20, 3);
    let with_range_deletes = workload_with_range_deletes(12, writes / 2, 20, 2, 0.2);
    let mut points = 0u64;
    let mut acknowledged_checked = 0u64;
    let mut cross_keyspace_checked = 0u64;
    let mut range_deletes_checked = 0u64;
    let cases = [
        (FaultKind::Io, false, &in_keyspaces),
        (FaultKind::Io, true, &ops),
        (FaultKind::NoSpace, true, &ops),
        (FaultKind::Io, false, &with_range_deletes),
    ];
    for (fault, persistent, faulted) in cases {
        let mut n = 1;
        loop {
            let context = format!("fail operation {n} with {fault:?} (persistent: {persistent})");
            let fs = fresh_fs();
            // Some data on disk first, so the faults also hit reads of tables.
            let mut history = History::default();
            {
                let db = open(&fs).unwrap();
                run(&db, &ops[..ops.len() / 4], &mut history, false);
                assert!(!history.any_failed(), "setup must not fail");
                history.initial = history.all_applied();
                history.attempts.clear();
            }
            let db = open(&fs).unwrap();
            fs.fail_at(n, persistent, &ALL_KINDS, fault);
            run(&db, faulted, &mut history, false);
            drop(db);
            let failures = fs.failures();
            fs.heal();
            if failures == 0 {
                // The workload passed through without reaching operation n.
                assert!(!history.any_failed(), "{context}: error without a fault");
                break;
            }
            points += 1;
            acknowledged_checked += history.acknowledged() as u64;
            let cross = history
                .attempts
                .iter()
                .filter(|a| spans_keyspaces(&a.changes));
            cross_keyspace_checked += cross.count() as u64;
            let ranged =
                (history.attempts.iter()).filter(|a| a.changes.iter().any(Change::is_range));
            range_deletes_checked += ranged.count() as u64;
            let copy = fs.fork();
            reopen_and_check(&copy, &history, &format!("{context}, reopened in place"));
            if n % 2 == 1 {
                fs.enable_torn_writes(n);
            }
            reopen_and_check(&fs.crash(), &history, &format!("{context}, after a crash"));
            n += step;
        }
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "I/O error points tried: {points}, acknowledged writes checked: {acknowledged_checked}, \
         lost: 0, writes across keyspaces checked whole or absent: {cross_keyspace_checked}, \
         writes with range deletes checked whole or absent: {range_deletes_checked}"
    );
    assert!(cross_keyspace_checked > 0);
    assert!(range_deletes_checked > 0);
}
