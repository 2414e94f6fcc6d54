//! Shared by the reliability scenarios (power loss, I/O errors, disk full,
//! corruption, the state machine): a seeded workload, the history of what the
//! engine acknowledged, and the checks run after recovery.
//!
//! # What "no acknowledged write lost, no holes" means here
//!
//! A workload is a sequence of writes `W1, W2, ...` (batches of puts,
//! deletes and, with [`Shape::range_deletes`], range and prefix deletes,
//! each applied in its batch's order) issued by one thread under `SyncMode::Full`, each recorded as
//! acknowledged (`Ok`) or failed (`Err`). After recovery the database must
//! hold exactly the state of applying `W1 ..= Wm` in order, for some `m` at
//! or after the last acknowledged write, where each *failed* write among them
//! may be either applied whole or left out (an error does not promise that a
//! write is absent, only that it was not acknowledged). So every acknowledged
//! write is there, batches are atomic, and nothing newer is there while
//! something older is missing: a prefix of the history, with no holes.
//!
//! A workload may write several keyspaces, creating them itself; the model
//! holds every keyspace in one map (a key of keyspace `ks` is `"ks\0key"`),
//! so the same check makes a batch across keyspaces whole or absent. An
//! acknowledged create must survive ([`History::check_keyspaces`]).
//!
//! The configuration's tiny levels make background compactions run during
//! every workload, so crash points and faults land in them too.
//!
//! This file holds the database the scenarios run (its directory, file system
//! and settings), the operation kinds faults hit and the reading of a
//! scenario's knobs from the environment. [`workload`] generates and runs
//! workloads, [`history`] judges a recovered state against what was
//! acknowledged, and [`checks`] holds the other checks after a run or a
//! recovery. [`change`] holds a write's changes and applies them to a model
//! state. [`keyspaces`] maps model keys to keyspaces, routes a write's
//! changes to them and reads every keyspace back. [`power_loss`] drives the
//! scenarios over the crash model's states (`FaultFileSystem::crash_with`).

#![allow(dead_code)]

mod change;
mod checks;
mod history;
mod keyspaces;
mod power_loss;
mod workload;

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, OpKind};
use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine, SyncMode};

// Not every scenario uses something of every module.
#[allow(unused_imports)]
pub use change::*;
#[allow(unused_imports)]
pub use checks::*;
#[allow(unused_imports)]
pub use history::*;
#[allow(unused_imports)]
pub use keyspaces::*;
#[allow(unused_imports)]
pub use power_loss::*;
#[allow(unused_imports)]
pub use workload::*;

/// The directory every in-memory database lives in.
pub fn db_dir() -> PathBuf {
    PathBuf::from("/db")
}

/// A fresh in-memory file system holding nothing, on which a new directory
/// survives a crash only once its parent is synced.
pub fn fresh_fs() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    fs
}

/// The engine settings of the scenarios: `Full` sync, the smallest MemTables
/// and logs, so flushes (and their manifest updates) and log rotations happen
/// every few dozen writes.
pub fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 4 << 10,
        max_immutable_memtables: 1,
        // The smallest logs, so the log also rotates inside a MemTable's life.
        wal_max_file_size: 4 << 10,
        block_size: 512,
        compaction_style: tiny_levels(8 << 10),
        target_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(db_dir())
    }
}

/// Leveled compaction with a level 1 of `level_base` bytes and each level
/// twice the one above: tiny levels, so crash points and faults also land in
/// compactions.
pub fn tiny_levels(level_base: u64) -> CompactionStyle {
    CompactionStyle::Leveled(LeveledOptions {
        level0_file_num_compaction_trigger: 2,
        max_bytes_for_level_base: level_base,
        max_bytes_for_level_multiplier: 2,
    })
}

/// Opens the database of the scenarios on `fs`.
pub fn open(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(config(fs))
}

/// Opens the database as [`open`] does, but without automatic compactions:
/// the tables a scenario flushes stay as they are until it reads them.
pub fn open_without_compactions(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        ..config(fs)
    })
}

/// An environment variable as a number, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The operation kinds a fault can hit, all of them.
pub const ALL_KINDS: [OpKind; 5] = [
    OpKind::Create,
    OpKind::Write,
    OpKind::Sync,
    OpKind::Rename,
    OpKind::Read,
];
