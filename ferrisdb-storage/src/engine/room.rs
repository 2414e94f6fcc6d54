//! Making room for a write: freezing a full MemTable (it starts a new log
//! and goes to the flush thread) and slowing down or stalling writers while
//! too many frozen MemTables or level-0 tables wait for the background.
//!
//! The engine owns its logs' numbering and rotation; the log writer only
//! appends. A MemTable is full when the next record would take it past its
//! size, or its log past `StorageConfig::wal_max_file_size`. Logs rotate in
//! one place, [`Inner::freeze_many`], for every keyspace at once (RocksDB's
//! rule): it freezes the MemTables it is given, all in one new log, and
//! moves every keyspace whose active MemTable is empty to that log, so an
//! idle keyspace pins no old log. So a new log starts with every freeze and
//! each MemTable's writes begin in a log of their own. With one keyspace
//! each log holds the writes of exactly one MemTable: a log is deleted as
//! soon as its one MemTable is flushed. With several keyspaces the logs are
//! shared: a MemTable spans several logs when another keyspace froze
//! meanwhile (or a full log rotated with only this keyspace's MemTable
//! empty), and a log goes once every keyspace flushed past it.
//!
//! With several keyspaces, a write first keeps the budgets they share
//! ([`Inner::keep_budgets`], decided in `write_budget.rs`): past
//! `max_total_wal_size` the keyspaces holding the oldest live log freeze,
//! past `db_write_buffer_size` the oldest active MemTable does, and past
//! twice that writers stall. A database of only `default` skips them.
//!
//! Called by the write path (`write.rs`) under the write mutex; the rules
//! are RocksDB's: past `level0_slowdown_writes_trigger` each write is delayed
//! once, past `level0_stop_writes_trigger` (or with every frozen MemTable
//! slot taken) writers wait until a flush or a compaction catches up.

use std::sync::{Arc, MutexGuard};
use std::time::Instant;

