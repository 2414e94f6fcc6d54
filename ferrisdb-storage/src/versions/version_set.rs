//! The version set: the one owner of the live tables, the manifest that
//! records them, and the file numbers (LevelDB's `VersionSet`, RocksDB's
//! with its `ColumnFamilySet`).
//!
//! The tables belong to keyspaces ([`KeyspaceVersions`]), each with its own
//! super version; the set of them ([`KeyspaceSet`]), the manifest, the file
//! numbers and the table cache are the database's, one each. Flushes,
//! compactions and recovery change a keyspace's tables only through
//! [`VersionSet::log_and_apply`]: under the `manifest` lock it applies an
//! edit to the keyspace's current version, writes the result to the
//! manifest, durably, and only then installs it for readers. So versions
//! change one at a time, and a reader never sees a table the manifest does
//! not list.
//!
//! Lock order (see `engine/mod.rs` for the engine's other locks):
//! `manifest` before `keyspaces` before a keyspace's `current`; `keyspaces`
//! and `current` are leaves, held only to clone or swap an `Arc`.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use super::{KeyspaceSet, KeyspaceVersions, SuperVersion, Table, TableCache, VersionEdit};
use crate::filename::table_file_name;
use crate::fs::SharedFileSystem;
use crate::lock::{lock, DirectoryLock};
use crate::manifest::{self, ClosedLog, ManifestState, TableRecord};
use crate::{Error, FeatureClass, KeyspaceId, Result, Timestamp, DEFAULT_KEYSPACE_ID};

/// The live tables and everything that records them.
#[derive(Debug)]
pub(crate) struct VersionSet {
    pub(crate) fs: SharedFileSystem,
    pub(crate) dir: PathBuf,
    /// The directory's lock, held from `open` until `close` releases it
    /// (`release_lock`), not for as long as this state lives: a `Snapshot`
    /// that outlives `close` keeps the state alive, only to read.
    dir_lock: DirectoryLock,
    /// The open table files.
    table_cache: Arc<TableCache>,
    /// The state of the durable manifest. Its lock serializes changes to
    /// the set of tables, and to the set of keyspaces.
    pub(super) manifest: Mutex<ManifestState>,
    /// The next file number, for tables and logs alike.
    next_file_number: Arc<AtomicU64>,
    /// Set while `open` replays the logs: its tables may take the file
    /// numbers kept for `open` (see [`manifest::FILE_NUMBERS_KEPT_FOR_OPEN`]).
    opening: AtomicBool,
    /// The live keyspaces, replaced whole, only under `manifest`
    /// (`keyspace_lifecycle.rs`).
    pub(super) keyspaces: RwLock<Arc<KeyspaceSet>>,
    /// The incompatible features the durable manifest declares: its
    /// `feature_flags`, set under `manifest` by every manifest write, so a
    /// writer asks without the lock.
    incompatible: AtomicU64,
    /// A read-only instance's: [`store`](Self::store) refuses, so nothing
    /// this set owns is ever written.
    read_only: bool,
}

/// What [`VersionSet::log_and_apply`] did.
#[derive(Debug)]
pub(crate) struct Applied {
    /// The tables the edit removed (a moved table is not removed: its file
    /// stays), to be marked obsolete.
    pub(crate) removed: Vec<Arc<Table>>,
    /// The oldest log the stored manifest still needs: every log below it
    /// may be deleted.
    pub(crate) log_number: u64,
}

impl VersionSet {
    /// The versions of a database being opened, with the manifest `state`
    /// read from `dir` and the keyspaces `keyspaces`.
    pub(crate) fn new(
        fs: SharedFileSystem,
        dir: PathBuf,
        dir_lock: DirectoryLock,
        table_cache: Arc<TableCache>,
        state: ManifestState,
        next_file_number: Arc<AtomicU64>,
        keyspaces: KeyspaceSet,
    ) -> Self {
        VersionSet {
            fs,
            dir,
            dir_lock,
            table_cache,
            incompatible: AtomicU64::new(state.feature_flags(FeatureClass::Incompatible)),
            manifest: Mutex::new(state),
            next_file_number,
            opening: AtomicBool::new(true),
            keyspaces: RwLock::new(Arc::new(keyspaces)),
            read_only: false,
        }
    }

