//! The power-loss side of [`FaultFileSystem`]: [`crash`](FaultFileSystem::crash)
//! and its crash points, [`fork`](FaultFileSystem::fork), torn writes and strict
//! directories. The rules a crash applies are in the [module docs](super).

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{lock, lock_inode, FaultFileSystem, Inode, InodeRef, State};

impl FaultFileSystem {
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
    /// durable listings and the name changes not yet durable; no locks, no
    /// fault rules, no corruption. Changes to
    /// one do not show in the other.
    pub fn fork(&self) -> FaultFileSystem {
        let state = lock(&self.state);
        let mut copies: Vec<(InodeRef, InodeRef)> = Vec::new();
        let mut copy_of = |inode: &InodeRef| -> InodeRef {
            if let Some((_, copy)) = copies.iter().find(|(old, _)| Arc::ptr_eq(old, inode)) {
                return Arc::clone(copy);
            }
            let old = lock_inode(inode);
            let copy = Arc::new(Mutex::new(old.clone()));
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
        let pending = state
            .pending
            .iter()
            .map(|op| op.copy_with(&mut copy_of))
            .collect();
        FaultFileSystem {
            state: Arc::new(Mutex::new(State {
                live,
                durable,
                pending,
                dirs: state.dirs.clone(),
                unsynced_dirs: state.unsynced_dirs.clone(),
                torn_writes: state.torn_writes.clone(),
                ..State::default()
            })),
            gate: Arc::default(),
        }
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
                let data = match rng.as_mut() {
                    Some(rng) => torn_prefix(&old, rng),
                    None => old.durable_image(),
                };
                let fresh = Arc::new(Mutex::new(Inode::durable(data)));
                recovered.live.insert(path.clone(), Arc::clone(&fresh));
                survivors.insert(path.clone(), fresh);
            }
            recovered.durable.insert(dir.clone(), survivors);
        }
        recovered.torn_writes = rng;
        FaultFileSystem {
            state: Arc::new(Mutex::new(recovered)),
            gate: Arc::default(),
        }
    }
}

/// What a crash with torn writes leaves of `inode`: its durable bytes, then
/// its unsynced bytes, in file order, up to a random cut (the pages
/// overwritten in place before it new, those after it as they were).
fn torn_prefix(inode: &Inode, rng: &mut StdRng) -> Vec<u8> {
    let mut out = inode.durable_image();
    let (synced, written) = (inode.synced_len, inode.data.len());
    let span = inode.unsynced_span();
    let cut = rng.random_range(span.start..=span.end);
    for range in inode.overwritten_pages() {
        let end = range.end.min(cut);
        if range.start < end {
            out[range.start..end].copy_from_slice(&inode.data[range.start..end]);
        }
    }
    if written < synced {
        if cut == span.end {
            out.truncate(written);
        }
    } else if cut > synced {
        out.extend_from_slice(&inode.data[synced..cut]);
    }
    out
}
