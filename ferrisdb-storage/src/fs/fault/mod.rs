//! An in-memory file system that simulates power loss and injects faults.
//!
//! [`FaultFileSystem`] keeps every file in memory and models what a real disk
//! promises, and no more:
//!
//! - A file's bytes survive a crash only as of its last
//!   [`sync`](crate::fs::WritableFile::sync): its size then, and its bytes
//!   then, whether written since past them or in place over zeros
//!   [`set_len`](crate::fs::WritableFile::set_len) preallocated. With torn
//!   writes on, a crash may keep a random prefix, in file order, of what was
//!   written since instead, as a disk that wrote some sectors before the
//!   power went does.
//! - A name (a created file, a rename, a removal) survives a crash only if the
//!   directory was synced after it ([`FileSystem::sync_dir`](crate::fs::FileSystem::sync_dir)). Until then the
//!   directory's last synced listing is what a crash restores. With
//!   [`enable_strict_directories`](FaultFileSystem::enable_strict_directories)
//!   the same holds for new directories.
//!
//! - A failed [`sync`](crate::fs::WritableFile::sync) (an injected fault) loses the
//!   bytes it was to make durable for good, as Linux does after an `fsync`
//!   error: they stay readable while the machine runs, a later sync that
//!   succeeds does not save them, and a crash turns them into zeros. Code that
//!   retries a failed sync and trusts the result is caught.
//!
//! [`crash`](FaultFileSystem::crash) applies exactly those rules: afterwards
//! the file system holds what a machine would find after rebooting, and a test
//! opens the database again to check that nothing acknowledged is missing.
//!
//! [`crash_with`](FaultFileSystem::crash_with) leaves any state a real file
//! system may leave, not only prefixes: unsynced 4 KiB pages kept, zeroed,
//! torn or garbage in any combination (a later page kept while an earlier
//! one is lost), garbage past the end, and each unsynced creation, rename,
//! link, removal and directory surviving or not, independently of the others
//! and of the data. A [`CrashModel`]'s seed picks the state and a
//! [`CrashReport`] says what it was (see `crash_model.rs` for the model and
//! why it is sound).
//!
//! It can also fail the Nth operation ([`FaultFileSystem::fail_at`]), once or
//! from then on, with `EIO` or `ENOSPC` (optionally only on files whose name
//! contains a pattern, [`FaultFileSystem::fail_path_at`]), and flip a byte of
//! every read of one file ([`FaultFileSystem::corrupt_reads`]).
//!
//! # Crash points
//!
//! [`crash_after`](FaultFileSystem::crash_after) stops the machine right after
//! its `k`th operation (counted by [`total_operations`](FaultFileSystem::total_operations)):
//! every later operation fails with `EIO` and changes nothing, as if the power
//! went at that instant, while the engine's threads carry on seeing errors. A
//! test counts the operations of a seeded workload once, then for a sample of
//! `k` runs it again with `crash_after(k)` and opens the database on
//! [`crash`](FaultFileSystem::crash)'s result. Background threads make the
//! exact operation that `k` lands on vary from run to run; the invariants the
//! tests check hold at every `k`.
//!
//! [`hold_syncs`](FaultFileSystem::hold_syncs) makes the syncs of some files
//! wait until the test lets them go, to look at the engine while a sync is
//! in flight.
//!
//! [`fork`](FaultFileSystem::fork) copies the whole file system (every file
//! with all its bytes), so a test can damage many copies of one database.
//!
//! Files are addressed by path; a "directory" is the parent of its files'
//! paths, and exists once created with [`FileSystem::create_dir_all`](crate::fs::FileSystem::create_dir_all).

use std::collections::{BTreeMap, BTreeSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use rand::rngs::StdRng;

use crate::{Error, Result};
use inode::Inode;

/// The kinds of operation a fault can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// Creating a file.
    Create,
    /// Appending to a file, or setting its length.
    Write,
    /// Syncing a file or a directory.
    Sync,
    /// Renaming or removing a file.
    Rename,
    /// Reading or opening a file.
    Read,
}

/// What an injected fault looks like to the engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultKind {
    /// An I/O error (`EIO`).
    Io,
    /// The disk is full (`ENOSPC`).
    NoSpace,
}

#[derive(Debug, Clone)]
struct FailRule {
    /// 1-based index, among counted operations, of the first to fail.
    at: u64,
    /// Keep failing every counted operation after the first failure.
    persistent: bool,
    kinds: Vec<OpKind>,
    fault: FaultKind,
    /// Only operations on paths whose file name contains this are counted.
    path_contains: Option<String>,
}

impl FailRule {
    fn applies(&self, kind: OpKind, path: &Path) -> bool {
        self.kinds.contains(&kind)
            && self.path_contains.as_deref().is_none_or(|pattern| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.contains(pattern))
            })
    }
}

type InodeRef = Arc<Mutex<Inode>>;

