//! The machinery behind [`StorageEngine`](crate::StorageEngine).
//!
//! The public API lives in `storage_engine/`; this module holds the shared
//! state and the paths through it, one file each:
//!
//! - `write.rs`: the write path (timestamps, WAL, MemTable, making room);
//! - `flush.rs`: the background thread that turns frozen MemTables into
//!   tables, of every keyspace, oldest log first;
//! - `keyspaces.rs`: creating, changing and dropping keyspaces, and letting
//!   go of a dropped one's files;
//! - `directory.rs`: whether a directory holds a database, and making a new
//!   one;
//! - `recovery.rs`: opening a database, checking the manifest against the
//!   directory, cleaning up after a crash;
//! - `restored_keyspaces.rs`: the keyspaces `open` restores from the
//!   manifest, with their settings and tables;
//! - `replay.rs`: replaying the logs under the configured recovery mode;
//!   `replay_memtables.rs`: which keyspace's MemTable each replayed entry
//!   goes to, if any;
//! - `compactions.rs`: when compactions run (the threads, a manual
//!   `compact`, waiting until quiet); the work is `compaction`'s;
//! - `routing.rs`: which keyspaces a batch writes, and inserting its
//!   entries into their MemTables;
//! - `room.rs`: making room for a write (stalls, freezing the MemTable,
//!   starting a new log: the one place the logs rotate, for every keyspace
//!   at once); `write_budget.rs`: the budgets the keyspaces share (the live
//!   logs' bytes, the MemTables' bytes) and which keyspace each freezes;
//! - `transactions.rs`: the live transactions, the commit's check, and
//!   noting writes for it; `conflicts.rs`: the recent writes a commit is
//!   checked against (the conflict log);
//! - `verify.rs`: reading every live table and log back, checking every
//!   checksum and invariant, and reporting each damaged file;
//! - `read_only.rs`: an instance that reads beside another process's
//!   writer, and moves to its newer state on `catch_up`;
//! - `repair.rs`: rebuilding a database that no longer opens from what is
//!   readable in its directory (it runs without an `Inner`);
//! - `snapshots.rs`, `stats.rs`, `checkpoint.rs`.
//!
//! Which tables are live, and every change to them, belongs to the
//! [`versions`](crate::versions) module.
//!
//! # Concurrency
//!
//! - Each keyspace ([`KeyspaceVersions`]; `default`, the one `put` and
//!   `get` use, is `Inner::default`) has its *super version* (`current`),
//!   what a reader needs: the active MemTable, the frozen ones, and the
//!   [`Version`](crate::versions::Version) of tables. It is immutable and
//!   replaced whole under a short write lock, by a function of the one it
//!   replaces (`KeyspaceVersions::modify_current`), so concurrent
//!   changes compose; a reader clones the `Arc`, loading its read timestamp
//!   under the same read lock (`read_view`), and reads without any lock.
//! - Writers are serialized by the `write` mutex, which owns the last
//!   timestamp; only under it is the log appended to or rotated (the log
//!   itself is outside it, so a sync or `stats()` never waits for a writer
//!   stalled under it). Under it a writer takes the next timestamp,
//!   appends to the log and inserts into the MemTable, then publishes the
//!   timestamp in `visible`. So timestamps are published in order, and a
//!   reader that sees timestamp `t` sees every write up to `t`. Under
//!   `SyncMode::Full` the fsync happens after the mutex is released, so
//!   concurrent writers share it (group commit), and the write is published
//!   only after it, with `fetch_max`: a reader never sees a write that is not
//!   yet durable, or whose sync failed (see `write.rs`).
//! - The `manifest` mutex of the [`VersionSet`] serializes changes to the
//!   set of tables (flushes, compactions, recovery): each goes through
//!   `log_and_apply`, which writes it to the manifest and installs it in
//!   the keyspace's `current` as one step.
//! - The `background` mutex and its condition variable coordinate the flush
//!   thread, the compaction threads, stalled writers and shutdown.
//! - Lock order: `write` → `manifest` → `background` → `keyspaces` →
//!   `current` (and a keyspace's `settings`); `live_logs` after `write` or
//!   `manifest`. `keyspaces`, `current` and `live_logs` are leaves: nothing
//!   is locked while one is held. The list of live transactions is taken
//!   under `write` (a writer noting its keys prunes the conflict log) or
//!   alone, and the snapshot list under it (a transaction's beginning);
//!   neither takes another lock. Nothing waits on `write`
//!   or `manifest` while holding a later lock, so a writer stalled under
//!   `write` never blocks the flush or compaction it waits for.

