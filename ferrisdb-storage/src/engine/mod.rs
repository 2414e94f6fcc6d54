//! The machinery behind [`StorageEngine`](crate::StorageEngine).
//!
//! The public API lives in `storage_engine/`; this module holds the shared
//! state and the paths through it, one file each:
//!
//! - `write.rs`: the write path (timestamps, WAL, MemTable, making room);
//! - `flush.rs`: the background thread that turns frozen MemTables into tables;
//! - `directory.rs`: whether a directory holds a database, and making a new
//!   one;
//! - `recovery.rs`: opening a database, checking the manifest against the
//!   directory, cleaning up after a crash;
//! - `replay.rs`: replaying the logs under the configured recovery mode;
//! - `version.rs`: the live tables by level, and point reads over them;
//! - `cursors.rs`: the MemTable's and tables' cursors as merge inputs;
//! - `snapshots.rs`, `stats.rs`, `checkpoint.rs`.
//!
//! # Concurrency
//!
//! - The *super version* (`current`) is what a reader needs: the active
//!   MemTable, the frozen ones, and the [`Version`](version::Version) of
//!   tables. It is immutable and replaced whole under a short write lock, by a
//!   function of the one it replaces (`modify_current`), so concurrent
//!   changes compose; a reader clones the `Arc`, loading its read timestamp
//!   under the same read lock (`read_view`), and reads without any lock.
//! - Writers are serialized by the `write` mutex, which owns the WAL writer
//!   and the last timestamp. Under it a writer takes the next timestamp,
//!   appends to the log and inserts into the MemTable, then publishes the
//!   timestamp in `visible`. So timestamps are published in order, and a
//!   reader that sees timestamp `t` sees every write up to `t`. Under
//!   `SyncMode::Full` the fsync happens after the mutex is released, so
//!   concurrent writers share it (group commit), and the write is published
//!   only after it, with `fetch_max`: a reader never sees a write that is not
//!   yet durable, or whose sync failed (see `write.rs`).
//! - The `manifest` mutex serializes changes to the set of tables (flushes,
//!   later compactions), so each is written to the manifest and installed in
//!   `current` as one step.
//! - The `background` mutex and its condition variable coordinate the flush
//!   thread, the compaction threads, stalled writers and shutdown.
//! - Lock order: `write` → `manifest` → `background` → `current`. `current`
//!   is a leaf: nothing is locked while it is held. Nothing waits on `write`
//!   or `manifest` while holding a later lock, so a writer stalled under
//!   `write` never blocks the flush or compaction it waits for.

mod checkpoint;
pub(crate) mod cursors;
mod directory;
mod flush;
pub(crate) mod output;
mod recovery;
mod replay;
mod room;
pub(crate) mod snapshots;
pub mod stats;
pub(crate) mod version;
mod write;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};

use crate::compaction::{CompactionStrategy, RateLimiter};
use crate::fs::{FileLock, SharedFileSystem};
use crate::manifest::{self, ManifestState};
use crate::memtable::MemTable;
use crate::sstable::BlockCache;
use crate::wal::{WalPosition, WalWriter};
use crate::{Error, Result, StorageConfig, Timestamp};

pub(crate) use recovery::open;
use snapshots::SnapshotList;
use stats::Counters;
use version::Version;

/// The directory's lock file while this engine holds it, `None` once
/// released. Shared with every [`Table`](version::Table), which deletes its
/// obsolete file only while the lock is held and holds this mutex while it
/// does, so no file is deleted once another instance may own the directory.
pub(crate) type DirectoryLock = Arc<Mutex<Option<Box<dyn FileLock>>>>;
/// A frozen MemTable waiting for its flush, and the first log holding its
/// writes.
#[derive(Debug, Clone)]
pub(crate) struct Frozen {
    pub(crate) memtable: Arc<MemTable>,
    pub(crate) log_number: u64,
}

/// Everything a read needs, swapped whole when it changes.
#[derive(Debug)]
pub(crate) struct SuperVersion {
    pub(crate) active: Arc<MemTable>,
    /// The first log that holds writes of `active`.
    pub(crate) active_log: u64,
    /// Frozen MemTables, newest first.
    pub(crate) frozen: Vec<Frozen>,
    pub(crate) version: Arc<Version>,
}

