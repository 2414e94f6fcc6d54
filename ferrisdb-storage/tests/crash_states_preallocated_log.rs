//! Power loss under `SyncMode::Full` while the log writes into the room its
//! syncs preallocate (zeros past its records, which later records overwrite
//! in place), over the crash model's states (`FaultFileSystem::crash_with`):
//! the pages a write in flight overwrote kept, back to their zeros, or torn
//! between the two; the log rotated, and so cut to its seal, several times.
//!
//! Promise: every acknowledged write survives every crash state, in the
//! default and the point-in-time recovery modes; under `AbsoluteConsistency`
//! too whenever the crash left no torn record, and otherwise that mode
//! refuses with a corruption error. A crash between writes leaves the
//! newest log ending in zeros, which is the end of the log, not damage: the
//! database reopens in every mode.
//!
//! `FERRISDB_CRASH_STATE_POINTS` (default 60) sets the crash points, each
//! tried with 2 crash states.

mod common;

use std::collections::BTreeSet;

use common::{dir, full_sync_config};
use ferrisdb_storage::fs::{CrashKind, CrashModel, FaultFileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

const WRITES: usize = 200;
const MODES: [RecoveryMode; 3] = [
    RecoveryMode::TolerateCorruptedTail,
    RecoveryMode::PointInTimeRecovery,
    RecoveryMode::AbsoluteConsistency,
];

/// Logs of 16 KiB: 200 writes of some 330 bytes rotate the log 4 times.
fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_max_file_size: 16 << 10,
        ..full_sync_config(fs, mode)
    }
}

fn key(i: usize) -> String {
    format!("key{i:05}")
}

fn value(i: usize) -> Vec<u8> {
    vec![(i % 251) as u8 + 1; 300]
}

/// Writes until the first failure (the machine died), then drops the
/// engine; returns how many writes were acknowledged.
fn write(fs: &FaultFileSystem) -> usize {
    let Ok(db) = StorageEngine::open(config(fs, RecoveryMode::default())) else {
        return 0;
    };
    let acknowledged = (0..WRITES)
        .take_while(|&i| db.put(key(i), value(i)).is_ok())
        .count();
    drop(db);
    acknowledged
}

/// Opens a copy of `fs` in `mode` and checks that it holds the first
/// `acknowledged` writes.
fn reopen(fs: &FaultFileSystem, mode: RecoveryMode, acknowledged: usize) -> Result<(), Error> {
    let db = StorageEngine::open(config(&fs.fork(), mode))?;
    for i in 0..acknowledged {
        let got = db.get(key(i)).unwrap();
        assert_eq!(
            got.as_deref(),
            Some(&value(i)[..]),
            "{mode:?}: acknowledged write {i} of {acknowledged} lost"
        );
    }
    Ok(())
}

/// Where the zeros that end the newest log of `fs` start, if they do.
fn zero_tail(fs: &FaultFileSystem) -> Option<u64> {
    let (_, log) = wal_files(fs, &dir()).unwrap().pop()?;
    let mut reader = WalReader::open(fs, &log, RecoveryMode::AbsoluteConsistency).ok()?;
    reader.by_ref().for_each(drop);
    reader.zero_tail()
}

#[test]
fn acknowledged_writes_survive_any_crash_state_of_a_preallocated_log() {
    let points: u64 = std::env::var("FERRISDB_CRASH_STATE_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(60);
    let fs = FaultFileSystem::new();
    assert_eq!(write(&fs), WRITES, "crash-free run");
    let total = fs.total_operations();

    let (mut absolute_opened, mut absolute_refused) = (0, 0);
    let mut log_kinds = BTreeSet::new();
    for point in 0..points {
        let k = 1 + point * total / points;
        let fs = FaultFileSystem::new();
        fs.crash_after(k);
        let acknowledged = write(&fs);
        for state in 0..2 {
            let (crashed, report) = fs.crash_with(CrashModel::new(point * 2 + state));
            log_kinds.extend(report.file_kinds(".wal"));
            let context = format!("crash after operation {k} of {total}:\n{report}");
            for mode in MODES {
                match reopen(&crashed, mode, acknowledged) {
                    Ok(()) if mode == RecoveryMode::AbsoluteConsistency => absolute_opened += 1,
                    Ok(()) => {}
                    Err(e) if mode == RecoveryMode::AbsoluteConsistency => {
                        assert!(e.is_corruption(), "{context}\n{e}");
                        absolute_refused += 1;
                    }
                    Err(e) => panic!("{context}\n{mode:?}: {e}"),
                }
            }
        }
    }
    // Crashes lost writes over the preallocated zeros, and both outcomes of
    // the strictest mode happened.
    assert!(
        log_kinds.contains(&CrashKind::OverwriteLost),
        "{log_kinds:?}"
    );
    assert!(absolute_opened > 0 && absolute_refused > 0);
}

#[test]
fn a_crash_between_writes_leaves_a_zero_tail_that_every_mode_opens() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..WRITES / 2 {
        db.put(key(i), value(i)).unwrap();
    }
    for seed in 0..20 {
        let (crashed, report) = fs.fork().crash_with(CrashModel::new(seed));
        assert!(zero_tail(&crashed).is_some(), "seed {seed}:\n{report}");
        for mode in MODES {
            reopen(&crashed, mode, WRITES / 2)
                .unwrap_or_else(|e| panic!("seed {seed}, {mode:?}: {e}\n{report}"));
        }
    }
    drop(db);
}