mod checkpoint;
mod compactions;
pub(crate) mod conflicts;
mod directory;
mod flush;
mod flush_tombstones;
mod keyspaces;
mod leftovers;
pub(crate) mod log_rules;
pub(crate) mod progress;
mod read_only;
mod recovery;
pub(crate) mod repair;
mod replay;
mod replay_memtables;
mod restored_keyspaces;
mod room;
mod routing;
pub(crate) mod snapshots;
pub mod stats;
pub(crate) mod transactions;
pub(crate) mod verify;
mod write;
mod write_budget;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use crate::compaction::{CompactionStrategy, RateLimiter};
use crate::config::{StrategyOptions, WriteBudgets};
use crate::fs::SharedFileSystem;
use crate::sstable::BlockCache;
use crate::versions::{KeyspaceSet, KeyspaceVersions, SuperVersion, VersionSet};
use crate::wal::{WalPosition, WalWriter};
use crate::{Error, KeyspaceId, Result, StorageConfig, Timestamp};

pub(crate) use crate::lock::lock;
use conflicts::ConflictLog;
pub(crate) use read_only::{open_read_only, Pins};
pub(crate) use recovery::open;
use snapshots::SnapshotList;
use stats::Counters;
use transactions::TransactionList;
use write_budget::LiveLogs;

