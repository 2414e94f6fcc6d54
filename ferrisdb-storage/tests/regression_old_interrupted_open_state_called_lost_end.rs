//! Regression (found by the review of issue 18): a database that an `open`
//! of a FerrisDB before 40c89a2 left when it lost power. That `open`
//! created its new log under its own name (`NNNNNN.wal`, header synced,
//! name synced) before it replayed the crashed log, and retired the crashed
//! log only in the manifest after the replay; a power loss in between left
//! the crashed, unsealed log followed by a header-only log that no rotation
//! made, with every acknowledged write in the crashed log.
//!
//! Byte for byte that is also an older log that lost its end at a record
//! boundary followed by an empty log (`regression_log_cut_before_logs_
//! without_writes_opens_smaller.rs`), which must never open smaller. So
//! the default mode still refuses it, but the error no longer says only
//! that the log "was complete and lost its end": it names the interrupted
//! open as the other cause and the way out, and that way out,
//! `PointInTimeRecovery`, opens it with every write.

mod common;

use std::sync::Arc;

use common::{dir, full_sync_config};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::internals::wal::{wal_files, WalOptions, WalWriter};
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine};

const WRITES: usize = 10;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    full_sync_config(fs, RecoveryMode::default())
}

#[test]
fn regression_old_interrupted_open_state_called_lost_end() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..WRITES {
        db.put(format!("key{i}"), "value").unwrap();
    }
    let crashed = fs.crash();
    drop(db);

    // What the older open did before it lost power: its new log, numbered
    // after every file of the directory, under its own name, header synced
    // and its name durable (`WalWriter::create`), nothing appended.
    let state = manifest::load(&crashed, &dir()).unwrap().unwrap();
    let (last_log, _) = wal_files(&crashed, &dir()).unwrap().pop().unwrap();
    assert_eq!(
        last_log, state.log_number,
        "the crashed log holds the writes"
    );
    let number = state.next_file_number.max(last_log + 1);
    let writer = WalWriter::create(
        Arc::new(crashed.clone()),
        dir(),
        number,
        WalOptions::default(),
    )
    .unwrap();
    drop(writer);
    let rebooted = crashed.crash();
    assert_eq!(wal_files(&rebooted, &dir()).unwrap().len(), 2);
    assert!(rebooted
        .exists(&dir().join(format!("{number:06}.wal")))
        .unwrap());

    let err = StorageEngine::open(config(&rebooted))
        .map(drop)
        .unwrap_err();
    assert!(err.is_corruption(), "{err}");
    let message = err.to_string();
    for says in [
        "holds no writes",
        "older FerrisDB",
        "PointInTimeRecovery opens it whole",
    ] {
        assert!(message.contains(says), "{message}");
    }
    let db = StorageEngine::open(StorageConfig {
        wal_recovery_mode: RecoveryMode::PointInTimeRecovery,
        ..config(&rebooted)
    })
    .unwrap();
    for i in 0..WRITES {
        assert!(db.get(format!("key{i}")).unwrap().is_some(), "lost key{i}");
    }
    assert_eq!(db.stats().recovery_dropped_wal_records, 0);
}
