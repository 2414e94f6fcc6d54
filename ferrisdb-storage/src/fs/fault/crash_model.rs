//! Crash states that are not prefixes: [`FaultFileSystem::crash_with`] and
//! the [`CrashModel`] it follows.
//!
//! # What a power loss may leave
//!
//! POSIX promises little, and the model takes it at its word; file systems
//! promise more in practice (ext4's journal commits name changes in order,
//! for one), but code that relies on that breaks on the next one. ALICE
//! (Pillai et al., OSDI 2014) found ext4 and XFS keeping later pages of an
//! append while losing earlier ones, and zeros or garbage at the end of a
//! file. So:
//!
//! - **File data a completed `fsync`/`fdatasync` covered is durable**, byte
//!   for byte, and never touched by a crash (a failed sync's range reads as
//!   zeros, see the [module docs](super)).
//! - **Unsynced data may survive in any combination of pages**: each 4 KiB
//!   page of the unsynced range kept, zeroed, torn at a sector or replaced by
//!   garbage, the file's size anywhere from its synced length to the next
//!   page boundary past what was written; each page written in place over
//!   durable bytes (the zeros `set_len` preallocates) kept, or holding its
//!   durable bytes, or torn between the two at a sector; a size cut since
//!   the last sync kept or not (see `pages.rs` for the shapes).
//! - **A name change (create, rename, hard link, remove) is durable once the
//!   directory holding the name is synced.** Before that, each one survives
//!   or not independently of the others and of the file's data: a new file's
//!   name may survive without its unsynced data, and a synced file renamed
//!   may come back under its old name or its new one, whichever the seed
//!   picks. Survivors are applied in the order they happened, each whole: a
//!   rename moves its file from the old name to the new one or leaves both
//!   names as they were, never half (every journaling file system commits a
//!   rename as one transaction; POSIX makes the target never missing).
//! - **A directory created since its parent's last sync** survives or not,
//!   independently (with strict directories; everything in a lost directory
//!   is lost).
//!
//! # Reproducing a crash
//!
//! Every choice comes from the seed and the name it is about (the file's
//! first name, the name a change touches, the directory), not from one
//! stream, so a crash of the same file system with the same seed gives the
//! same state, and a file system that differs in one file (a background
//! thread ran a little earlier) still crashes every other file the same way.
//! The [`CrashReport`] says what each choice was.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::crash_kinds::{CrashKind, CrashModel};
use super::pages::crash_file;
use super::report::{file_kinds, CrashReport};
use super::{lock, lock_inode, FaultFileSystem, Inode, InodeRef, State};
use crate::fs::parent_dir;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NameOpKind {
    Create,
    Rename,
    Link,
    Remove,
}

/// A name change not yet made durable by a directory sync.
#[derive(Debug)]
pub(super) struct NameOp {
    kind: NameOpKind,
    /// The names it touched, for the report (a rename: from, then to).
    names: Vec<PathBuf>,
    /// What it does to each name not yet synced: bind it to a file, or
    /// remove it (`None`).
    changes: Vec<(PathBuf, Option<InodeRef>)>,
}

impl NameOp {
    /// The same change, with its files mapped by `copy` (for `fork`).
    pub(super) fn copy_with(&self, copy: &mut impl FnMut(&InodeRef) -> InodeRef) -> NameOp {
        NameOp {
            kind: self.kind,
            names: self.names.clone(),
            changes: self
                .changes
                .iter()
                .map(|(path, inode)| (path.clone(), inode.as_ref().map(&mut *copy)))
                .collect(),
        }
    }

    fn describe(&self) -> String {
        let names: Vec<String> = self.names.iter().map(|p| p.display().to_string()).collect();
        match self.kind {
            NameOpKind::Create => format!("create {}", names.join(" ")),
            NameOpKind::Rename => format!("rename {}", names.join(" -> ")),
            NameOpKind::Link => format!("link {}", names.join(" ")),
            NameOpKind::Remove => format!("remove {}", names.join(" ")),
        }
    }
}

impl State {
    /// Remembers a name change until its directory is synced.
    pub(super) fn record_names(
        &mut self,
        kind: NameOpKind,
        changes: Vec<(PathBuf, Option<InodeRef>)>,
    ) {
        let names = changes.iter().map(|(path, _)| path.clone()).collect();
        self.pending.push(NameOp {
            kind,
            names,
            changes,
        });
    }

    /// `dir` was synced: its names are durable as they are now.
    pub(super) fn names_synced(&mut self, dir: &Path) {
        for op in &mut self.pending {
            op.changes.retain(|(path, _)| parent_dir(path) != dir);
        }
        self.pending.retain(|op| !op.changes.is_empty());
    }
}

/// A generator for one choice: seeded by the crash's seed, what is chosen,
/// the name it is about and its index among choices about that name.
fn rng_for(seed: u64, what: &str, path: &Path, index: u64) -> StdRng {
    // FNV-1a: stable across builds, unlike std's hasher.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in what.bytes().chain(path.to_string_lossy().bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mixed = hash ^ seed.rotate_left(29) ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    StdRng::seed_from_u64(mixed)
}

