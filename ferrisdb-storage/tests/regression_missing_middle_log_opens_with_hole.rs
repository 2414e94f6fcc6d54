//! Regression, found by the second adversarial review of issue 14: a log between two others that is missing (deleted by hand, or
//! lost with a directory entry by a disk or a tool) is not noticed. `open`
//! replays the logs around it and succeeds, without the acknowledged writes
//! the missing log held while the writes of the later logs are there: a
//! database with a hole, and no error, in the default mode; and under
//! point-in-time recovery, which promises a prefix with no hole, the same
//! hole.
//!
//! A crash cannot remove a log: its name is made durable (directory synced)
//! before it takes a write, and logs are deleted only below the manifest's
//! `log_number`. So a gap among the logs from `log_number` on is damage,
//! like an older log cut at a record boundary
//! (`regression_older_log_cut_at_record_boundary_loses_writes.rs`): the
//! promise of `docs/reliability.md` for that scenario is "never a database
//! missing acknowledged writes while later ones are there". Timestamps are
//! consecutive from log to log (each write takes the last plus one), so the
//! gap is visible at open: the first record after it does not follow the
//! last one before it.

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

mod common;

use common::{dir, fault_config, writes_left_in_logs, Ending};

const PUTS: usize = 60;

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        // Several logs, all kept by `writes_left_in_logs`.
        wal_max_file_size: 8 << 10,
        ..fault_config(fs, mode)
    }
}

fn key(i: usize) -> String {
    format!("k{i:04}")
}

/// A closed database over at least three logs, with its second log removed.
fn database_without_its_second_log() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let config = config(&fs, RecoveryMode::default());
    let fs = writes_left_in_logs(&fs, config, Ending::Close, |db| {
        for i in 0..PUTS {
            db.put(key(i), vec![b'v'; 500]).unwrap();
        }
    });
    let logs = wal_files(&fs, &dir()).unwrap();
    assert!(logs.len() >= 3, "{logs:?}");
    fs.remove(&logs[1].1).unwrap();
    fs
}

fn missing(db: &StorageEngine) -> Vec<usize> {
    (0..PUTS)
        .filter(|&i| db.get(key(i)).unwrap().is_none())
        .collect()
}

#[test]
fn regression_missing_middle_log_opens_with_hole_in_the_default_mode() {
    let fs = database_without_its_second_log();
    match StorageEngine::open(config(&fs, RecoveryMode::default())) {
        Ok(db) => {
            let gone = missing(&db);
            assert!(
                gone.is_empty(),
                "opened without error although a log between two others is missing: \
                 acknowledged writes {gone:?} are gone while later ones (up to {}) are there",
                PUTS - 1
            );
        }
        Err(err) => assert!(err.is_corruption(), "{err}"),
    }
}

#[test]
fn regression_missing_middle_log_point_in_time_is_not_a_prefix() {
    let fs = database_without_its_second_log();
    let db = StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    let gone = missing(&db);
    let present: Vec<usize> = (0..PUTS).filter(|i| !gone.contains(i)).collect();
    let is_prefix = present.iter().enumerate().all(|(n, &i)| n == i);
    assert!(
        is_prefix,
        "point-in-time recovery opened a database with a hole: writes {gone:?} are missing \
         while later writes (up to {:?}) are there",
        present.last()
    );
}
