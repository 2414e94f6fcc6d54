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
use crate::{Result, Timestamp, DEFAULT_KEYSPACE_ID};

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
    manifest: Mutex<ManifestState>,
    /// The next file number, for tables and logs alike.
    next_file_number: Arc<AtomicU64>,
    /// Set while `open` replays the logs: its tables may take the file
    /// numbers kept for `open` (see [`manifest::FILE_NUMBERS_KEPT_FOR_OPEN`]).
    opening: AtomicBool,
    /// The live keyspaces, replaced whole, only under `manifest`.
    keyspaces: RwLock<Arc<KeyspaceSet>>,
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
            manifest: Mutex::new(state),
            next_file_number,
            opening: AtomicBool::new(true),
            keyspaces: RwLock::new(Arc::new(keyspaces)),
        }
    }

    /// The live keyspaces.
    pub(crate) fn keyspaces(&self) -> Arc<KeyspaceSet> {
        let guard = self.keyspaces.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
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
        let after = Arc::new(edit.apply(&before.version));
        let log_number = self.log_number_with(ks, before.log_needed_after(edit.flushed()));
        debug_assert!(
            log_number >= state.log_number,
            "the oldest needed log moved back from {} to {log_number}",
            state.log_number
        );
        self.store(&mut state, |next| {
            debug_assert_eq!(
                ks.id(),
                DEFAULT_KEYSPACE_ID,
                "a manifest lists only default"
            );
            next.tables = after.records();
            next.log_number = log_number;
            next.last_timestamp = after
                .tables()
                .map(|t| t.record.max_timestamp)
                .fold(next.last_timestamp, Timestamp::max);
            // The log a clean close recorded is replayed at open and retired
            // by this manifest or an earlier one since.
            next.closed_log = None;
        })?;
        ks.modify_current(|now| now.with_version(Arc::clone(&after), edit.flushed()));
        let kept: HashSet<u64> = after.tables().map(|t| t.record.file_number).collect();
        let removed = before
            .version
            .tables()
            .filter(|t| !kept.contains(&t.record.file_number))
            .cloned()
            .collect();
        Ok(Applied {
            removed,
            log_number,
        })
    }

    /// The oldest log any live keyspace needs once keyspace `ks` needs only
    /// the logs from `needed` on: the manifest's `log_number`.
    ///
    /// Under the `manifest` lock, every keyspace's tables are the ones the
    /// manifest lists, so its super version's
    /// [`log_needed`](SuperVersion::log_needed) is right for it: writers
    /// change super versions without the lock only to freeze a MemTable,
    /// which keeps the frozen one's first log, so the result never passes a
    /// log holding writes no table holds.
    fn log_number_with(&self, ks: &KeyspaceVersions, needed: u64) -> u64 {
        self.keyspaces()
            .log_numbers()
            .map(|(id, log)| if id == ks.id() { needed } else { log })
            .fold(needed, u64::min)
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

    /// The manifest's state, locked: no version changes while it is held.
    pub(crate) fn manifest(&self) -> MutexGuard<'_, ManifestState> {
        lock(&self.manifest)
    }

    /// Writes `state` changed by `change`, with the current next file
    /// number, as the new manifest, and keeps it as `state` once durable.
    fn store(
        &self,
        state: &mut ManifestState,
        change: impl FnOnce(&mut ManifestState),
    ) -> Result<()> {
        let mut next = state.clone();
        change(&mut next);
        next.next_file_number = self.next_file_number();
        manifest::store(self.fs.as_ref(), &self.dir, &next)?;
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

    /// Releases the directory's lock, so the database can be opened again;
    /// an obsolete table let go of after this leaves its file for the next
    /// open to delete.
    pub(crate) fn release_lock(&self) {
        lock(&self.dir_lock).take();
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};

    use super::VersionSet;
    use crate::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
    use crate::manifest::{self, ManifestState};
    use crate::memtable::MemTable;
    use crate::sstable::BlockCache;
    use crate::versions::keyspace::test_support::keyspace;
    use crate::versions::{KeyspaceSet, KeyspaceVersions, TableCache, VersionEdit};
    use crate::Error;

    /// The versions of a new database in `/db` on `fs`, of the keyspaces
    /// `keyspaces`.
    fn versions(fs: &FaultFileSystem, keyspaces: KeyspaceSet) -> VersionSet {
        let dir = PathBuf::from("/db");
        fs.create_dir_all(&dir).unwrap();
        let shared: SharedFileSystem = Arc::new(fs.clone());
        let cache = TableCache::new(Arc::clone(&shared), Arc::new(BlockCache::new(1 << 20)), 8);
        VersionSet::new(
            shared,
            dir,
            Arc::new(Mutex::new(None)),
            Arc::new(cache),
            ManifestState::default(),
            Arc::new(AtomicU64::new(20)),
            keyspaces,
        )
    }

    /// The edit of a flush of `memtables` into no table.
    fn flushed(memtables: Vec<Arc<MemTable>>) -> VersionEdit {
        VersionEdit::Flushed {
            tables: Vec::new(),
            memtables,
        }
    }

    /// Freezes the active MemTable of `ks` and starts one in log `log`.
    fn freeze(ks: &KeyspaceVersions, log: u64) -> Arc<MemTable> {
        let next = Arc::new(MemTable::new(4 << 10));
        ks.modify_current(|now| now.with_frozen_active(next, log));
        Arc::clone(&ks.current().frozen[0].memtable)
    }

    #[test]
    fn the_log_number_is_the_oldest_any_keyspace_still_needs() {
        let fs = FaultFileSystem::new();
        let default = keyspace(0, "default", 5);
        let cold = keyspace(1, "cold", 4);
        let vs = versions(
            &fs,
            KeyspaceSet::new(Arc::clone(&default)).with_created(Arc::clone(&cold)),
        );
        let load = || manifest::load(&fs, "/db".as_ref()).unwrap().unwrap();

        // `default` writes to log 7 after freezing its MemTable of log 5:
        // flushing that MemTable, it needs log 7 on, but `cold` needs 4.
        let frozen = freeze(&default, 7);
        let applied = vs
            .log_and_apply(&default, |_| flushed(vec![frozen]))
            .unwrap();
        assert_eq!(applied.log_number, 4);
        assert_eq!((load().log_number, vs.manifest().log_number), (4, 4));
        assert!(default.current().frozen.is_empty());

        // Once `cold` writes to log 9, its MemTable of log 4 gone, the
        // oldest is `default`'s 7.
        let cold_frozen = freeze(&cold, 9);
        cold.modify_current(|now| now.with_version(Arc::clone(&now.version), &[cold_frozen]));
        let applied = vs.log_and_apply(&default, |_| flushed(Vec::new())).unwrap();
        assert_eq!((applied.log_number, load().log_number), (7, 7));
    }

    #[test]
    fn a_dropped_keyspace_is_refused_and_nothing_changes() {
        let fs = FaultFileSystem::new();
        let default = keyspace(0, "default", 5);
        let vs = versions(&fs, KeyspaceSet::new(Arc::clone(&default)));
        vs.log_and_apply(&default, |_| flushed(Vec::new())).unwrap();
        let stored = fs.read_all("/db/MANIFEST".as_ref()).unwrap();
        let state = vs.manifest().clone();
        let frozen = freeze(&default, 7);

        default.mark_dropped();
        let err = vs
            .log_and_apply(&default, |_| {
                panic!("no edit is made for a dropped keyspace")
            })
            .unwrap_err();
        assert!(
            matches!(&err, Error::KeyspaceDropped { name } if name == "default"),
            "{err}"
        );
        assert_eq!(fs.read_all("/db/MANIFEST".as_ref()).unwrap(), stored);
        assert_eq!(*vs.manifest(), state);
        assert!(Arc::ptr_eq(&default.current().frozen[0].memtable, &frozen));
    }
}