impl FaultFileSystem {
    /// Simulates a power loss as [`crash`](Self::crash) does, but leaves any
    /// state the [`CrashModel`] allows (see the module docs of
    /// `crash_model.rs` and `docs/reliability.md`): unsynced pages kept,
    /// lost, torn or garbage in any combination, unsynced name changes and
    /// directories surviving in any combination. Synced data and synced
    /// names are kept exactly.
    ///
    /// `self` is dead afterwards, as after `crash`; crashing it again (with
    /// another seed) gives another state of the same moment. Returns the
    /// rebooted file system and what the crash did.
    pub fn crash_with(&self, model: CrashModel) -> (FaultFileSystem, CrashReport) {
        let mut state = lock(&self.state);
        state.dead = true;
        let seed = model.seed;
        let mut report = CrashReport::new(model);
        let mut lost_dirs = BTreeSet::new();
        for dir in state.unsynced_dirs.iter().flatten() {
            let kept = model.reorder_names && rng_for(seed, "dir", dir, 0).random_bool(0.5);
            report.dirs.push((dir.clone(), kept));
            if kept {
                report.kinds.insert(CrashKind::UnsyncedDirKept);
            } else {
                report.kinds.insert(CrashKind::UnsyncedDirLost);
                lost_dirs.insert(dir.clone());
            }
        }
        let lost = |dir: &Path| dir.ancestors().any(|a| lost_dirs.contains(a));

        // Names: each directory's listing at its last sync, then the changes
        // since that survive, in the order they happened.
        let mut listings: BTreeMap<PathBuf, BTreeMap<PathBuf, InodeRef>> = state
            .durable
            .iter()
            .filter(|(dir, _)| !lost(dir))
            .map(|(dir, listing)| (dir.clone(), listing.clone()))
            .collect();
        let mut choices: HashMap<&Path, u64> = HashMap::new();
        let mut kept_bindings: Vec<(PathBuf, InodeRef)> = Vec::new();
        for op in &state.pending {
            let first = op.names[0].as_path();
            let index = choices.entry(first).or_default();
            let keep = model.reorder_names && rng_for(seed, "name", first, *index).random_bool(0.5);
            *index += 1;
            report.names.push((op.describe(), keep));
            report.kinds.insert(if keep {
                CrashKind::UnsyncedNameKept
            } else {
                CrashKind::UnsyncedNameLost
            });
            if !keep {
                continue;
            }
            for (path, inode) in &op.changes {
                let dir = parent_dir(path);
                if lost(&dir) {
                    continue;
                }
                let listing = listings.entry(dir).or_default();
                match inode {
                    Some(inode) => {
                        listing.insert(path.clone(), Arc::clone(inode));
                        kept_bindings.push((path.clone(), Arc::clone(inode)));
                    }
                    None => {
                        listing.remove(path);
                    }
                }
            }
        }

        // Data: once per file, however many names it has.
        let mut recovered = State {
            dirs: state.dirs.iter().filter(|d| !lost(d)).cloned().collect(),
            unsynced_dirs: state.unsynced_dirs.as_ref().map(|_| BTreeSet::new()),
            torn_writes: state.torn_writes.clone(),
            ..State::default()
        };
        let mut fresh: HashMap<*const Mutex<Inode>, (InodeRef, bool)> = HashMap::new();
        for (dir, listing) in listings {
            let mut survivors = BTreeMap::new();
            for (path, inode) in listing {
                let (copy, _) = fresh.entry(Arc::as_ptr(&inode)).or_insert_with(|| {
                    let old = lock_inode(&inode);
                    let mut rng = rng_for(seed, "data", &path, 0);
                    let (data, crash) = crash_file(path.clone(), &old, &model, &mut rng);
                    let intact = crash.intact();
                    if old.has_unsynced() {
                        file_kinds(&crash, &mut report.kinds);
                        report.files.push(crash);
                    }
                    (Arc::new(Mutex::new(Inode::durable(data))), intact)
                });
                recovered.live.insert(path.clone(), Arc::clone(copy));
                survivors.insert(path, Arc::clone(copy));
            }
            recovered.durable.insert(dir, survivors);
        }
        let nameless_data = kept_bindings.iter().any(|(path, inode)| {
            let Some((copy, intact)) = fresh.get(&Arc::as_ptr(inode)) else {
                return false;
            };
            !intact
                && recovered
                    .live
                    .get(path)
                    .is_some_and(|c| Arc::ptr_eq(c, copy))
        });
        if nameless_data {
            report.kinds.insert(CrashKind::UnsyncedNameWithoutData);
        }
        let fs = FaultFileSystem {
            state: Arc::new(Mutex::new(recovered)),
            gate: Arc::default(),
        };
        (fs, report)
    }
}