/// The writer's side: the log and the timestamp counter.
#[derive(Debug)]
pub(crate) struct WriteState {
    pub(crate) wal: Arc<WalWriter>,
    pub(crate) last_timestamp: Timestamp,
    /// The newest write made under `SyncMode::Full` (engine-wide or per
    /// write) and where its log record ends: until it is published, a later
    /// write waits for its sync before publishing (see `write.rs`).
    pub(crate) last_full: Option<(Timestamp, WalPosition)>,
}

/// What the background thread and stalled writers coordinate on.
#[derive(Debug, Default)]
pub(crate) struct Background {
    pub(crate) shutting_down: bool,
    /// The first failure that stopped the engine (a flush's, a
    /// compaction's, or a `Full` write's log sync); writes are refused once
    /// it is set.
    pub(crate) error: Option<Arc<Error>>,
    /// Tables that running compactions read or remove.
    pub(crate) busy: HashSet<u64>,
    pub(crate) compactions_running: usize,
    /// A manual compaction runs; background compactions wait.
    pub(crate) manual_compaction: bool,
}

impl Background {
    /// Why waiting work must give up: the failure that stopped the engine,
    /// or a close that has begun.
    pub(crate) fn stopped(&self) -> Option<Error> {
        if let Some(error) = &self.error {
            return Some(Error::Background(Arc::clone(error)));
        }
        self.shutting_down.then_some(Error::Closed)
    }
}

/// The engine's shared state.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: StorageConfig,
    pub(crate) fs: SharedFileSystem,
    pub(crate) dir: PathBuf,
    /// The directory's lock, held from `open` until `close` releases it
    /// (`release_lock`), not for as long as this state lives: a `Snapshot`
    /// that outlives `close` keeps the state alive, only to read.
    pub(crate) lock_file: DirectoryLock,
    pub(crate) current: RwLock<Arc<SuperVersion>>,
    pub(crate) write: Mutex<WriteState>,
    /// The newest timestamp whose write is complete in the MemTable (and,
    /// under `SyncMode::Full`, durable in the log, with every write before
    /// it); reads and new snapshots use it. Never moves back.
    pub(crate) visible: AtomicU64,
    pub(crate) next_file_number: Arc<AtomicU64>,
    /// Set while `open` replays the logs: its tables may take the file
    /// numbers kept for `open` (see [`manifest::FILE_NUMBERS_KEPT_FOR_OPEN`]).
    pub(crate) opening: AtomicBool,
    pub(crate) manifest: Mutex<ManifestState>,
    pub(crate) background: Mutex<Background>,
    /// Signalled when a flush finishes, work arrives, or shutdown begins.
    pub(crate) background_changed: Condvar,
    pub(crate) snapshots: SnapshotList,
    pub(crate) counters: Counters,
    pub(crate) block_cache: Arc<BlockCache>,
    pub(crate) strategy: Box<dyn CompactionStrategy>,
    pub(crate) rate_limiter: Option<RateLimiter>,
    /// Set when `close` begins, so a merge under way stops at its next key
    /// instead of running to its end. A copy of `background.shutting_down`
    /// that the merge loop reads without taking the `background` lock.
    pub(crate) stopping: AtomicBool,
}

