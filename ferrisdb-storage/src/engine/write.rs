//! The write path: timestamp, log, MemTable, and making room.
//!
//! ```text
//! write(batch)
//!   ├─ check the batch's database, its limits and the background error,
//!   │  and route the batch to its keyspaces (routing.rs)     (no lock)
//!   ├─ lock `write`
//!   │    ├─ resolve the keyspaces: refuse one that is not live
//!   │    ├─ several keyspaces: keep the budgets they share (freeze for
//!   │    │             max_total_wal_size, db_write_buffer_size; stall
//!   │    │             past twice the latter)
//!   │    ├─ make room: freeze a full MemTable (its size, or its log's
//!   │    │             past wal_max_file_size) and start a new log;
//!   │    │             stall while too many frozen MemTables wait
//!   │    ├─ a range delete, the database's first: declare the feature
//!   │    │             `range_deletes` in a durable manifest
//!   │    ├─ ts = last + 1 (refused past MAX_TIMESTAMP)
//!   │    ├─ append the batch's bytes, stamped with ts, to the WAL
//!   │    │                                         (to the OS, or buffered)
//!   │    ├─ insert every entry into its keyspace's active MemTable at ts
//!   │    └─ Normal, None: publish ts: readers may now see it
//!   ├─ unlock
//!   └─ SyncMode::Full: wait for the fsync that covers the record, then
//!                      publish ts; if it failed, stop the engine instead
//! ```
//!
//! The mode is the write's own (`WriteOptions::sync`) or, by default, the
//! engine's (`StorageConfig::wal_sync_mode`).
//!
//! # The first range delete
//!
//! An older FerrisDB refuses a log holding a range delete, so a database
//! declares the incompatible feature `range_deletes` in its manifest before
//! its log holds one (`docs/format/README.md`): the first batch holding a
//! range delete writes that manifest, under the write mutex, before it is
//! logged, and if the manifest write fails the batch fails and nothing is
//! logged. Once declared (at open, or by that write) it costs a batch with
//! a range delete one atomic load, and a batch without one nothing. A
//! database that never range-deletes never declares it, and stays readable
//! by the FerrisDBs before range deletes.
//!
//! # Publishing under `SyncMode::Full`
//!
//! A `Full` write must not be readable before it is durable: a reader could
//! act on a write that a crash a moment later loses, or whose sync fails. So
//! it is published only once the fsync covering it succeeded, outside the
//! mutex, where concurrent writers share one fsync (group commit). Out of
//! order is fine: timestamps are assigned in log order and a sync covers a
//! prefix of the log, so once `sync_to(position)` succeeded every write up to
//! this one is durable, and `fetch_max` publishes them all, never moving
//! `visible` back. A write whose sync failed is never published: the log
//! writer refuses every sync and rotation after a failure, so no later sync
//! succeeds past it, and the failure stops the engine (no more writes).
//! Freezing a MemTable also publishes (see `freeze`), so that a frozen
//! MemTable, and so every table, holds only published timestamps, which the
//! reads rely on (`Inner::read_view`).
//!
//! # Mixed modes
//!
//! Publishing is a watermark: publishing timestamp `t` makes every write up
//! to `t` visible. So a `Normal` or `None` write that comes after a `Full`
//! write still syncing must not publish at once, or it would expose the
//! `Full` write before it is durable. It waits for that write's sync instead
//! (sharing it, by group commit), then publishes: writes become visible in
//! timestamp order, as in RocksDB, where a write group waits for the sync of
//! the group before it. `WriteState::last_full` remembers the newest `Full`
//! write; once `visible` has reached its timestamp, every earlier write is
//! durable and published, and later writes publish at once again.

use std::io;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::routing::Routing;
use super::stats::Counters;
use super::transactions::CommitCheck;
use super::{lock, Inner};
use crate::filename::MANIFEST_FILE_NAME;
use crate::manifest::format::{INCOMPAT_RANGE_DELETES_BIT, MAX_TIMESTAMP};
use crate::{Error, Result, SyncMode, Timestamp, WriteBatch, WriteOptions};

impl Inner {
    /// Writes `batch` atomically, as `options` say, and returns its
    /// timestamp.
    pub(crate) fn write(&self, batch: &WriteBatch, options: &WriteOptions) -> Result<Timestamp> {
        self.write_checked(batch, options, None)
    }