    /// This set, for a read-only instance: it never writes a manifest.
    pub(crate) fn read_only(self) -> Self {
        VersionSet {
            read_only: true,
            ..self
        }
    }

    /// The live keyspaces.
    pub(crate) fn keyspaces(&self) -> Arc<KeyspaceSet> {
        let guard = self.keyspaces.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
    }

    /// Whether keyspace `id` was made and dropped since, rather than never
    /// made: the manifest's counter gives ids out in order and never again.
    pub(crate) fn was_dropped(&self, id: KeyspaceId) -> bool {
        lock(&self.manifest).keyspaces.is_dropped(id)
    }

    /// Applies the edit `make` returns for the current super version of
    /// keyspace `ks`, durably.
    ///
    /// The edit is recorded in a durable manifest (with the next file number,
    /// the newest timestamp of any table, and the oldest log any keyspace
    /// still needs) before the new version is installed for readers; if
    /// writing the manifest fails, nothing changes.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) for a
    /// keyspace dropped meanwhile (nothing changes: its tables are no
    /// longer any manifest's); the I/O error of writing the manifest.
    pub(crate) fn log_and_apply(
        &self,
        ks: &KeyspaceVersions,
        make: impl FnOnce(&SuperVersion) -> VersionEdit,
    ) -> Result<Applied> {
        let mut state = lock(&self.manifest);
        // A drop marks the keyspace under this lock, once the manifest
        // without it is durable.
        ks.check_live()?;
        // No other version change runs while the manifest lock is held, so
        // the version read here is the one the edit replaces.
        let before = ks.current();
        let edit = make(&before);
        self.apply_locked(&mut state, vec![(ks, before, edit)])
    }

    /// Applies each edit of `edits` to the current super version of its
    /// keyspace, durably, in one manifest write: what
    /// [`log_and_apply`](Self::log_and_apply) does for one keyspace, for
    /// several at once. Recovery records every keyspace's replayed tables
    /// so: with a manifest write per keyspace, a crash between two would
    /// leave one keyspace's tables recorded and the logs it was replayed
    /// from still needed by another, to be replayed again into it.
    ///
    /// REQUIRES: each keyspace appears once in `edits`.
    ///
    /// # Errors
    ///
    /// As [`log_and_apply`](Self::log_and_apply); nothing changes.
    pub(crate) fn log_and_apply_all(
        &self,
        edits: Vec<(&KeyspaceVersions, VersionEdit)>,
    ) -> Result<Applied> {
        let mut state = lock(&self.manifest);
        let mut staged = Vec::with_capacity(edits.len());
        for (ks, edit) in edits {
            ks.check_live()?;
            debug_assert!(
                staged
                    .iter()
                    .all(|(k, ..): &(&KeyspaceVersions, _, _)| k.id() != ks.id()),
                "keyspace {} edited twice",
                ks.id()
            );
            staged.push((ks, ks.current(), edit));
        }
        self.apply_locked(&mut state, staged)
    }

