//! The live transactions, and the engine's side of beginning and committing
//! one: choosing the timestamp it reads at, checking its commit against the
//! conflict log (`conflicts.rs`), and keeping that log to what the live
//! transactions need.
//!
//! # What the log must hold
//!
//! A commit is checked against every write after its transaction began. A
//! writer records its write, under the `write` mutex, when a transaction
//! may need it:
//!
//! - A write published under the mutex (the common case) publishes
//!   `visible` first and then counts the live transactions; a beginning
//!   counts itself first and then loads `visible`; all four `SeqCst` (a
//!   store, then a load, on each side: the one order in which both cannot
//!   miss the other). So either the writer sees the transaction and records
//!   the write, or the beginning's load comes after the publication and the
//!   write is in its snapshot, where it is no conflict.
//! - A write published after the mutex is released (`SyncMode::Full`, or a
//!   write waiting for one) may be missed by a transaction that begins in
//!   between, whatever it counts: it is always recorded. It waits for an
//!   fsync, next to which noting its keys costs nothing, and a beginning
//!   never waits.
//!
//! A writer that records also prunes: the log keeps the writes above the
//! oldest beginning of a live transaction, or above `visible` when none is
//! live. The beginning and the pruning take the list's lock around loading
//! `visible`, so a transaction never begins below a pruning that missed
//! it. A transaction older than `max_transaction_age` cannot commit a
//! write: the pruning that finds one moves it out of the list (it no longer
//! counts, pins nothing in the log, and makes no writer record), and its
//! snapshot alone stays, as a leaked `Snapshot`'s does, so its reads stay
//! right.

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::conflicts::{Conflict, ReadSet};
use super::{lock, Inner, Pins, WriteState};
use crate::versions::KeyspaceSet;
use crate::{Error, Timestamp, WriteBatch};

/// A transaction's beginning: its read timestamp, its id in the list, and
/// when it began.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Began {
    pub(crate) timestamp: Timestamp,
    pub(crate) id: u64,
    pub(crate) at: Instant,
}

/// What a transaction's commit is checked with.
#[derive(Debug)]
pub(crate) struct CommitCheck<'a> {
    pub(crate) began: Began,
    pub(crate) reads: &'a ReadSet,
}

/// The live transactions, by beginning.
#[derive(Debug, Default)]
pub(crate) struct TransactionList {
    live: Mutex<Live>,
    /// The transactions in `live.young`, and those beginning, read by
    /// writers without the lock.
    count: AtomicUsize,
    next_id: AtomicU64,
}

#[derive(Debug, Default)]
struct Live {
    /// Each live transaction younger than `max_transaction_age` when a
    /// pruning last looked, by beginning, with when it began.
    young: BTreeMap<(Timestamp, u64), Instant>,
    /// The ids of those found older: they no longer count.
    expired: HashSet<u64>,
}

impl TransactionList {
    /// Registers a transaction that reads at the timestamp `choose`
    /// returns, counted first and chosen under the list's lock (see the
    /// module docs).
    fn begin(&self, choose: impl FnOnce() -> Timestamp) -> Began {
        let mut live = lock(&self.live);
        // SeqCst: counted before `choose` loads `visible` (module docs).
        self.count.fetch_add(1, Ordering::SeqCst);
        let timestamp = choose();
        // Relaxed: only unique.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let at = Instant::now();
        live.young.insert((timestamp, id), at);
        Began { timestamp, id, at }
    }

    /// Forgets a transaction: committed, rolled back or dropped.
    fn end(&self, began: &Began) {
        let mut live = lock(&self.live);
        if live.young.remove(&(began.timestamp, began.id)).is_some() {
            self.count.fetch_sub(1, Ordering::SeqCst);
        } else {
            live.expired.remove(&began.id);
        }
    }

    /// Whether any transaction is live; `SeqCst`, after the writer stored
    /// its timestamp (module docs).
    fn any(&self) -> bool {
        self.count.load(Ordering::SeqCst) > 0
    }

