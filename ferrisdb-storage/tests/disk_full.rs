//! Disk full (`ENOSPC`): during a flush (table writes fail) and under the log
//! itself (every write fails). Writes are refused with an error that says the
//! disk is full, reads keep working, and once space returns the database
//! reopens with nothing lost.
//!
//! And during a compaction: `ENOSPC` while it writes its output.

mod reliability;

use std::io;

use ferrisdb_storage::fs::{FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageEngine};
use reliability::*;

const WRITE_KINDS: [OpKind; 3] = [OpKind::Create, OpKind::Write, OpKind::Sync];

/// Whether `error` is, or wraps, `ENOSPC`.
fn is_disk_full(error: &Error) -> bool {
    match error {
        Error::Io { source, .. } => source.kind() == io::ErrorKind::StorageFull,
        Error::Background(inner) => is_disk_full(inner),
        _ => false,
    }
}

fn load(db: &ferrisdb_storage::StorageEngine, seed: u64, history: &mut History) {
    run(db, &workload(seed, 80, 25), history, false);
    assert!(!history.any_failed(), "load must not fail");
}

/// Makes every table write fail with `ENOSPC` after the load of `seed`, and
/// checks that `step` (a flush or a compaction) fails with it, that writes
/// are then refused with it while reads work, and that once space returns the
/// reopened database has lost nothing and `step` succeeds.
fn table_writes_fail_with_enospc(
    seed: u64,
    step_name: &str,
    everything_in_tables_first: bool,
    step: fn(&StorageEngine) -> ferrisdb_storage::Result<()>,
) {
    watch_panics();
    let fs = fresh_fs();
    let mut history = History::default();
    let db = open(&fs).unwrap();
    load(&db, seed, &mut history);
    if everything_in_tables_first {
        // So the failure hits a compaction's output, not a flush.
        db.flush().unwrap();
        db.wait_for_compactions().unwrap();
    }
    let expected = history.all_applied();

    fs.fail_path_at(1, true, &WRITE_KINDS, FaultKind::NoSpace, ".sst");
    let err = step(&db).unwrap_err();
    assert!(is_disk_full(&err), "{step_name}: {err:?}");
    let err = db.put("refused", "x").unwrap_err();
    assert!(
        is_disk_full(&err),
        "write after a failed {step_name}: {err:?}"
    );
    assert!(err.to_string().contains("no space"), "{err}");
    assert_eq!(
        read_all(&db).unwrap(),
        expected,
        "reads while the disk is full"
    );

    drop(db);
    fs.heal();
    let db = open(&fs).unwrap();
    assert_eq!(read_all(&db).unwrap(), expected, "after space returned");
    step(&db).unwrap();
    assert_eq!(
        read_all(&db).unwrap(),
        expected,
        "after a successful {step_name}"
    );
    db.put("accepted", "y").unwrap();
    drop(db);
    assert_no_orphans(&fs, &db_dir());
    assert_eq!(panics(), 0, "a thread panicked (see above)");
}

#[test]
fn enospc_during_a_flush_refuses_writes_keeps_reads_and_loses_nothing() {
    table_writes_fail_with_enospc(1, "flush", false, StorageEngine::flush);
}

#[test]
fn enospc_under_the_log_refuses_writes_keeps_reads_and_loses_nothing() {
    watch_panics();
    let fs = fresh_fs();
    let mut history = History::default();
    let db = open(&fs).unwrap();
    load(&db, 2, &mut history);
    let expected = history.all_applied();

    fs.fail_at(1, true, &WRITE_KINDS, FaultKind::NoSpace);
    for i in 0..5 {
        let err = db.put(format!("refused{i}"), "x").unwrap_err();
        assert!(is_disk_full(&err), "write {i}: {err:?}");
    }
    // The first refused write reached the MemTable before its sync failed,
    // but a write is published only once its sync succeeded: reads show
    // exactly the acknowledged writes.
    assert_eq!(
        read_all(&db).unwrap(),
        expected,
        "reads while the disk is full"
    );

    drop(db);
    fs.heal();
    let crashed = fs.crash();
    let db = open(&crashed).unwrap();
    let recovered = read_all(&db).unwrap();
    for (k, v) in &expected {
        assert_eq!(
            recovered.get(k),
            Some(v),
            "after space returned and a crash"
        );
    }
    assert!(
        recovered.len() <= expected.len() + 1,
        "only the in-flight write may appear"
    );
    db.put("accepted", "y").unwrap();
    drop(db);
    assert_eq!(panics(), 0, "a thread panicked (see above)");
}

#[test]
fn enospc_during_a_compaction_refuses_writes_keeps_reads_and_loses_nothing() {
    table_writes_fail_with_enospc(3, "compaction", true, StorageEngine::compact);
}
