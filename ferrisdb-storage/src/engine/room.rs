//! Making room for a write: freezing a full MemTable (it starts a new log
//! and goes to the flush thread) and slowing down or stalling writers while
//! too many frozen MemTables or level-0 tables wait for the background.
//!
//! The engine owns its logs' numbering and rotation; the log writer only
//! appends. A MemTable is full when the next record would take it past its
//! size, or its log past `StorageConfig::wal_max_file_size`, and a new log
//! starts with every freeze ([`Inner::start_new_log`] is the one place it
//! happens). So each MemTable's writes begin in a log of their own, and with
//! one keyspace each log holds the writes of exactly one MemTable: a log is
//! deleted as soon as its one MemTable is flushed. With several keyspaces
//! the logs are shared: a MemTable spans several logs when another keyspace
//! froze meanwhile, and a log goes once every keyspace flushed past it.
//!
//! Called by the write path (`write.rs`) under the write mutex; the rules
//! are RocksDB's: past `level0_slowdown_writes_trigger` each write is delayed
//! once, past `level0_stop_writes_trigger` (or with every frozen MemTable
//! slot taken) writers wait until a flush or a compaction catches up.

use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use super::stats::Counters;
use super::{Inner, WriteState};
use crate::memtable::MemTable;
use crate::telemetry;
use crate::versions::{KeyspaceVersions, SuperVersion};
use crate::wal::format::FILE_HEADER_SIZE;
use crate::wal::len_after_append;
use crate::Result;

impl Inner {
    /// Ensures the active MemTable of keyspace `ks` can take `needed` more
    /// bytes, and its log a record of `payload_len` bytes, freezing it and
    /// stalling as necessary:
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
    pub(super) fn make_room(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        ks: &KeyspaceVersions,
        needed: usize,
        payload_len: usize,
    ) -> Result<Arc<SuperVersion>> {
        let mut stalled_since: Option<Instant> = None;
        let mut slowed_down = false;
        let current = loop {
            let current = ks.current();
            let level0 = self.level0_for_stalls(&current);
            let too_many_frozen = current.frozen.len() >= self.config.max_immutable_memtables;
            let active = &current.active;
            // A log without records takes any record, however large.
            let log_full = state.log_len > FILE_HEADER_SIZE as u64
                && len_after_append(state.log_len, payload_len) > self.config.wal_max_file_size;
            let fits =
                !log_full && active.memory_usage().saturating_add(needed) <= active.max_size();
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
                self.wait_for_background(ks, |now| {
                    self.level0_for_stalls(now) >= self.config.level0_stop_writes_trigger
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
            if active.is_empty() && log_full {
                // Other keyspaces' writes filled the log: continue in a new
                // one, which this keyspace's empty MemTable begins in.
                // (With one keyspace an empty MemTable's log holds no
                // records, so it is never full.)
                let log_number = self.start_new_log(state)?;
                ks.modify_current(|now| now.with_active_log(log_number));
                continue;
            }
            if active.is_empty() {
                // A batch larger than a whole MemTable: give it a MemTable of
                // its own size rather than freezing an empty one.
                let filter = ks.settings().memtable_filter;
                let big = Arc::new(MemTable::with_filter(needed, filter));
                ks.modify_current(|now| now.with_active(big));
            } else {
                self.freeze(state, ks, &current, needed)?;
            }
            break ks.current();
        };
        if let Some(since) = stalled_since {
            let waited = since.elapsed();
            Counters::add(&self.counters.stall_nanos, waited.as_nanos() as u64);
            telemetry::stalled(waited);
        }
        Ok(current)
    }

    /// The level-0 table count that slows and stops writes: the real one, or
    /// 0 without background compaction, since nothing would ever bring level
    /// 0 down (RocksDB's rule too). One function for the stall and the wait,
    /// so a writer never waits for a count its stall did not consider.
    fn level0_for_stalls(&self, current: &SuperVersion) -> usize {
        if self.config.disable_auto_compactions {
            0
        } else {
            current.version.level0_len()
        }
    }

    /// Finishes the current log (synced and sealed) and continues in a new
    /// one, whose number it returns: the one place the engine's logs rotate,
    /// called whenever a new MemTable starts.
    pub(crate) fn start_new_log(&self, state: &mut WriteState) -> Result<u64> {
        // Taken first: when the numbers are used up, the log stays unsealed
        // and usable.
        let number = self.versions.new_file_number()?;
        let start = self.wal.rotate(number).inspect_err(|error| {
            self.stop_after_failed_log(error, "rotation");
        })?;
        state.log_len = start.offset;
        Ok(number)
    }

    /// Waits until `still_blocked` is false for the current super version of
    /// keyspace `ks`, or fails with the background error or
    /// [`Error::Closed`].
    pub(crate) fn wait_for_background(
        &self,
        ks: &KeyspaceVersions,
        still_blocked: impl Fn(&SuperVersion) -> bool,
    ) -> Result<()> {
        self.wait_background(|background| {
            if let Some(stop) = background.stopped() {
                return Some(Err(stop));
            }
            (!still_blocked(&ks.current())).then_some(Ok(()))
        })
    }

    /// Freezes the active MemTable of keyspace `ks`, whose super version is
    /// `current`, and starts a new one with a new log.
    ///
    /// `needed` sizes the new MemTable when a single batch is larger than
    /// `memtable_size`, so any batch within the key and value limits fits.
    ///
    /// REQUIRES: the active MemTable is not empty.
    pub(crate) fn freeze(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        ks: &KeyspaceVersions,
        current: &SuperVersion,
        needed: usize,
    ) -> Result<()> {
        debug_assert!(!current.active.is_empty(), "froze an empty MemTable");
        let log_number = self.start_new_log(state)?;
        // The rotation synced every record appended so far (and fails after
        // any earlier failure of the log), so every write up to the last
        // timestamp is durable: publish them before the MemTable is frozen.
        // Under SyncMode::Full writers may not have published theirs yet;
        // otherwise this changes nothing. So a frozen MemTable, and every
        // table made from it, holds only published timestamps.
        self.publish_durable(state.last_timestamp);
        let settings = ks.settings();
        let memtable_size = settings.memtable_size.max(needed);
        let next = Arc::new(MemTable::with_filter(
            memtable_size,
            settings.memtable_filter,
        ));
        ks.modify_current(|now| now.with_frozen_active(next, log_number));
        tracing::debug!(log_number, "froze the active MemTable");
        self.notify_background();
        Ok(())
    }
}
