//! The `open` that recovers a crashed database, with
//! one I/O error injected at every operation of each kind (the rename that
//! names its log, the directory syncs, ...), and with a power loss after
//! every operation under the full crash model (unsynced name changes kept
//! or lost in any combination). Whatever happened, the database must then
//! open, in the same process and after a power loss, holding every
//! acknowledged write, and keep taking writes that survive a reopen.

mod common;

use common::full_sync_config;
use ferrisdb_storage::fs::{CrashModel, FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine};

const WRITES: usize = 12;

fn key(i: usize) -> String {
    format!("key{i:02}")
}

fn config(fs: &FaultFileSystem) -> StorageConfig {
    full_sync_config(fs, RecoveryMode::default())
}

/// A database that lost power after `WRITES` acknowledged puts, the crash
/// picked by `seed` under the full model; seeds from 1000 on close the
/// database cleanly first.
fn crashed(seed: u64) -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..WRITES {
        db.put(key(i), vec![b'v'; 300]).unwrap();
    }
    if seed >= 1000 {
        db.close().unwrap();
        return fs;
    }
    let (rebooted, _) = fs.crash_with(CrashModel::new(seed));
    drop(db);
    rebooted
}

fn assert_whole(fs: &FaultFileSystem, extra: &[String], context: &str) {
    let db =
        StorageEngine::open(config(fs)).unwrap_or_else(|e| panic!("{context}: open failed: {e}"));
    for k in (0..WRITES).map(key).chain(extra.iter().cloned()) {
        assert!(db.get(&k).unwrap().is_some(), "{context}: lost {k}");
    }
}

/// After whatever `fs` went through, the database opens whole in this
/// process, takes a write, and opens whole again after a power loss and
/// after any crash state of that moment.
fn assert_recovers(fs: &FaultFileSystem, context: &str) {
    for seed in 0..3 {
        let (rebooted, _) = fs.fork().crash_with(CrashModel::new(seed));
        assert_whole(
            &rebooted,
            &[],
            &format!("{context}, then power loss (seed {seed})"),
        );
    }
    let db = StorageEngine::open(config(fs))
        .unwrap_or_else(|e| panic!("{context}, reopened in process: open failed: {e}"));
    for i in 0..WRITES {
        assert!(
            db.get(key(i)).unwrap().is_some(),
            "{context}: lost {}",
            key(i)
        );
    }
    db.put("after", "x").unwrap();
    for seed in 0..3 {
        let (rebooted, _) = fs.fork().crash_with(CrashModel::new(seed));
        assert_whole(
            &rebooted,
            &["after".into()],
            &format!("{context}, reopened, wrote, power loss (seed {seed})"),
        );
    }
    db.close().unwrap();
    assert_whole(fs, &["after".into()], &format!("{context}, closed"));
}

#[test]
fn one_io_error_anywhere_in_the_recovering_open() {
    for base in [crashed(7), crashed(1000)] {
        for kind in [OpKind::Rename, OpKind::Sync, OpKind::Create, OpKind::Write] {
            let total = {
                let fs = base.fork();
                fs.fail_at(u64::MAX, false, &[kind], FaultKind::Io);
                drop(StorageEngine::open(config(&fs)).unwrap());
                fs.operations()
            };
            assert!(total > 0);
            for n in 1..=total {
                for persistent in [false, true] {
                    let context =
                        format!("{kind:?} {n} of {total} failed (persistent: {persistent})");
                    let fs = base.fork();
                    fs.fail_at(n, persistent, &[kind], FaultKind::Io);
                    let opened = StorageEngine::open(config(&fs));
                    fs.heal();
                    if let Ok(db) = opened {
                        db.close().ok();
                    }
                    assert_recovers(&fs, &context);
                }
            }
        }
    }
}

#[test]
fn power_loss_anywhere_in_the_recovering_open_under_the_full_crash_model() {
    for base_seed in [0, 1, 2, 1000] {
        let base = crashed(base_seed);
        let total = {
            let fs = base.fork();
            drop(StorageEngine::open(config(&fs)).unwrap());
            fs.total_operations()
        };
        for k in 1..=total {
            for seed in 0..4 {
                let context =
                    format!("base seed {base_seed}, power loss after operation {k} of {total} of the open, seed {seed}");
                let fs = base.fork();
                fs.crash_after(k);
                if let Ok(db) = StorageEngine::open(config(&fs)) {
                    drop(db);
                }
                let (rebooted, _) = fs.crash_with(CrashModel::new(seed));
                // And a second interrupted open, at the same point.
                let again = rebooted.fork();
                again.crash_after(k);
                if let Ok(db) = StorageEngine::open(config(&again)) {
                    drop(db);
                }
                let (twice, _) = again.crash_with(CrashModel::new(seed + 100));
                assert_whole(&rebooted, &[], &context);
                assert_whole(&twice, &[], &format!("{context}, twice"));
            }
        }
    }
}