    /// [`write`](Self::write), refused if `check`, a transaction's, finds a
    /// conflict (`transactions.rs`): checked under the mutex, before the
    /// batch takes its timestamp, so no write can come between.
    pub(crate) fn write_checked(
        &self,
        batch: &WriteBatch,
        options: &WriteOptions,
        check: Option<&CommitCheck<'_>>,
    ) -> Result<Timestamp> {
        let log = self.wal("a write")?;
        self.check_origin(batch)?;
        let routing = self.check_limits(batch)?;
        self.check_background()?;
        let mode = options.sync.unwrap_or(self.config.wal_sync_mode);

        let mut state = lock(&self.write);
        // Relaxed: `close` sets it before it seals the log, which refuses
        // whatever races it; this refuses, before anything is written, a
        // write through `inner` (a transaction's commit) after `close`.
        if self.stopping.load(Ordering::Relaxed) {
            return Err(Error::Closed);
        }
        if batch.is_empty() {
            if mode != SyncMode::Full {
                // Nothing to write: the newest published timestamp, never
                // one whose sync is still running or failed.
                return Ok(self.visible_timestamp());
            }
            // An empty durable write makes every write before it durable
            // (as RocksDB's and LevelDB's do), so its timestamp can be
            // trusted to have survived a power loss.
            let last = state.last_timestamp;
            let wal = Arc::clone(log);
            drop(state);
            if let Err(error) = wal.sync() {
                self.stop_after_failed_log(&error, "sync");
                return Err(error);
            }
            self.publish_durable(last);
            return Ok(last);
        }
        let targets = self.resolve(&state, &routing)?;
        let rooms = self.make_rooms(&mut state, &targets, batch.approximate_size())?;
        // Before anything durable: a refused commit changes nothing.
        if let Some(check) = check {
            self.check_commit(&state, check)?;
        }
        if batch.has_range_deletes() {
            self.declare_range_deletes()?;
        }
        let timestamp = self.next_timestamp(state.last_timestamp)?;
        // The batch's own bytes, after a header on the stack: the record is
        // not re-encoded, and copied once, into the log's buffer.
        let position = match log.append_with(&batch.stamped(timestamp).parts(), mode) {
            Ok(position) => position,
            Err(error) => {
                self.stop_after_failed_log(&error, "write");
                return Err(error);
            }
        };
        state.log_len = position.offset;
        // The log holds the record from here on: its timestamp is used up
        // whatever happens next, so no later record reuses it.
        state.last_timestamp = timestamp;
        if let Err(error) = rooms.apply(batch.entries(), timestamp) {
            // The log and the MemTable disagree; a reopen replays the log.
            self.set_background_error(Error::InvalidArgument(format!(
                "a logged write could not be applied to the MemTable ({error}); reopen the \
                 database to replay it from the log"
            )));
            return Err(error);
        }
        // The sync this write waits for before it is published: its own
        // under `Full`; otherwise that of the newest `Full` write not yet
        // published, which publishing this one would expose (see the module
        // docs); none when there is no such write.
        let wait_for = if mode == SyncMode::Full {
            state.last_full = Some((timestamp, position));
            Some(position)
        } else {
            state
                .last_full
                .filter(|&(full, _)| self.visible.load(Ordering::Acquire) < full)
                .map(|(_, full_position)| full_position)
        };
        if wait_for.is_none() {
            // Release: a reader that loads this timestamp with Acquire also
            // sees the MemTable inserts above. Under the mutex, and every
            // earlier write is published, so timestamps are published in
            // order. SeqCst: before `record_write` counts the live
            // transactions (`transactions.rs`).
            self.visible.fetch_max(timestamp, Ordering::SeqCst);
        }
        self.record_write(&mut state, batch, timestamp, wait_for.is_none());
        let wal = wait_for.map(|at| (Arc::clone(log), at));
        drop(state);

        Counters::add(&self.counters.user_bytes, batch.approximate_size() as u64);
        if let Some((wal, at)) = wal {
            // Published only once durable: see the module docs.
            if let Err(error) = wal.sync_to(at) {
                self.stop_after_failed_log(&error, "sync");
                return Err(error);
            }
            self.publish_durable(timestamp);
        }
        Ok(timestamp)
    }

