//! Power loss during the `open` that recovers a crashed database, after
//! every one of its operations, once and twice in a row.
//!
//! `open` starts its new log before it replays the old ones, and retires
//! them only once the manifest names the new log. A power loss in between
//! leaves the crashed log, unsealed (a crash ended it, at a record boundary
//! or in a torn tail), followed by a log holding only its header that no
//! rotation made. That is what a crash leaves, not damage: the next `open`,
//! in the default mode and under absolute consistency (when the crashed log
//! has no torn tail), must hold every acknowledged write.

mod common;

use common::{dir, full_sync_config};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::{wal_files, WalReader};
use ferrisdb_storage::{RecoveryMode, StorageEngine};

const WRITES: usize = 12;

fn key(i: usize) -> String {
    format!("key{i:02}")
}

/// A database that lost power after `WRITES` acknowledged puts; with
/// `torn_seed`, while a last put was being written, of which the crash
/// keeps a random part.
fn crashed(torn_seed: Option<u64>) -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..WRITES {
        db.put(key(i), vec![b'v'; 300]).unwrap();
    }
    if let Some(seed) = torn_seed {
        fs.enable_torn_writes(seed);
        // The put's append completes; its sync finds the power gone.
        fs.crash_after(fs.total_operations() + 1);
        assert!(db.put("in flight", vec![b'w'; 3000]).is_err());
    }
    let rebooted = fs.crash();
    drop(db);
    rebooted
}

/// Opens `fs` with the power lost after operation `k` of the open.
fn interrupted_open(fs: &FaultFileSystem, k: u64) -> FaultFileSystem {
    fs.crash_after(k);
    if let Ok(db) = StorageEngine::open(full_sync_config(fs, RecoveryMode::default())) {
        drop(db);
    }
    fs.crash()
}

fn assert_opens_whole(fs: &FaultFileSystem, mode: RecoveryMode, context: &str) {
    let db = StorageEngine::open(full_sync_config(fs, mode))
        .unwrap_or_else(|e| panic!("{context}, {mode:?}: open failed: {e}"));
    for i in 0..WRITES {
        assert!(
            db.get(key(i)).unwrap().is_some(),
            "{context}, {mode:?}: lost {}",
            key(i)
        );
    }
}

/// What an interrupted open left: whether the manifest names a log that is
/// there under its temporary name only, and whether a log to replay follows
/// one that the crash left unsealed.
fn left(fs: &FaultFileSystem) -> (bool, bool) {
    let dir = dir();
    let state = manifest::load(fs, &dir).unwrap().unwrap();
    let names = fs.list(&dir).unwrap();
    let unnamed = !names.contains(&format!("{:06}.wal", state.log_number))
        && names.contains(&format!("{:06}.wal.tmp", state.log_number));
    // The logs replay reads: the others are leftovers.
    let logs: Vec<_> = wal_files(fs, &dir)
        .unwrap()
        .into_iter()
        .filter(|(number, _)| *number >= state.log_number)
        .collect();
    let unsealed_then_later = logs.iter().rev().skip(1).any(|(_, path)| {
        let mut reader = WalReader::open(fs, path, RecoveryMode::PointInTimeRecovery).unwrap();
        reader.by_ref().for_each(drop);
        !reader.is_sealed()
    });
    (unnamed, unsealed_then_later)
}

#[test]
fn a_power_loss_during_recovery_leaves_a_database_that_opens_whole() {
    let (mut unnamed_states, mut torn_logs) = (0, 0);
    for torn_seed in [None, Some(1), Some(2), Some(3)] {
        let base = crashed(torn_seed);
        let (_, path) = wal_files(&base, &dir()).unwrap().pop().unwrap();
        let mut reader = WalReader::open(&base, &path, RecoveryMode::PointInTimeRecovery).unwrap();
        reader.by_ref().for_each(drop);
        torn_logs += usize::from(reader.damage().is_some());
        // The operations of an uninterrupted open.
        let total = {
            let fs = base.fork();
            drop(StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap());
            fs.total_operations()
        };
        for k in 1..=total {
            for times in 1..=2 {
                let context = format!("torn seed {torn_seed:?}, {times} open(s) lost power after operation {k} of {total}");
                let mut fs = base.fork();
                for _ in 0..times {
                    fs = interrupted_open(&fs, k);
                }
                let (unnamed, unsealed_then_later) = left(&fs);
                assert!(
                    !unsealed_then_later,
                    "{context}: a log follows an unsealed one"
                );
                unnamed_states += usize::from(unnamed);
                let modes: &[RecoveryMode] = if torn_seed.is_none() {
                    &[
                        RecoveryMode::AbsoluteConsistency,
                        RecoveryMode::TolerateCorruptedTail,
                    ]
                } else {
                    &[RecoveryMode::TolerateCorruptedTail]
                };
                for &mode in modes {
                    assert_opens_whole(&fs.fork(), mode, &context);
                }
            }
        }
    }
    // The states that matter occurred: a crashed log with a torn tail, and
    // a manifest naming a log an open had not yet named.
    assert!(torn_logs > 0);
    assert!(unnamed_states > 0);
}