    /// Stores a manifest with each keyspace of `edits` holding its edit
    /// applied to `before`, its super version under the `manifest` lock
    /// (`state`), then installs the new versions.
    ///
    /// Every other live keyspace keeps the oldest log its super version
    /// needs ([`log_needed`](SuperVersion::log_needed)), which is right for
    /// it: under the `manifest` lock its tables are the ones the manifest
    /// lists, and writers change super versions without the lock only to
    /// freeze a MemTable, which keeps the frozen one's first log, so no
    /// number passes a log holding writes no table holds.
    fn apply_locked(
        &self,
        state: &mut ManifestState,
        edits: Vec<(&KeyspaceVersions, Arc<SuperVersion>, VersionEdit)>,
    ) -> Result<Applied> {
        let mut logs: Vec<(KeyspaceId, u64)> = self.keyspaces().log_numbers().collect();
        let mut afters = Vec::with_capacity(edits.len());
        for (ks, before, edit) in &edits {
            let needed = before.log_needed_after(edit.flushed());
            match logs.iter_mut().find(|(id, _)| *id == ks.id()) {
                Some(log) => log.1 = needed,
                None => logs.push((ks.id(), needed)),
            }
            afters.push(Arc::new(edit.apply(&before.version)));
        }
        let before_log_number = state.log_number;
        self.store(state, |next| {
            record_log_numbers(next, &logs);
            for ((ks, ..), after) in edits.iter().zip(&afters) {
                match tables_of(next, ks.id()) {
                    Some(tables) => *tables = after.records(),
                    None => debug_assert!(false, "keyspace {} is not in the manifest", ks.id()),
                }
                next.last_timestamp = after
                    .tables()
                    .map(|t| t.record.max_timestamp)
                    .fold(next.last_timestamp, Timestamp::max);
            }
            // The log a clean close recorded is replayed at open and retired
            // by this manifest or an earlier one since.
            next.closed_log = None;
        })?;
        let log_number = state.log_number;
        debug_assert!(
            log_number >= before_log_number,
            "the oldest needed log moved back from {before_log_number} to {log_number}"
        );
        let mut removed = Vec::new();
        for ((ks, before, edit), after) in edits.iter().zip(afters) {
            ks.modify_current(|now| now.with_version(Arc::clone(&after), edit.flushed()));
            let kept: HashSet<u64> = after.tables().map(|t| t.record.file_number).collect();
            removed.extend(
                before
                    .version
                    .tables()
                    .filter(|t| !kept.contains(&t.record.file_number))
                    .cloned(),
            );
        }
        Ok(Applied {
            removed,
            log_number,
        })
    }

    /// Records in the manifest the log a clean close just sealed, and its
    /// length.
    ///
    /// # Errors
    ///
    /// The I/O error of writing the manifest.
    pub(crate) fn record_closed_log(&self, closed: ClosedLog) -> Result<()> {
        self.store(&mut lock(&self.manifest), |next| {
            next.closed_log = Some(closed);
        })
    }

    /// Whether the durable manifest declares the incompatible feature `bit`.
    pub(crate) fn declares_incompatible(&self, bit: u8) -> bool {
        // Acquire pairs with the Release in `store`: a caller that sees the
        // flag runs after the manifest declaring it was durable.
        self.incompatible.load(Ordering::Acquire) & (1 << bit) != 0
    }

    /// Declares the incompatible feature `bit` (one without a record) in a
    /// durable manifest, unless the manifest declares it already. Code that
    /// starts using the feature calls it before it writes the first byte
    /// that needs it.
    ///
    /// # Errors
    ///
    /// The error of writing the manifest; the feature stays undeclared, as
    /// far as this process knows (a write that failed after its rename may
    /// have declared it on disk, which is harmless).
    pub(crate) fn declare_incompatible(&self, bit: u8) -> Result<()> {
        let mut state = lock(&self.manifest);
        if state.features.declares(FeatureClass::Incompatible, bit) {
            return Ok(());
        }
        self.store(&mut state, |next| {
            next.features.declare(FeatureClass::Incompatible, bit);
        })
    }