#[derive(Debug, Default)]
struct State {
    /// The names a running process sees.
    live: BTreeMap<PathBuf, InodeRef>,
    /// Per directory, the names as of its last sync: what a crash restores.
    durable: BTreeMap<PathBuf, BTreeMap<PathBuf, InodeRef>>,
    dirs: BTreeSet<PathBuf>,
    /// With strict directories: directories created since their parent was
    /// last synced, which a crash loses. `None`: directories are durable at
    /// once.
    unsynced_dirs: Option<BTreeSet<PathBuf>>,
    locks: BTreeSet<PathBuf>,
    ops: u64,
    rule: Option<FailRule>,
    failed: u64,
    corrupt: Option<(PathBuf, u64)>,
    torn_writes: Option<StdRng>,
    /// Name changes (creations, renames, links, removals) not yet made
    /// durable by a directory sync, in the order they happened: what
    /// [`crash_with`](FaultFileSystem::crash_with) may keep in any
    /// combination.
    pending: Vec<crash_model::NameOp>,
    /// Set by a crash: the machine is off, every operation fails.
    dead: bool,
    /// Every operation since the file system was made, failed ones included.
    total_ops: u64,
    /// Operations after this many (in `total_ops`) find the machine dead.
    crash_after: Option<u64>,
}

/// An in-memory [`FileSystem`](crate::fs::FileSystem) for tests: crash simulation and fault injection.
#[derive(Debug, Clone, Default)]
pub struct FaultFileSystem {
    state: Arc<Mutex<State>>,
    /// Syncs held until the test lets them go ([`hold_syncs`](Self::hold_syncs)).
    gate: Arc<gate::SyncGate>,
}

fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    // A panicking test thread must not hide the file system from the others.
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lock_inode(inode: &Mutex<Inode>) -> MutexGuard<'_, Inode> {
    inode
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl FaultFileSystem {
    /// An empty file system.
    pub fn new() -> Self {
        Self::default()
    }

    /// Fails the `n`th counted operation from now (1 = the next one) of the
    /// given kinds, and with `persistent` every one after it too.
    pub fn fail_at(&self, n: u64, persistent: bool, kinds: &[OpKind], fault: FaultKind) {
        let mut state = lock(&self.state);
        state.ops = 0;
        state.failed = 0;
        state.rule = Some(FailRule {
            at: n.max(1),
            persistent,
            kinds: kinds.to_vec(),
            fault,
            path_contains: None,
        });
    }

    /// Like [`fail_at`](Self::fail_at), but counts (and fails) only
    /// operations on files whose name contains `pattern`: `".sst"` fails
    /// table writes and leaves the log alone.
    pub fn fail_path_at(
        &self,
        n: u64,
        persistent: bool,
        kinds: &[OpKind],
        fault: FaultKind,
        pattern: &str,
    ) {
        self.fail_at(n, persistent, kinds, fault);
        if let Some(rule) = lock(&self.state).rule.as_mut() {
            rule.path_contains = Some(pattern.to_owned());
        }
    }

    /// Stops injecting failures.
    pub fn heal(&self) {
        lock(&self.state).rule = None;
    }

    /// How many operations failed because of [`fail_at`](Self::fail_at).
    pub fn failures(&self) -> u64 {
        lock(&self.state).failed
    }

    /// Operations of the failing kinds counted since `fail_at` (or all
    /// operations, if no rule is set); a test runs a workload once to learn
    /// how many failure points to try.
    pub fn operations(&self) -> u64 {
        lock(&self.state).ops
    }

    /// Flips the bits of the byte at `offset` of `path` in every read.
    pub fn corrupt_reads(&self, path: &Path, offset: u64) {
        lock(&self.state).corrupt = Some((path.to_path_buf(), offset));
    }

    /// The names of every file that exists now, for tests that look for
    /// orphans.
    pub fn files(&self) -> Vec<PathBuf> {
        lock(&self.state).live.keys().cloned().collect()
    }

    /// Counts an operation and decides whether it fails.
    fn check(&self, kind: OpKind, path: &Path) -> Result<()> {
        let mut state = lock(&self.state);
        if state.crash_after.is_some_and(|k| state.total_ops >= k) {
            state.dead = true;
        }
        if state.dead {
            return Err(Error::io(
                path,
                io::Error::other("simulated power loss: this file system has crashed"),
            ));
        }
        state.total_ops += 1;
        let Some(rule) = state.rule.clone() else {
            state.ops += 1;
            return Ok(());
        };
        if !rule.applies(kind, path) {
            return Ok(());
        }
        state.ops += 1;
        let fail = state.ops == rule.at || (rule.persistent && state.ops > rule.at);
        if !fail {
            return Ok(());
        }
        state.failed += 1;
        let error = match rule.fault {
            FaultKind::Io => io::Error::other("injected I/O error (EIO)"),
            FaultKind::NoSpace => io::Error::new(
                io::ErrorKind::StorageFull,
                "injected: no space left on device (ENOSPC)",
            ),
        };
        Err(Error::io(path, error))
    }

    fn not_found(path: &Path) -> Error {
        Error::io(path, io::Error::from(io::ErrorKind::NotFound))
    }
}

mod crash;
mod crash_kinds;
mod crash_model;
mod files;
mod gate;
mod inode;
mod pages;
mod report;

pub use crash_kinds::{CrashKind, CrashModel};
pub use gate::HeldSyncs;
pub use inode::PAGE_SIZE;
pub use pages::{PageFate, SECTOR_SIZE};
pub use report::CrashReport;

#[cfg(test)]
mod crash_model_tests;
#[cfg(test)]
mod tests;
