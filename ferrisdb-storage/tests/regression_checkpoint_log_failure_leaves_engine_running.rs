//! Regression (found by the review of issue 18, "There is one sticky-error
//! scheme, not two"): a failure of the log's flush inside `checkpoint`
//! stopped the log writer (`WalWriter`'s own `failed`) but not the engine.
//!
//! Every other failure of the log (a write's append or sync, a rotation,
//! `sync_wal()`) goes through `Inner::stop_after_failed_log`, which sets the
//! engine's background error: from then on every write is refused with
//! `Error::Background` until the database is reopened
//! (`docs/deep-dive/wal-crash-recovery.md`: "the engine has one sticky
//! error, set by the first failure of the log, a flush or a compaction").
//! `Inner::checkpoint` returned the log flush's error without it
//! (`engine/checkpoint.rs`): the writer's own sticky failure then refused
//! the next write with an `Error::Io` about "an earlier failure", the
//! engine reported no background error, and flushes and compactions
//! carried on: two sticky errors, which disagreed. Now the checkpoint's
//! failed log flush stops the engine too.

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode};

mod common;

use common::fault_config;

#[test]
fn a_failed_log_flush_in_checkpoint_stops_the_engine() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        wal_sync_mode: SyncMode::None,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    // Buffered in the process (SyncMode::None): the checkpoint must flush
    // them to copy the log.
    db.put("a", "1").unwrap();
    db.put("b", "2").unwrap();
    fs.fail_path_at(1, false, &[OpKind::Write], FaultKind::Io, ".wal");
    let err = db.checkpoint("/copy").unwrap_err();
    assert!(matches!(err, Error::Io { .. }), "{err}");
    fs.heal();

    // The log writer refuses everything now; the engine should say it
    // stopped, as it does after every other failure of the log.
    let err = db.put("c", "3").unwrap_err();
    assert!(
        matches!(err, Error::Background(_)),
        "after the log failed under checkpoint, a write gets {err:?} instead of the engine's \
         background error: the log writer's sticky error and the engine's disagree"
    );
}