    /// The timestamp of the write after `last`: where timestamps are given
    /// out, and so where their limit is kept. None is above
    /// [`MAX_TIMESTAMP`], the largest a manifest or log record may hold, so
    /// every write the engine logs is one a later `open` replays.
    ///
    /// Once they are used up, every write fails with a corruption error
    /// naming the manifest (reads still work): no database makes 2^63
    /// writes, so a last timestamp this high comes from a damaged manifest
    /// or log record.
    fn next_timestamp(&self, last: Timestamp) -> Result<Timestamp> {
        last.checked_add(1)
            .filter(|&next| next <= MAX_TIMESTAMP)
            .ok_or_else(|| {
                Error::corruption(
                    self.dir.join(MANIFEST_FILE_NAME),
                    0,
                    format!(
                        "timestamps are used up: the last is {last}, and a database records \
                         none above MAX_TIMESTAMP ({MAX_TIMESTAMP}); no database makes that many \
                         writes, so the manifest's last timestamp, or a log record's, is \
                         damaged; the write is refused, reads still work"
                    ),
                )
            })
    }

    /// Publishes every write up to `timestamp`, under `SyncMode::Full` once
    /// the log is durable up to it (see the module docs).
    ///
    /// Release: a reader that loads `visible` with Acquire and gets this
    /// timestamp or more sees the MemTable inserts of this write (made before,
    /// in this thread) and of every earlier one (made before their writers
    /// released the write mutex, which this writer took after them). A later
    /// read in the writer's thread loads `visible` after this, so it gets
    /// this timestamp or a newer one: the writer reads its own write.
    /// `fetch_max` keeps `visible` from moving back when a writer with an
    /// older timestamp publishes after a newer one.
    pub(super) fn publish_durable(&self, timestamp: Timestamp) {
        self.visible.fetch_max(timestamp, Ordering::Release);
    }

    /// Stops the engine after the log's `what` (a write, a sync, a rotation)
    /// failed: the write it was for, and those after it in the log, were not
    /// acknowledged, may or may not have reached the disk, and must stay
    /// invisible. The background error refuses every later write (and stops
    /// flushes and compactions) until the database is reopened, which
    /// replays whatever of them the log holds. This is the engine's one
    /// sticky error: the log writer also refuses everything after its own
    /// failure (records after a hole would read as damage), but the engine
    /// has stopped before it asks again.
    pub(crate) fn stop_after_failed_log(&self, error: &Error, what: &str) {
        // A log that `close` sealed failed nothing.
        if matches!(error, Error::Closed) {
            return;
        }
        // The kind is kept, so "disk full" still reads as such.
        let (path, kind) = match error {
            Error::Io { path, source } => (path.clone(), source.kind()),
            _ => (self.dir.clone(), io::ErrorKind::Other),
        };
        let reason = format!(
            "a write-ahead log {what} failed ({error}); the writes it was to make durable are \
             not visible, and whether they survive is known only after reopening"
        );
        self.set_background_error(Error::io(path, io::Error::new(kind, reason)));
    }

    /// Checks `batch` against the limits of a write (its entry count, and
    /// every key, value and range bound against the size limits: the one
    /// place they are enforced) and returns its [`Routing`] (its keyspaces,
    /// and the bytes it will take in each one's MemTable), in one pass over
    /// the encoded batch.
    fn check_limits(&self, batch: &WriteBatch) -> Result<Routing> {
        batch.check_count()?;
        Routing::of(batch.entries(), |entry| {
            WriteBatch::check_entry(entry, self.config.max_key_size, self.config.max_value_size)
        })
    }

    /// Makes sure the durable manifest declares the feature `range_deletes`
    /// before a range delete is logged (see the module docs). Called under
    /// the write mutex, so no range delete is logged before the first
    /// declaration is durable.
    ///
    /// # Errors
    ///
    /// The background error when writing the manifest failed, which stops
    /// the engine as any failed manifest write does (the manifest in place
    /// may be the old or the new one until a reopen); nothing is logged.
    fn declare_range_deletes(&self) -> Result<()> {
        if self
            .versions
            .declares_incompatible(INCOMPAT_RANGE_DELETES_BIT)
        {
            return Ok(());
        }
        let declared = self
            .versions
            .declare_incompatible(INCOMPAT_RANGE_DELETES_BIT);
        self.stop_if_manifest_failed(declared)
    }
}