    /// The manifest's state, locked: no version changes while it is held.
    pub(crate) fn manifest(&self) -> MutexGuard<'_, ManifestState> {
        lock(&self.manifest)
    }

    /// Writes `state` changed by `change`, with the current next file
    /// number, as the new manifest, and keeps it as `state` once durable.
    pub(super) fn store(
        &self,
        state: &mut ManifestState,
        change: impl FnOnce(&mut ManifestState),
    ) -> Result<()> {
        if self.read_only {
            return Err(Error::ReadOnly {
                operation: "writing the manifest",
            });
        }
        let mut next = state.clone();
        change(&mut next);
        next.next_file_number = self.next_file_number();
        manifest::store(self.fs.as_ref(), &self.dir, &next)?;
        // Release: see `declares_incompatible`. Under `manifest`, so the
        // flags stored are those of the newest durable manifest.
        let incompatible = next.feature_flags(FeatureClass::Incompatible);
        self.incompatible.store(incompatible, Ordering::Release);
        *state = next;
        Ok(())
    }

    /// The next file number that will be given out.
    pub(crate) fn next_file_number(&self) -> u64 {
        // Relaxed: a manifest records it under the manifest lock after the
        // files it names were made; the number orders nothing else.
        self.next_file_number.load(Ordering::Relaxed)
    }

    /// A fresh file number, for a table or a log; a corruption error once
    /// they are used up (see [`manifest::take_file_number`]).
    pub(crate) fn new_file_number(&self) -> Result<u64> {
        // Relaxed: only the thread running `open` sets or clears it, before
        // any other thread starts.
        let for_open = self.opening.load(Ordering::Relaxed);
        manifest::take_file_number(&self.next_file_number, &self.dir, for_open)
    }

    /// Ends `open`: from now on the file numbers kept for it are refused.
    pub(crate) fn finish_opening(&self) {
        self.opening.store(false, Ordering::Relaxed);
    }

    /// Opens the table `record` describes as a live table of this database.
    ///
    /// # Errors
    ///
    /// The error of opening the table file.
    pub(crate) fn open_table(&self, record: TableRecord) -> Result<Arc<Table>> {
        let path = self.dir.join(table_file_name(record.file_number));
        Table::open(&self.table_cache, &path, record, &self.dir_lock)
    }

    /// How many table files are open.
    pub(crate) fn open_table_files(&self) -> usize {
        self.table_cache.open_files()
    }

    /// Bytes the open table files' indexes and filters hold in memory.
    pub(crate) fn table_reader_bytes(&self) -> usize {
        self.table_cache.open_reader_bytes()
    }

    /// Releases the directory's lock, so the database can be opened again;
    /// an obsolete table let go of after this leaves its file for the next
    /// open to delete.
    pub(crate) fn release_lock(&self) {
        lock(&self.dir_lock).take();
    }
}

/// The tables `state` lists for keyspace `id`, if it lists the keyspace.
fn tables_of(state: &mut ManifestState, id: KeyspaceId) -> Option<&mut Vec<TableRecord>> {
    if id == DEFAULT_KEYSPACE_ID {
        return Some(&mut state.tables);
    }
    let record = state.keyspaces.records.iter_mut().find(|r| r.id == id)?;
    Some(&mut record.tables)
}

/// Records in `next` each keyspace's oldest needed log, from `logs`, and
/// the smallest of them, the oldest log the database needs, as its
/// `log_number` (what the manifest's decoder checks it is). A keyspace the
/// manifest lists that `logs` lacks keeps its number: its logs are kept.
pub(super) fn record_log_numbers(next: &mut ManifestState, logs: &[(KeyspaceId, u64)]) {
    for &(id, log) in logs {
        if id == DEFAULT_KEYSPACE_ID {
            next.keyspaces.default_log_number = log;
        } else if let Some(record) = next.keyspaces.records.iter_mut().find(|r| r.id == id) {
            record.log_number = log;
        } else {
            debug_assert!(false, "keyspace {id} is not in the manifest");
        }
    }
    // A live keyspace the manifest lacks (a bug) still holds logs back; the
    // next open then refuses the manifest instead of losing its writes.
    next.log_number = logs
        .iter()
        .map(|&(_, log)| log)
        .fold(next.keyspaces.oldest_log_number(), u64::min);
}

#[cfg(test)]
mod tests;