use super::stats::Counters;
use super::write_budget::{pick_for_budget, pick_for_wal_size, BudgetStep, KeyspaceLoad, LogsNow};
use super::{lock, Inner, WriteState};
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
            // Whether making room freezes a MemTable of this keyspace, or
            // grows it: not when a full log only moves an empty one on.
            let adds_memtable = !fits && (!log_full || !active.is_empty());
            if level0 >= self.config.level0_stop_writes_trigger
                || (adds_memtable && too_many_frozen)
            {
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
                        || (adds_memtable
                            && now.frozen.len() >= self.config.max_immutable_memtables)
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
            if log_full || !active.is_empty() {
                // A full log rotates even when this keyspace's MemTable is
                // empty: with several keyspaces, others' writes may have
                // filled it (with one keyspace an empty MemTable's log holds
                // no records, so it is never full). The rotation moves an
                // empty MemTable to the new log; the next round gives a
                // batch larger than a MemTable its room.
                self.freeze_many(state, &[(ks, needed)])?;
                continue;
            }
            // A batch larger than a whole MemTable: give it a MemTable of its
            // own size rather than freezing an empty one.
            let filter = ks.settings().memtable_filter;
            let big = Arc::new(MemTable::with_filter(needed, filter));
            ks.modify_current(|now| now.with_active(big));
            break ks.current();
        };
        if let Some(since) = stalled_since {
            let waited = since.elapsed();
            Counters::add(&self.counters.stall_nanos, waited.as_nanos() as u64);
            telemetry::stalled(waited);
        }
        Ok(current)
    }

    /// Keeps the budgets the keyspaces share (`write_budget.rs`) before a
    /// write of `charge` MemTable bytes:
    ///
    /// - past `max_total_wal_size`, freezes the keyspaces whose active
    ///   MemTables hold writes in the oldest live log, once per log, so their
    ///   flushes let it go;
    /// - past `db_write_buffer_size`, freezes the oldest active MemTable, then
    ///   the next, until the active MemTables are within it;
    /// - while the active and frozen MemTables hold more than twice the
    ///   budget, waits for a flush (a stall).
    ///
    /// Called by `make_rooms` before any keyspace's room is made, so no room
    /// made for the batch is frozen after. Only with several keyspaces: a
    /// database of only `default` never passes either budget in a way this
    /// would change (see `write_budget.rs`), and pays nothing for it.
    pub(super) fn keep_budgets(
        &self,
        state: &mut MutexGuard<'_, WriteState>,
        charge: usize,
    ) -> Result<()> {
        let max_frozen = self.config.max_immutable_memtables;
        let keyspaces = Arc::clone(&state.keyspaces);
        let largest = keyspaces
            .iter()
            .map(|ks| ks.settings().memtable_size)
            .max()
            .unwrap_or(0);
        let (budget, stall_at) = self.budgets.for_memtables(largest);
        let loads = || {
            keyspaces
                .iter()
                .map(|ks| KeyspaceLoad::of(ks.id(), &ks.current()))
        };
        let logs = {
            let live = lock(&self.live_logs);
            LogsNow {
                total: live.total().saturating_add(state.log_len),
                limit: self.budgets.total_wal,
                oldest: live.oldest(),
                requested: state.wal_flush_requested,
            }
        };
        if let Some(flush) = pick_for_wal_size(logs, loads(), max_frozen) {
            tracing::debug!(
                oldest = flush.oldest,
                keyspaces = ?flush.freeze,
                live_bytes = logs.total,
                "the live logs passed max_total_wal_size: freezing the keyspaces holding the \
                 oldest"
            );
            let freeze: Vec<(&KeyspaceVersions, usize)> = flush
                .freeze
                .iter()
                .filter_map(|&id| keyspaces.get(id))
                .map(|ks| (&**ks, 0))
                .collect();
            if !freeze.is_empty() {
                self.freeze_many(state, &freeze)?;
            }
            if flush.complete {
                state.wal_flush_requested = Some(flush.oldest);
            }
        }
        let mut stalled_since: Option<Instant> = None;
        loop {
            match pick_for_budget(loads(), charge, budget, stall_at, max_frozen) {
                BudgetStep::Within => break,
                BudgetStep::Freeze(id) => {
                    let ks = keyspaces.get(id).expect("the budget picks a live keyspace");
                    self.freeze_many(state, &[(ks, 0)])?;
                }
                BudgetStep::Stall => {
                    stalled_since.get_or_insert_with(|| {
                        tracing::warn!(
                            budget,
                            "write stall: the MemTables hold more than twice \
                             db_write_buffer_size (or one keyspace's own bound); waiting for \
                             flushes"
                        );
                        Counters::add(&self.counters.stalls, 1);
                        Instant::now()
                    });
                    self.wait_background(|background| {
                        if let Some(stop) = background.stopped() {
                            return Some(Err(stop));
                        }
                        let step = pick_for_budget(loads(), charge, budget, stall_at, max_frozen);
                        (step != BudgetStep::Stall).then_some(Ok(()))
                    })?;
                }
            }
        }
        if let Some(since) = stalled_since {
            let waited = since.elapsed();
            Counters::add(&self.counters.stall_nanos, waited.as_nanos() as u64);
            telemetry::stalled(waited);
        }
        Ok(())
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
    fn start_new_log(&self, state: &mut WriteState) -> Result<u64> {
        // Taken first: when the numbers are used up, the log stays unsealed
        // and usable.
        let log = self.wal("a write")?;
        let number = self.versions.new_file_number()?;
        let sealed = log.current_file_number();
        let start = log.rotate(number).inspect_err(|error| {
            self.stop_after_failed_log(error, "rotation");
        })?;
        // Its length before the seal, a few bytes short: close enough for
        // a budget of megabytes.
        lock(&self.live_logs).sealed(sealed, state.log_len);
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

    /// Starts one new log for every keyspace (unless the current one holds
    /// no record yet) and freezes, in it, the active MemTable of each
    /// keyspace of `freeze` that holds writes: the one way the engine's logs
    /// rotate (RocksDB's rule: a log switch is for every keyspace at once).
    /// Returns the new log's number.
    ///
    /// Each frozen keyspace gets a new MemTable of its `memtable_size`, or
    /// of the bytes given with it when more (so a batch larger than a
    /// MemTable fits). Every keyspace whose active MemTable is empty, listed
    /// or not, takes its writes in the new log from now on (RocksDB's "empty
    /// column families advance their log number"), so an idle keyspace pins
    /// no log. A keyspace not listed whose active MemTable holds writes keeps
    /// it, and it now spans several logs: its first log stays exact, which is
    /// all that retention and replay need.
    ///
    /// REQUIRES: the caller holds the `write` mutex (`state`), under which
    /// alone MemTables are written to, so "empty" cannot change meanwhile.
    pub(crate) fn freeze_many(
        &self,
        state: &mut WriteState,
        freeze: &[(&KeyspaceVersions, usize)],
    ) -> Result<u64> {
        // A log without records takes the new MemTables as well as a new
        // one would: every write so far is in the logs before it, sealed and
        // synced when it began. So one write whose budgets freeze several
        // keyspaces in turn starts one log, not one each (RocksDB reuses an
        // empty log too).
        let log_number = if state.log_len <= FILE_HEADER_SIZE as u64 {
            self.wal("a write")?.current_file_number()
        } else {
            self.start_new_log(state)?
        };
        // Every record appended so far is synced: the rotation just synced
        // them (and fails after any earlier failure of the log), or the log
        // holds none and the ones before it were sealed, synced, at their
        // rotation. So every write up to the last timestamp is durable:
        // publish them before a MemTable is frozen.
        // Under SyncMode::Full writers may not have published theirs yet;
        // otherwise this changes nothing. So a frozen MemTable, and every
        // table made from it, holds only published timestamps.
        self.publish_durable(state.last_timestamp);
        let mut frozen = 0;
        for ks in state.keyspaces.iter() {
            if ks.current().active.is_empty() {
                ks.modify_current(|now| now.with_active_log(log_number));
                continue;
            }
            let Some(&(_, needed)) = freeze.iter().find(|(listed, _)| listed.id() == ks.id())
            else {
                continue;
            };
            let settings = ks.settings();
            let next = Arc::new(MemTable::with_filter(
                settings.memtable_size.max(needed),
                settings.memtable_filter,
            ));
            ks.modify_current(|now| now.with_frozen_active(next, log_number));
            frozen += 1;
        }
        tracing::debug!(log_number, frozen, "started a new log");
        if frozen > 0 {
            self.notify_background();
        }
        Ok(log_number)
    }
}
