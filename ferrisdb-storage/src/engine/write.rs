//! The write path: timestamp, log, MemTable, and making room.
//!
//! ```text
//! write(batch)
//!   ├─ check sizes and the background error        (no lock)
//!   ├─ lock `write`
//!   │    ├─ make room: freeze a full MemTable, start a new log,
//!   │    │             stall while too many frozen MemTables wait
//!   │    ├─ ts = last + 1 (refused past MAX_TIMESTAMP)
//!   │    ├─ append (batch, ts) to the WAL          (to the OS, or buffered)
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

use std::collections::HashSet;
use std::io;
use std::sync::atomic::Ordering;
use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use super::stats::Counters;
use super::{lock, Frozen, Inner, SuperVersion, WriteState};
use crate::filename::MANIFEST_FILE_NAME;
use crate::manifest::format::MAX_TIMESTAMP;
use crate::memtable::{InsertError, MemTable};
use crate::telemetry;
use crate::{Error, Operation, Result, SyncMode, Timestamp, WriteBatch, WriteOptions};

impl Inner {
    /// Writes `batch` atomically, as `options` say, and returns its
    /// timestamp.
    pub(crate) fn write(&self, batch: &WriteBatch, options: &WriteOptions) -> Result<Timestamp> {
        batch.check_count()?;
        let needed = self.check_sizes(batch)?;
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
            let wal = Arc::clone(&state.wal);
            drop(state);
            if let Err(error) = wal.sync() {
                self.stop_after_failed_sync(&error);
                return Err(error);
            }
            self.publish_durable(last);
            return Ok(last);
        }
        let current = self.make_room(&mut state, needed)?;
        let timestamp = self.next_timestamp(state.last_timestamp)?;
        let position = state.wal.append_with(batch, timestamp, mode)?;
        // The log holds the record from here on: its timestamp is used up
        // whatever happens next, so no later record reuses it.
        state.last_timestamp = timestamp;
        if let Err(error) = apply(&current.active, batch, timestamp) {
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
        let wal = wait_for.map(|at| (Arc::clone(&state.wal), at));
        drop(state);

        Counters::add(&self.counters.user_bytes, batch.approximate_size() as u64);
        if let Some((wal, at)) = wal {
            // Published only once durable: see the module docs.
            if let Err(error) = wal.sync_to(at) {
                self.stop_after_failed_sync(&error);
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
    fn publish_durable(&self, timestamp: Timestamp) {
        self.visible.fetch_max(timestamp, Ordering::Release);
    }

    /// Stops the engine after the log sync of a write failed: that write and
    /// those after it in the log were not acknowledged, may or may not have
    /// reached the disk, and must stay invisible. The log writer refuses
    /// every later sync, and the background error refuses every later write
    /// (and stops flushes and compactions) until the database is reopened,
    /// which replays whatever of them the log holds.
    fn stop_after_failed_sync(&self, error: &Error) {
        // The kind is kept, so "disk full" still reads as such.
        let (path, kind) = match error {
            Error::Io { path, source } => (path.clone(), source.kind()),
            _ => (self.dir.clone(), io::ErrorKind::Other),
        };
        let reason = format!(
            "a write-ahead log sync failed ({error}); the writes it was to make durable are \
             not visible, and whether they survive is known only after reopening"
        );
        self.set_background_error(Error::io(path, io::Error::new(kind, reason)));
    }

    /// Checks every key and value against the size limits and returns the
    /// bytes the batch will take in a MemTable (its [`charge`]), in one pass
    /// over the encoded batch.
    fn check_sizes(&self, batch: &WriteBatch) -> Result<usize> {
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

    /// Ensures the active MemTable can take `needed` more bytes, freezing it
    /// and stalling as necessary:
    ///
    /// - level 0 at `level0_stop_writes_trigger` tables, or
    ///   `max_immutable_memtables` frozen MemTables: wait for the background
    ///   threads to catch up;
    /// - level 0 at `level0_slowdown_writes_trigger`: sleep 1 ms once per
    ///   write, so compaction gets ahead before writes have to stop.
    ///
    /// The write mutex stays held while waiting, so other writers queue behind
    /// this one instead of piling onto the condition variable.
    ///
    /// Returns the super version whose active MemTable has the room. Only
    /// writers, under the write mutex, replace the active MemTable, so it
    /// stays the active one until the mutex is released, even if the flush
    /// thread installs a new super version meanwhile.
    fn make_room(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        needed: usize,
    ) -> Result<Arc<SuperVersion>> {
        let mut stalled_since: Option<Instant> = None;
        let mut slowed_down = false;
        let current = loop {
            let current = self.current();
            // Without background compaction, nothing would ever bring level 0
            // down: it must not stall writes (RocksDB's rule too).
            let level0 = if self.config.disable_auto_compactions {
                0
            } else {
                current.version.level0_len()
            };
            let too_many_frozen = current.frozen.len() >= self.config.max_immutable_memtables;
            let active = &current.active;
            let fits = active.memory_usage().saturating_add(needed) <= active.max_size();
            if level0 >= self.config.level0_stop_writes_trigger || (!fits && too_many_frozen) {
                stalled_since.get_or_insert_with(|| {
                    tracing::warn!(
                        level0,
                        frozen = current.frozen.len(),
                        "write stall: waiting for background work"
                    );
                    Counters::add(&self.counters.stalls, 1);
                    Instant::now()
                });
                self.wait_for_background(|now| {
                    now.version.level0_len() >= self.config.level0_stop_writes_trigger
                        || (!fits && now.frozen.len() >= self.config.max_immutable_memtables)
                })?;
                continue;
            }
            if level0 >= self.config.level0_slowdown_writes_trigger && !slowed_down {
                slowed_down = true;
                Counters::add(&self.counters.stalls, 1);
                let started = Instant::now();
                std::thread::sleep(std::time::Duration::from_millis(1));
                let waited = started.elapsed();
                Counters::add(&self.counters.stall_nanos, waited.as_nanos() as u64);
                telemetry::stalled(waited);
                continue;
            }
            if fits {
                break current;
            }
            if active.is_empty() {
                // A batch larger than a whole MemTable: give it a MemTable of
                // its own size rather than freezing an empty one.
                self.modify_current(|now| SuperVersion {
                    active: Arc::new(MemTable::with_filter(needed, self.config.memtable_filter)),
                    active_log: now.active_log,
                    frozen: now.frozen.clone(),
                    version: Arc::clone(&now.version),
                });
            } else {
                self.freeze(state, &current, needed)?;
            }
            break self.current();
        };
        if let Some(since) = stalled_since {
            let waited = since.elapsed();
            Counters::add(&self.counters.stall_nanos, waited.as_nanos() as u64);
            telemetry::stalled(waited);
        }
        Ok(current)
    }

    /// Waits until `still_blocked` is false for the current super version, or
    /// fails with the background error or [`Error::Closed`].
    pub(crate) fn wait_for_background(
        &self,
        still_blocked: impl Fn(&SuperVersion) -> bool,
    ) -> Result<()> {
        let mut background = lock(&self.background);
        loop {
            if let Some(error) = &background.error {
                return Err(Error::Background(Arc::clone(error)));
            }
            if background.shutting_down {
                return Err(Error::Closed);
            }
            if !still_blocked(&self.current()) {
                return Ok(());
            }
            background = self
                .background_changed
                .wait(background)
                .unwrap_or_else(|p| p.into_inner());
        }
    }

    /// Freezes the active MemTable and starts a new one with a new log.
    ///
    /// `needed` sizes the new MemTable when a single batch is larger than
    /// `memtable_size`, so any batch within the key and value limits fits.
    ///
    /// REQUIRES: the active MemTable is not empty.
    pub(crate) fn freeze(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        current: &SuperVersion,
        needed: usize,
    ) -> Result<()> {
        debug_assert!(!current.active.is_empty(), "froze an empty MemTable");
        let log_number = state.wal.rotate()?;
        // The rotation synced every record appended so far (and fails after
        // any earlier failure of the log), so every write up to the last
        // timestamp is durable: publish them before the MemTable is frozen.
        // Under SyncMode::Full writers may not have published theirs yet;
        // otherwise this changes nothing. So a frozen MemTable, and every
        // table made from it, holds only published timestamps.
        self.publish_durable(state.last_timestamp);
        let memtable_size = self.config.memtable_size.max(needed);
        self.modify_current(|now| {
            let mut frozen = Vec::with_capacity(now.frozen.len() + 1);
            frozen.push(Frozen {
                memtable: Arc::clone(&now.active),
                log_number: now.active_log,
            });
            frozen.extend(now.frozen.iter().cloned());
            SuperVersion {
                active: Arc::new(MemTable::with_filter(
                    memtable_size,
                    self.config.memtable_filter,
                )),
                active_log: log_number,
                frozen,
                version: Arc::clone(&now.version),
            }
        });
        tracing::debug!(log_number, "froze the active MemTable");
        self.notify_background();
        Ok(())
    }
}

/// The bytes `batch` will take in a MemTable.
pub(crate) fn charge(batch: &WriteBatch) -> usize {
    batch
        .iter()
        .map(|(_, key, value)| MemTable::entry_size(key.len(), value.len()))
        .fold(0, usize::saturating_add)
}

/// Inserts every entry of `batch` into `memtable` at `timestamp`.
///
/// All entries of a batch share one timestamp, so when a batch writes the same
/// key twice only the last write is kept, as if the batch's writes were
/// applied in order.
pub(crate) fn apply(memtable: &MemTable, batch: &WriteBatch, timestamp: Timestamp) -> Result<()> {
    if batch.len() == 1 {
        // The common case, a single put or delete: nothing to deduplicate.
        return batch.iter().try_for_each(|(op, key, value)| {
            memtable
                .insert(key, value, timestamp, op)
                .map_err(InsertError::into_error)
        });
    }
    let entries: Vec<(Operation, &[u8], &[u8])> = batch.iter().collect();
    let mut seen: HashSet<&[u8]> = HashSet::with_capacity(entries.len());
    for &(operation, key, value) in entries.iter().rev() {
        if seen.insert(key) {
            memtable
                .insert(key, value, timestamp, operation)
                .map_err(InsertError::into_error)?;
        }
    }
    Ok(())
}