/// Locks a mutex, recovering the data if a thread panicked while holding it.
///
/// Every critical section in the engine leaves its data consistent before it
/// can panic (they only swap whole values in), so a poisoned lock holds valid
/// state, and refusing it would turn one failed thread into a dead database.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Inner {
    /// The current super version.
    pub(crate) fn current(&self) -> Arc<SuperVersion> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
    }

    /// Replaces the current super version with `change(current)`, as one
    /// step: writers (freezing MemTables) and the flush thread (dropping them,
    /// adding tables) change different parts of it concurrently, and a
    /// read-then-install in two steps would let one undo the other.
    pub(crate) fn modify_current(&self, change: impl FnOnce(&SuperVersion) -> SuperVersion) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(change(&guard));
    }

    /// The newest timestamp a new read may see. `Acquire` pairs with the
    /// writers' `Release` publication: the MemTable inserts of every write up
    /// to this timestamp are visible to the reading thread.
    pub(crate) fn visible_timestamp(&self) -> Timestamp {
        self.visible.load(Ordering::Acquire)
    }

    /// The timestamp a new read reads at and the super version it reads,
    /// taken as one step: both under `current`'s read lock, which a flush or
    /// compaction takes for writing to install what it made. So the super
    /// version is the one that was current when the timestamp was loaded:
    ///
    /// - It holds every write up to the timestamp. A write goes into the
    ///   active MemTable of the current super version before it is
    ///   published, and that MemTable stays in every later super version
    ///   until one `modify_current` swaps it for the table holding its data.
    /// - It lacks nothing a read at the timestamp needs. A compaction drops
    ///   a version only below a newer one of the same key in its inputs (or a
    ///   tombstone with nothing under it), keeping the newest. Every
    ///   timestamp in a table was visible before its MemTable was frozen
    ///   (see `freeze`), so before any compaction read the table; a super
    ///   version that compaction installs is thus only ever paired with a
    ///   timestamp at or above everything the compaction read, and the read
    ///   finds the newest version, which was kept.
    ///
    /// Loaded in two steps, the timestamp could predate a compaction whose
    /// result the super version already holds, and the read would miss the
    /// version it should see. This costs nothing over the two steps: the
    /// read lock was taken anyway, the load just moved inside it.
    pub(crate) fn read_view(&self) -> (Timestamp, Arc<SuperVersion>) {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        (self.visible_timestamp(), Arc::clone(&guard))
    }

    /// The error that stopped the engine, if any.
    pub(crate) fn background_error(&self) -> Option<Error> {
        lock(&self.background)
            .error
            .as_ref()
            .map(|e| Error::Background(Arc::clone(e)))
    }

    /// Records a failure that stops the engine (a flush's, a compaction's,
    /// or a `Full` write's log sync; the first one wins) and wakes everyone
    /// waiting, so stalled writers return the error instead of waiting
    /// forever.
    pub(crate) fn set_background_error(&self, error: Error) {
        tracing::error!(%error, "the database stopped; writes are refused until reopen");
        let mut background = lock(&self.background);
        if background.error.is_none() {
            background.error = Some(Arc::new(error));
        }
        self.background_changed.notify_all();
    }

    /// Waits on `background_changed` until `step` returns `Some`, and returns
    /// what it returned. `step` runs under the `background` lock, at once and
    /// after every change; what it changes in the state it is given is
    /// decided and done under that one lock. The one wait loop of the
    /// engine: the flush and compaction threads, stalled writers, `compact`
    /// and `wait_for_compactions` all wait through it.
    pub(crate) fn wait_background<T>(
        &self,
        mut step: impl FnMut(&mut Background) -> Option<T>,
    ) -> T {
        let mut background = lock(&self.background);
        loop {
            if let Some(done) = step(&mut background) {
                return done;
            }
            background = self
                .background_changed
                .wait(background)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Wakes the flush thread and stalled writers. The notification is sent
    /// under the `background` lock: a waiter checks its condition and starts
    /// waiting under that lock, so it cannot miss a change made before this.
    pub(crate) fn notify_background(&self) {
        let _background = lock(&self.background);
        self.background_changed.notify_all();
    }

    /// Releases the directory's lock, so the database can be opened again.
    ///
    /// REQUIRES: nothing writes through this state any more: the background
    /// threads are joined and the log is sealed or failed. A `Snapshot` or
    /// `Scan` still alive only reads the MemTables and the open table files
    /// it holds, which never change. An obsolete table it lets go of deletes
    /// a file the manifest no longer lists, and a new instance numbers its
    /// files above every number in the directory and the manifest, so that
    /// name is never reused.
    pub(crate) fn release_lock(&self) {
        lock(&self.lock_file).take();
    }

    /// A fresh file number, for a table (the log writer takes its own from
    /// the same counter); a corruption error once they are used up (see
    /// [`manifest::take_file_number`]).
    pub(crate) fn new_file_number(&self) -> Result<u64> {
        // Relaxed: only the thread running `open` sets or clears it, before
        // any other thread starts.
        let for_open = self.opening.load(Ordering::Relaxed);
        manifest::take_file_number(&self.next_file_number, &self.dir, for_open)
    }

    /// Fails with the background error, if there is one.
    pub(crate) fn check_background(&self) -> Result<()> {
        match self.background_error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
