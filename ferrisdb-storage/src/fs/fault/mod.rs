//! An in-memory file system that simulates power loss and injects faults.
//!
//! [`FaultFileSystem`] keeps every file in memory and models what a real disk
//! promises, and no more:
//!
//! - A file's bytes survive a crash only up to its last
//!   [`sync`](crate::fs::WritableFile::sync). With torn writes on, a crash may keep a
//!   random prefix of the unsynced tail instead, as a disk that wrote some
//!   sectors before the power went does.
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
use rand::{Rng, SeedableRng};

use crate::{Error, Result};

/// The kinds of operation a fault can be injected into.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// Creating a file.
    Create,
    /// Appending to a file.
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

/// The contents of one file (an inode: renames move it to another name).
#[derive(Debug, Default)]
struct Inode {
    data: Vec<u8>,
    /// Bytes that survive a crash.
    synced_len: usize,
    /// Ranges a failed sync dropped: below `synced_len`, yet zeros after a
    /// crash (see [`FaultFileSystem`]'s "failed syncs").
    lost: Vec<std::ops::Range<usize>>,
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

    /// From now on a new directory, like a new file, survives a crash only
    /// once the directory holding it is synced (with everything in it lost
    /// otherwise), as POSIX has it. Directories that exist now are durable.
    /// Off by default: most tests make their directory before anything
    /// matters.
    pub fn enable_strict_directories(&self) {
        let mut state = lock(&self.state);
        if state.unsynced_dirs.is_none() {
            state.unsynced_dirs = Some(BTreeSet::new());
        }
    }

    /// Stops the machine after its `k`th operation in
    /// [`total_operations`](Self::total_operations): that operation completes,
    /// every later one fails with `EIO` and changes nothing. Follow with
    /// [`crash`](Self::crash) to get what survives; with `k` at or below the
    /// operations already done, the machine is dead from the next one on.
    pub fn crash_after(&self, k: u64) {
        lock(&self.state).crash_after = Some(k);
    }

    /// Every operation attempted on this file system since it was made (or
    /// returned by [`crash`](Self::crash) or [`fork`](Self::fork)), whatever
    /// its kind and whether or not it failed: the crash points of a workload.
    pub fn total_operations(&self) -> u64 {
        lock(&self.state).total_ops
    }

    /// Whether the machine is off: after [`crash`](Self::crash), or after the
    /// operation [`crash_after`](Self::crash_after) named.
    pub fn is_dead(&self) -> bool {
        lock(&self.state).dead
    }

    /// An independent copy of the file system as a running process sees it:
    /// every file with all its bytes (synced or not), the directories, the
    /// durable listings; no locks, no fault rules, no corruption. Changes to
    /// one do not show in the other.
    pub fn fork(&self) -> FaultFileSystem {
        let state = lock(&self.state);
        let mut copies: Vec<(InodeRef, InodeRef)> = Vec::new();
        let mut copy_of = |inode: &InodeRef| -> InodeRef {
            if let Some((_, copy)) = copies.iter().find(|(old, _)| Arc::ptr_eq(old, inode)) {
                return Arc::clone(copy);
            }
            let old = lock_inode(inode);
            let copy = Arc::new(Mutex::new(Inode {
                data: old.data.clone(),
                synced_len: old.synced_len,
                lost: old.lost.clone(),
            }));
            drop(old);
            copies.push((Arc::clone(inode), Arc::clone(&copy)));
            copy
        };
        let live = state
            .live
            .iter()
            .map(|(path, inode)| (path.clone(), copy_of(inode)))
            .collect();
        let durable = state
            .durable
            .iter()
            .map(|(dir, listing)| {
                let listing = listing
                    .iter()
                    .map(|(path, inode)| (path.clone(), copy_of(inode)))
                    .collect();
                (dir.clone(), listing)
            })
            .collect();
        FaultFileSystem {
            state: Arc::new(Mutex::new(State {
                live,
                durable,
                dirs: state.dirs.clone(),
                unsynced_dirs: state.unsynced_dirs.clone(),
                torn_writes: state.torn_writes.clone(),
                ..State::default()
            })),
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

    /// On [`crash`](Self::crash), keep a random prefix of each file's unsynced
    /// tail (seeded), instead of dropping the whole tail.
    pub fn enable_torn_writes(&self, seed: u64) {
        lock(&self.state).torn_writes = Some(StdRng::seed_from_u64(seed));
    }

    /// Simulates a power loss and returns the file system a rebooted machine
    /// finds: every name as of its directory's last sync, every file with its
    /// synced bytes (plus, with torn writes, a random prefix of the rest), no
    /// locks held.
    ///
    /// `self` is dead afterwards: every operation on it, or on a file opened
    /// through it, fails with `EIO`, so an engine still running on it (as a
    /// process would be, for the instant before the power goes) cannot touch
    /// the recovered state. Drop that engine and open a new one on the result.
    pub fn crash(&self) -> FaultFileSystem {
        let mut state = lock(&self.state);
        state.dead = true;
        let lost_dir = |dir: &Path| {
            state
                .unsynced_dirs
                .as_ref()
                .is_some_and(|unsynced| dir.ancestors().any(|a| unsynced.contains(a)))
        };
        let mut recovered = State {
            dirs: state
                .dirs
                .iter()
                .filter(|d| !lost_dir(d))
                .cloned()
                .collect(),
            unsynced_dirs: state.unsynced_dirs.as_ref().map(|_| BTreeSet::new()),
            ..State::default()
        };
        let mut rng = state.torn_writes.clone();
        for (dir, listing) in &state.durable {
            if lost_dir(dir) {
                continue;
            }
            let mut survivors = BTreeMap::new();
            for (path, inode) in listing {
                let old = lock_inode(inode);
                let mut keep = old.synced_len;
                if let Some(rng) = rng.as_mut() {
                    keep += rng.random_range(0..=old.data.len() - old.synced_len);
                }
                let mut data = old.data[..keep].to_vec();
                for range in &old.lost {
                    let end = range.end.min(data.len());
                    data[range.start.min(end)..end].fill(0);
                }
                let fresh = Arc::new(Mutex::new(Inode {
                    synced_len: data.len(),
                    data,
                    lost: Vec::new(),
                }));
                recovered.live.insert(path.clone(), Arc::clone(&fresh));
                survivors.insert(path.clone(), fresh);
            }
            recovered.durable.insert(dir.clone(), survivors);
        }
        recovered.torn_writes = rng;
        FaultFileSystem {
            state: Arc::new(Mutex::new(recovered)),
        }
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

mod files;

#[cfg(test)]
mod tests;
