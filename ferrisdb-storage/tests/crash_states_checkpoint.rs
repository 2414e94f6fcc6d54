//! A power loss at every I/O step of `checkpoint()`, in the crash model's
//! states (`FaultFileSystem::crash_with`): the target's links, copied logs,
//! manifest and directories survive or not in any combination their syncs
//! allow, with unsynced pages lost, torn or garbage. The source runs under
//! `SyncMode::Full` and under `SyncMode::Normal` (where the log the
//! checkpoint copies holds writes no sync made durable).
//!
//! Promise: the target, opened with `create_if_missing = false`, either
//! refuses to open (no database there, or the corruption error naming its
//! missing `MANIFEST`) and deletes nothing, or opens holding exactly what
//! the source held when the checkpoint began. The source itself opens with a
//! prefix of its writes holding every one its sync mode made durable.
//! (`regression_checkpoint_crash_opens_empty.rs` covers a killed process and
//! `crash()`'s prefix states.)
//!
//! `FERRISDB_CHECKPOINT_CRASH_SEEDS` (default 8) sets the crash states tried
//! at each step; `FERRISDB_CRASH_REPLAY=m:k:s` (`m` 0 for `Full`, 1 for
//! `Normal`) replays the one a failure names.

mod reliability;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{CrashModel, FaultFileSystem, FileSystem};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode};
use reliability::*;

fn target() -> PathBuf {
    PathBuf::from("/backups/monday")
}

fn db_config(fs: &FaultFileSystem, dir: &Path, mode: SyncMode) -> StorageConfig {
    StorageConfig {
        data_dir: dir.to_path_buf(),
        wal_sync_mode: mode,
        disable_auto_compactions: true,
        ..config(fs)
    }
}

/// A source with tables and writes still in its log (under `Normal` not
/// synced), its history, and what it holds.
fn source(fs: &FaultFileSystem, mode: SyncMode) -> (StorageEngine, History, State) {
    let db = StorageEngine::open(db_config(fs, &db_dir(), mode)).unwrap();
    let mut ops = workload(11, 40, 20);
    ops.push(Op::Flush);
    ops.extend(workload(12, 60, 20));
    let mut history = History::default();
    run(&db, &ops, &mut history, true);
    assert_eq!(history.acknowledged(), 100);
    let state = read_all(&db).unwrap();
    (db, history, state)
}

/// What opening the target gave.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    /// It opened with the source's data.
    Copy,
    /// It refused: no database there.
    NoDatabase,
    /// It refused with the corruption error naming the missing manifest.
    NoManifest,
}

fn check_target(fs: &FaultFileSystem, mode: SyncMode, expected: &State) -> Result<Outcome, String> {
    let listing = || fs.list(&target()).unwrap_or_default();
    let before = listing();
    let config = StorageConfig {
        create_if_missing: false,
        ..db_config(fs, &target(), mode)
    };
    match StorageEngine::open(config) {
        Ok(db) => {
            let recovered = read_all(&db).map_err(|e| format!("read: {e}"))?;
            if recovered != *expected {
                return Err(format!(
                    "the target held {before:?} and opened with {} keys instead of the \
                     source's {}",
                    recovered.len(),
                    expected.len()
                ));
            }
            Ok(Outcome::Copy)
        }
        Err(err) => {
            let outcome = match &err {
                Error::InvalidArgument(reason) if reason.contains("holds no database") => {
                    Outcome::NoDatabase
                }
                e if e.is_corruption() && e.to_string().contains("MANIFEST") => Outcome::NoManifest,
                _ => return Err(format!("unexpected error {err}")),
            };
            if listing() != before {
                return Err(format!("the failed open changed the target: {before:?}"));
            }
            Ok(outcome)
        }
    }
}

#[test]
fn a_crash_at_every_step_of_a_checkpoint_leaves_no_copy_or_a_whole_one() {
    let seeds = env_or("FERRISDB_CHECKPOINT_CRASH_SEEDS", 8);
    let mut states = 0;
    let only = replay();
    for (index, mode) in [SyncMode::Full, SyncMode::Normal].into_iter().enumerate() {
        if only.is_some_and(|(m, _, _)| m != index as u64) {
            continue;
        }
        // Count the checkpoint's operations once.
        let steps = {
            let fs = fresh_fs();
            let (db, _, expected) = source(&fs, mode);
            let start = fs.total_operations();
            db.checkpoint(target()).unwrap();
            let steps = fs.total_operations() - start;
            drop(db);
            assert_eq!(check_target(&fs, mode, &expected), Ok(Outcome::Copy));
            steps
        };
        let mut seen = BTreeSet::new();
        for k in 1..=steps {
            if only.is_some_and(|(_, only_k, _)| only_k != k) {
                continue;
            }
            let fs = fresh_fs();
            let (db, history, expected) = source(&fs, mode);
            fs.crash_after(fs.total_operations() + k);
            let _ = db.checkpoint(target());
            let seeds: Vec<u64> = match only {
                Some((_, _, seed)) => vec![seed],
                None => (0..seeds).collect(),
            };
            for seed in seeds {
                let (rebooted, report) = fs.crash_with(CrashModel::new(seed));
                let context = format!(
                    "{mode:?}: power lost after step {k} of {steps} of the checkpoint, crash \
                     seed {seed} (replay: FERRISDB_CRASH_REPLAY={index}:{k}:{seed} cargo test -p \
                     ferrisdb-storage --test crash_states_checkpoint)"
                );
                match check_target(&rebooted, mode, &expected) {
                    Ok(outcome) => seen.insert(outcome),
                    Err(problem) => panic!("{context}: {problem}\nthe crash: {report}"),
                };
                // The source is as a power loss leaves it: a prefix with
                // every write its mode made durable.
                let source = StorageEngine::open(db_config(&rebooted, &db_dir(), mode))
                    .unwrap_or_else(|e| panic!("{context}: the source: {e}\n{report}"));
                let recovered = read_all(&source).unwrap();
                let must = match mode {
                    SyncMode::Full => history.last_acknowledged(),
                    _ => history.durable,
                };
                if let Err(problem) = history.check_from(&recovered, must) {
                    panic!("{context}: the source: {problem}\nthe crash: {report}");
                }
                states += 1;
            }
            drop(db);
        }
        if only.is_some() {
            continue;
        }
        // The steps and states covered every kind of target.
        assert_eq!(
            seen.into_iter().collect::<Vec<_>>(),
            [Outcome::Copy, Outcome::NoDatabase, Outcome::NoManifest],
            "{mode:?}"
        );
    }
    eprintln!("checkpoint crash states checked: {states}");
}
