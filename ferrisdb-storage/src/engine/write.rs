//! The write path: timestamp, log, MemTable, and making room.
//!
//! ```text
//! write(batch)
//!   ├─ check limits and the background error       (no lock)
//!   ├─ lock `write`
//!   │    ├─ make room: freeze a full MemTable (its size, or its log's
//!   │    │             past wal_max_file_size) and start a new log;
//!   │    │             stall while too many frozen MemTables wait
//!   │    ├─ ts = last + 1 (refused past MAX_TIMESTAMP)
//!   │    ├─ append the batch's bytes, stamped with ts, to the WAL
//!   │    │                                         (to the OS, or buffered)
//!   │    ├─ insert every entry into the active MemTable at ts
//!   │    └─ Normal, None: publish ts: readers may now see it
//!   ├─ unlock
//!   └─ SyncMode::Full: wait for the fsync that covers the record, then
//!                      publish ts; if it failed, stop the engine instead
//! ```
//!
//! The mode is the write's own (`WriteOptions::sync`) or, by default, the
//! engine's (`StorageConfig::wal_sync_mode`).
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

use super::stats::Counters;
use super::{lock, Inner};
use crate::filename::MANIFEST_FILE_NAME;
use crate::manifest::format::MAX_TIMESTAMP;
use crate::memtable::{InsertError, MemTable};
use crate::write_batch::Entries;
use crate::{Error, Operation, Result, SyncMode, Timestamp, WriteBatch, WriteOptions};

impl Inner {
    /// Writes `batch` atomically, as `options` say, and returns its
    /// timestamp.
    pub(crate) fn write(&self, batch: &WriteBatch, options: &WriteOptions) -> Result<Timestamp> {
        let needed = self.check_limits(batch)?;
        self.check_background()?;
        let mode = options.sync.unwrap_or(self.config.wal_sync_mode);

        let mut state = lock(&self.write);
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
            let wal = Arc::clone(&self.wal);
            drop(state);
            if let Err(error) = wal.sync() {
                self.stop_after_failed_log(&error, "sync");
                return Err(error);
            }
            self.publish_durable(last);
            return Ok(last);
        }
        let current =
            self.make_room(&mut state, &self.default, needed, batch.approximate_size())?;
        let timestamp = self.next_timestamp(state.last_timestamp)?;
        // The batch's own bytes, after a header on the stack: the record is
        // not re-encoded, and copied once, into the log's buffer.
        let position = match self
            .wal
            .append_with(&batch.stamped(timestamp).parts(), mode)
        {
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
        if let Err(error) = apply(&current.active, batch.entries(), timestamp) {
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
            // order.
            self.visible.fetch_max(timestamp, Ordering::Release);
        }
        let wal = wait_for.map(|at| (Arc::clone(&self.wal), at));
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
    /// every key and value against the size limits: the one place they are
    /// enforced) and returns the bytes the batch will take in a MemTable
    /// (its [`charge`]), in one pass over the encoded batch.
    fn check_limits(&self, batch: &WriteBatch) -> Result<usize> {
        batch.check_count()?;
        let mut needed: usize = 0;
        for (_, key, value) in batch.iter() {
            WriteBatch::check_entry_size(
                key,
                value,
                self.config.max_key_size,
                self.config.max_value_size,
            )?;
            needed = needed.saturating_add(MemTable::entry_size(key.len(), value.len()));
        }
        Ok(needed)
    }
}

/// The bytes `entries` will take in a MemTable.
pub(crate) fn charge(entries: Entries<'_>) -> usize {
    entries
        .iter()
        .map(|(_, key, value)| MemTable::entry_size(key.len(), value.len()))
        .fold(0, usize::saturating_add)
}

/// The entries [`apply`] holds at once while it walks a batch backwards.
const APPLY_RUN: usize = 256;

/// Inserts every one of `entries`, a batch's, into `memtable` at
/// `timestamp`.
///
/// All entries of a batch share one timestamp, so when a batch writes the same
/// key twice only the last write is kept, as if the batch's writes were
/// applied in order: the entries go in last first, and the MemTable, which
/// holds one version of a key per timestamp, turns the earlier ones of a key
/// away ([`MemTable::insert_first`]). No version at this timestamp is there
/// before the batch: timestamps are given out once (`next_timestamp`), and
/// replay refuses a record whose timestamp does not follow the one before it.
///
/// Walking backwards takes the entries [`APPLY_RUN`] at a time, so beyond
/// the MemTable's own entries this holds one run and where each run starts
/// (a few bytes per run): never a copy of every entry, which a log record of
/// many tiny entries (deletes of the empty key, 3 bytes each) made many
/// times the record, for a MemTable holding one entry.
pub(crate) fn apply<'a>(
    memtable: &MemTable,
    entries: Entries<'a>,
    timestamp: Timestamp,
) -> Result<()> {
    let insert = |(operation, key, value): (Operation, &[u8], &[u8])| {
        memtable
            .insert_first(key, value, timestamp, operation)
            .map(drop)
            .map_err(InsertError::into_error)
    };
    if entries.len() == 1 {
        // The common case, a single put or delete: nothing to walk back.
        return entries.iter().try_for_each(insert);
    }
    let mut run = Vec::with_capacity(entries.len().min(APPLY_RUN));
    let mut apply_run = |part: Entries<'a>| {
        run.clear();
        run.extend(part.iter());
        run.iter().rev().copied().try_for_each(insert)
    };
    if entries.len() <= APPLY_RUN {
        return apply_run(entries);
    }
    entries
        .runs(APPLY_RUN)
        .into_iter()
        .rev()
        .try_for_each(apply_run)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use rand::{Rng, SeedableRng};

    use super::*;

    #[test]
    fn the_last_entry_of_a_key_wins_across_runs() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(18);
        for len in [2, APPLY_RUN, APPLY_RUN + 1, 5 * APPLY_RUN + 3] {
            let mut batch = WriteBatch::new();
            let mut model = BTreeMap::new();
            for i in 0..len {
                // Few keys, so most repeat, in other runs too.
                let key = vec![rng.random_range(0..40u8); rng.random_range(0..3)];
                if rng.random_bool(0.3) {
                    batch.delete(&key);
                    model.insert(key, (Operation::Delete, Vec::new()));
                } else {
                    let value = i.to_le_bytes().to_vec();
                    batch.put(&key, &value);
                    model.insert(key, (Operation::Put, value));
                }
            }
            let memtable = MemTable::new(usize::MAX);
            apply(&memtable, batch.entries(), 7).unwrap();
            let held: Vec<_> = memtable
                .entries()
                .map(|e| (e.user_key.to_vec(), (e.operation, e.value.to_vec())))
                .collect();
            assert_eq!(held, model.into_iter().collect::<Vec<_>>(), "{len} entries");
            // Each entry charged once: the earlier entries of a key took
            // nothing.
            let charged: usize = held
                .iter()
                .map(|(k, (_, v))| MemTable::entry_size(k.len(), v.len()))
                .sum();
            assert_eq!(memtable.memory_usage(), charged);
        }
    }
}