/// The writer's side: where the log stands and the timestamp counter.
#[derive(Debug)]
pub(crate) struct WriteState {
    /// The length of the log file being written, as the last append or
    /// rotation returned it (only writers, under this mutex, append or
    /// rotate): what `make_room` checks against `wal_max_file_size`.
    pub(crate) log_len: u64,
    pub(crate) last_timestamp: Timestamp,
    /// The newest write made under `SyncMode::Full` (engine-wide or per
    /// write) and where its log record ends: until it is published, a later
    /// write waits for its sync before publishing (see `write.rs`).
    pub(crate) last_full: Option<(Timestamp, WalPosition)>,
    /// The live keyspaces: the set `VersionSet` holds, copied here by every
    /// create and drop (both under this mutex), so a write finds its
    /// keyspaces, and counts them, with no other lock.
    pub(crate) keyspaces: Arc<KeyspaceSet>,
    /// The oldest live log whose keyspaces were frozen for
    /// `max_total_wal_size` (`write_budget.rs`): asked once per log.
    pub(crate) wal_flush_requested: Option<u64>,
    /// The recent writes transactions' commits are checked against
    /// (`conflicts.rs`, `transactions.rs`).
    pub(crate) conflicts: ConflictLog,
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
    /// The flush thread works: from its pick of a MemTable to flush (or a
    /// dropped keyspace to let go of) until the logs that freed are
    /// deleted, so `wait_for_compactions` and `flush` never return in
    /// between (`flush.rs`).
    pub(crate) flushing: bool,
    /// Keyspaces dropped whose files the flush thread has not let go of
    /// yet (`keyspaces.rs`, `purge_dropped`).
    pub(crate) dropped: Vec<Arc<KeyspaceVersions>>,
    /// The compaction strategy of each keyspace, with the options it was
    /// built from: built at its first pick and rebuilt when the keyspace's
    /// options change (`compactions.rs`). A strategy lives across picks:
    /// leveled compaction keeps, per level, where its last compaction ended,
    /// and the next pick starts after it.
    pub(crate) strategies: HashMap<KeyspaceId, (StrategyOptions, Box<dyn CompactionStrategy>)>,
    /// Where the next compaction pick starts in the keyspaces, so each gets
    /// its turn.
    pub(crate) next_pick: usize,
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
    /// This open instance's number, unique in the process and never 0: the
    /// batches built with its keyspace handles carry it, so one written to
    /// another database is told apart.
    pub(crate) instance: u64,
    pub(crate) versions: VersionSet,
    /// The `default` keyspace, which always exists: `db.put`, `get` and
    /// batches of only its keys take it from here, with no lookup.
    pub(crate) default: Arc<KeyspaceVersions>,
    /// The write-ahead log. Only writers, under the `write` mutex, append to
    /// it or rotate it; it is outside that mutex so that syncing it, and
    /// reading its statistics, never wait for a writer stalled under it.
    /// `None` in a read-only instance (`read_only.rs`), which writes nothing.
    pub(crate) wal: Option<Arc<WalWriter>>,
    pub(crate) write: Mutex<WriteState>,
    /// The sealed logs no flush has retired yet, with their lengths: a leaf
    /// lock, which writers take under `write` and the flush thread takes
    /// without it (it must never take `write`, see `write_budget.rs`).
    pub(crate) live_logs: Mutex<LiveLogs>,
    /// The budgets the keyspaces share on the write path.
    pub(crate) budgets: WriteBudgets,
    /// The newest timestamp whose write is complete in the MemTable (and,
    /// under `SyncMode::Full`, durable in the log, with every write before
    /// it); reads and new snapshots use it. Never moves back.
    pub(crate) visible: AtomicU64,
    pub(crate) background: Mutex<Background>,
    /// Signalled when a flush finishes, work arrives, or shutdown begins.
    pub(crate) background_changed: Condvar,
    pub(crate) snapshots: SnapshotList,
    /// Whether a table holds range tombstones, as the compaction thread
    /// last looked: only then can a released snapshot let it drop a table
    /// they cover, so only then does `Snapshot::drop` wake it (a wake per
    /// snapshot, or per transaction, costs a context switch or two).
    pub(crate) snapshot_release_wakes: AtomicBool,
    /// The live transactions (`transactions.rs`).
    pub(crate) transactions: TransactionList,
    pub(crate) counters: Counters,
    pub(crate) block_cache: Arc<BlockCache>,
    pub(crate) rate_limiter: Option<RateLimiter>,
    /// Set when `close` begins, so a merge under way stops at its next version
    /// instead of running to its end. A copy of `background.shutting_down`
    /// that the merge loop reads without taking the `background` lock.
    pub(crate) stopping: AtomicBool,
}

impl Inner {
    /// The log writer, or [`Error::ReadOnly`] refusing `operation` in a
    /// read-only instance: every path that writes starts here, or at
    /// [`refuse_if_read_only`](Self::refuse_if_read_only), before it changes
    /// anything.
    pub(crate) fn wal(&self, operation: &'static str) -> Result<&Arc<WalWriter>> {
        self.wal.as_ref().ok_or(Error::ReadOnly { operation })
    }

    /// Whether this instance was opened read-only.
    pub(crate) fn is_read_only(&self) -> bool {
        self.wal.is_none()
    }

    /// Refuses `operation`, one that writes, in a read-only instance.
    pub(crate) fn refuse_if_read_only(&self, operation: &'static str) -> Result<()> {
        self.wal(operation).map(drop)
    }

    /// The newest timestamp a new read may see. `Acquire` pairs with the
    /// writers' `Release` publication: the MemTable inserts of every write up
    /// to this timestamp are visible to the reading thread.
    pub(crate) fn visible_timestamp(&self) -> Timestamp {
        self.visible.load(Ordering::Acquire)
    }

    /// The timestamp a new read of keyspace `ks` reads at and the super
    /// version it reads, taken as one step: both under the keyspace's
    /// `current` read lock, which a flush or compaction of it takes for
    /// writing to install what it made. So the super version is the one that
    /// was current when the timestamp was loaded:
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
    pub(crate) fn read_view(&self, ks: &KeyspaceVersions) -> (Timestamp, Arc<SuperVersion>) {
        ks.current_with(|| self.visible_timestamp())
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

    /// Fails with the background error, if there is one.
    pub(crate) fn check_background(&self) -> Result<()> {
        match self.background_error() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}