    /// The oldest beginning of a live transaction younger than `max_age`,
    /// or, if there is none, what `otherwise` loads under the list's lock.
    /// Those found older stop counting.
    fn keep_above(&self, max_age: Duration, otherwise: impl FnOnce() -> Timestamp) -> Timestamp {
        let mut live = lock(&self.live);
        let Live { young, expired } = &mut *live;
        while let Some((&(timestamp, id), at)) = young.iter().next() {
            if at.elapsed() <= max_age {
                return timestamp;
            }
            young.remove(&(timestamp, id));
            expired.insert(id);
            self.count.fetch_sub(1, Ordering::SeqCst);
        }
        otherwise()
    }

    /// The number of live transactions younger than `max_transaction_age`
    /// when a pruning last looked.
    pub(crate) fn len(&self) -> usize {
        self.count.load(Ordering::Relaxed)
    }
}

impl Inner {
    /// Begins a transaction: registers it, and as a snapshot too (so
    /// compaction keeps what it reads), at the newest published timestamp;
    /// returns its beginning, the keyspaces live then, and in a read-only
    /// instance the super versions it reads (see [`Inner::pinned`]).
    pub(crate) fn begin_transaction(&self) -> (Began, Arc<KeyspaceSet>, Option<Pins>) {
        let (began, pins) = self.pinned(|| {
            // SeqCst: after the beginning counted itself (module docs).
            self.transactions.begin(|| {
                self.snapshots
                    .acquire(|| self.visible.load(Ordering::SeqCst))
            })
        });
        // After the timestamp, as a snapshot takes them.
        (began, self.versions.keyspaces(), pins)
    }

    /// Forgets a transaction that ended (its snapshot is released apart).
    pub(crate) fn end_transaction(&self, began: &Began) {
        self.transactions.end(began);
    }

    /// The number of live transactions.
    pub(crate) fn live_transactions(&self) -> usize {
        self.transactions.len()
    }

    /// Checks a commit under the `write` mutex, before it takes its
    /// timestamp: a keyspace it read was dropped since it began, or the
    /// conflict log holds a write it must not miss.
    ///
    /// # Errors
    ///
    /// [`Error::TransactionConflict`] saying what conflicted.
    pub(super) fn check_commit(
        &self,
        state: &WriteState,
        check: &CommitCheck<'_>,
    ) -> Result<(), Error> {
        let began = check.began.timestamp;
        let age = check.began.at.elapsed();
        if age > self.config.max_transaction_age {
            return Err(conflict(
                began,
                format!(
                    "it ran for {age:?}, longer than StorageConfig::max_transaction_age ({:?}), \
                     and the writes since it began are no longer kept",
                    self.config.max_transaction_age
                ),
            ));
        }
        for keyspace in check.reads.keyspaces() {
            if state.keyspaces.get(keyspace).is_none() {
                return Err(conflict(
                    began,
                    format!("keyspace #{keyspace}, which it read, was dropped since"),
                ));
            }
        }
        state.conflicts.check(began, check.reads).map_err(|c| {
            let reason = match c {
                Conflict::Write { keyspace, key, at } => format!(
                    "key {} of keyspace #{keyspace}, which it read (alone or in a scanned range), \
                     was written at timestamp {at}",
                    String::from_utf8_lossy(&key).escape_debug()
                ),
                Conflict::RangeDelete { keyspace, at } => format!(
                    "a range delete at timestamp {at} in keyspace #{keyspace} covered what it read"
                ),
                Conflict::Evicted { floor } => format!(
                    "the writes since it began no longer fit in the conflict log (it holds those \
                     after timestamp {floor}, see StorageConfig::transaction_conflict_memory)"
                ),
            };
            conflict(began, reason)
        })
    }

    /// Records `batch`, just written at `timestamp`, in the conflict log if
    /// a transaction may need it, and prunes the log; under the `write`
    /// mutex, after a write published there (`published`) or not.
    pub(super) fn record_write(
        &self,
        state: &mut WriteState,
        batch: &WriteBatch,
        timestamp: Timestamp,
        published: bool,
    ) {
        if published && !self.transactions.any() {
            return;
        }
        state.conflicts.record(timestamp, batch.entries());
        let keep_above = self
            .transactions
            .keep_above(self.config.max_transaction_age, || {
                self.visible.load(Ordering::SeqCst)
            });
        state.conflicts.prune(keep_above);
    }
}

/// The conflict of a transaction that began at `began`.
pub(crate) fn conflict(began: Timestamp, reason: String) -> Error {
    Error::TransactionConflict { began, reason }
}
