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

/// What one case checked.
#[derive(Default)]
struct Checked {
    points: u64,
    acknowledged: u64,
    cross_keyspace: u64,
    range_deletes: u64,
}

/// The workload's size, and the step between fault points.
fn settings() -> (usize, u64) {
    let writes = env_or("FERRISDB_IO_ERROR_WRITES", 60) as usize;
    (writes, env_or("FERRISDB_IO_ERROR_STEP", 1).max(1))
}

/// Fails operation N = 1, 1 + step, ... of `faulted` with `fault` (once,
/// or from then on if `persistent`) until a run passes without reaching
/// N, checking each run's history in place and after a crash. A case is a
/// test of its own, so the cases run side by side.
fn run_case(fault: FaultKind, persistent: bool, faulted: &[Op]) -> Checked {
    watch_panics();
    let (writes, step) = settings();
    let ops = workload(11, writes, 20);
    let mut checked = Checked::default();
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
        checked.points += 1;
        checked.acknowledged += history.acknowledged() as u64;
        let cross = history
            .attempts
            .iter()
            .filter(|a| spans_keyspaces(&a.changes));
        checked.cross_keyspace += cross.count() as u64;
        let ranged = (history.attempts.iter()).filter(|a| a.changes.iter().any(Change::is_range));
        checked.range_deletes += ranged.count() as u64;
        let copy = fs.fork();
        reopen_and_check(&copy, &history, &format!("{context}, reopened in place"));
        if n % 2 == 1 {
            fs.enable_torn_writes(n);
        }
        reopen_and_check(&fs.crash(), &history, &format!("{context}, after a crash"));
        n += step;
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "{fault:?} (persistent: {persistent}): I/O error points tried: {}, acknowledged writes \
         checked: {}, lost: 0, writes across keyspaces checked whole or absent: {}, writes \
         with range deletes checked whole or absent: {}",
        checked.points, checked.acknowledged, checked.cross_keyspace, checked.range_deletes
    );
    checked
}

/// `EIO` once, over half the writes in three keyspaces it creates.
#[test]
fn an_io_error_once_loses_no_acknowledged_write_across_keyspaces() {
    let (writes, _) = settings();
    let in_keyspaces = workload_in_keyspaces(11, writes / 2, 20, 3);
    let checked = run_case(FaultKind::Io, false, &in_keyspaces);
    assert!(checked.cross_keyspace > 0);
}

/// `EIO` from operation N on.
#[test]
fn persistent_io_errors_lose_no_acknowledged_write() {
    let (writes, _) = settings();
    run_case(FaultKind::Io, true, &workload(11, writes, 20));
}

/// `ENOSPC` from operation N on: the disk fills there.
#[test]
fn a_full_disk_loses_no_acknowledged_write() {
    let (writes, _) = settings();
    run_case(FaultKind::NoSpace, true, &workload(11, writes, 20));
}

/// `EIO` once, over half the writes in two keyspaces, one in five a range
/// or prefix delete.
#[test]
fn an_io_error_once_leaves_each_range_delete_whole_or_absent() {
    let (writes, _) = settings();
    let with_range_deletes = workload_with_range_deletes(12, writes / 2, 20, 2, 0.2);
    let checked = run_case(FaultKind::Io, false, &with_range_deletes);
    assert!(checked.range_deletes > 0);
}
