//! Regression, found by the adversarial review of issue 14 (recovery modes): `PointInTimeRecovery` does not
//! "always open" when a log's magic is damaged.
//!
//! `docs/deep-dive/wal-crash-recovery.md` promises that point-in-time
//! recovery "always opens, at the last consistent point", and the corruption
//! error that `open` gives for a damaged log tells the user to switch to it.
//! But `WalReader::open` rejects a log whose first bytes are not the magic
//! ("not a FerrisDB WAL file") in every mode, and recovery turns that into a
//! corruption error, so one flipped bit in the first eight bytes of any log
//! makes the database unopenable in every mode, point in time included: the
//! way out the error message names is a dead end. It happens even for a log
//! that point-in-time recovery was going to drop anyway (one after the first
//! damage), since counting what it drops opens that log too.

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config, writes_left_in_logs, Ending};

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_max_file_size: 4 << 10,
        ..fault_config(fs, mode)
    }
}

fn rewrite(fs: &FaultFileSystem, path: &Path, change: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = fs.read_all(path).unwrap();
    change(&mut bytes);
    let mut file = fs.create(path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
}

/// A closed database of `n01`..`n30` over several small logs.
fn closed_database() -> (FaultFileSystem, Vec<PathBuf>) {
    let fs = FaultFileSystem::new();
    let config = config(&fs, RecoveryMode::default());
    let fs = writes_left_in_logs(&fs, config, Ending::Close, |db| {
        for i in 1..=30 {
            db.put(format!("n{i:02}"), vec![i as u8; 500]).unwrap();
        }
    });
    let logs: Vec<PathBuf> = wal_files(&fs, &dir())
        .unwrap()
        .into_iter()
        .map(|(_, p)| p)
        .collect();
    assert!(logs.len() >= 3, "{} logs", logs.len());
    (fs, logs)
}

#[test]
fn point_in_time_opens_when_the_newest_log_has_a_damaged_magic() {
    let (fs, logs) = closed_database();
    let newest = logs.last().unwrap();
    rewrite(&fs, newest, |b| b[0] ^= 0x01);

    let err = StorageEngine::open(config(&fs.fork(), RecoveryMode::default())).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(err.to_string().contains("PointInTimeRecovery"), "{err}");
    // The way out the error names must open.
    match StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)) {
        Ok(db) => {
            assert!(db.get("n01").unwrap().is_some());
            assert!(db.stats().recovery_dropped_wal_bytes > 0);
        }
        Err(e) => panic!("PointInTimeRecovery did not open: {e}"),
    }
}

#[test]
fn point_in_time_opens_when_a_log_after_the_damage_has_a_damaged_magic() {
    let (fs, logs) = closed_database();
    // Corruption in the middle of the first log: point in time stops there
    // and drops every later log.
    let first = &logs[0];
    let second_record = WalReader::open(&fs, first, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .nth(1)
        .unwrap()
        .unwrap()
        .offset;
    rewrite(&fs, first, |b| b[second_record as usize + 9] ^= 0x10);
    // And a damaged magic in a log it drops.
    rewrite(&fs, &logs[1], |b| b[3] = 0);

    match StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)) {
        Ok(db) => {
            assert!(db.get("n01").unwrap().is_some());
            assert!(db.get("n02").unwrap().is_none());
        }
        Err(e) => panic!("PointInTimeRecovery did not open: {e}"),
    }
}
