//! Flushing: frozen MemTables become level-0 tables.
//!
//! One background thread waits for frozen MemTables, of any keyspace, and
//! writes the oldest one (the one whose first log is the oldest) out as a
//! table. Oldest first matters: a keyspace's log number says "every log
//! below this is in its tables", which is only true if its MemTables are
//! flushed in the order they were frozen; across keyspaces, it lets the
//! oldest log go first. The same thread lets go of dropped keyspaces' files
//! (`keyspaces.rs`).
//!
//! A flush makes its table durable before anything depends on it:
//!
//! 1. write the table under a temporary name, fsync it, rename it, fsync the
//!    directory (the table writer and this module);
//! 2. write a manifest that lists it and moves `log_number` past the
//!    MemTable's logs, durably, and
//! 3. install the new version for readers and drop the frozen MemTable, as
//!    one edit (`VersionSet::log_and_apply`);
//! 4. delete the logs the manifest no longer needs.
//!
//! A crash between any two steps leaves either an unlisted table (an orphan,
//! deleted at the next open, while the logs still hold its data) or a listed
//! table with logs that are no longer replayed.
//!
//! The table holds what a reader can still see of the MemTable, as a
//! compaction's output does: of the versions of a key between two live
//! snapshots only the newest, with point tombstones kept (an older table
//! may hold their keys) and what the MemTable's range deletes hide dropped
//! (`write_visible`, `flush_tombstones.rs`).

use std::sync::Arc;

use super::flush_tombstones::{write_visible, write_with_range_tombstones};
use super::stats::Counters;
use super::{lock, Inner};
use crate::memtable::MemTable;
use crate::range_del::fragments::FragmentedTombstones;
use crate::versions::{Frozen, KeyspaceVersions, Table, TableOutput, VersionEdit};
use crate::wal;
use crate::{Error, Result};

impl Inner {
    /// Writes `memtable`, of keyspace `ks`, to a new level-0 table and opens
    /// it. `earlier` are tables written from older MemTables of `ks` that
    /// its current version does not list yet (recovery writes several
    /// before it installs them).
    ///
    /// The table is durable (synced, renamed, directory synced) but not yet in
    /// the manifest.
    ///
    /// REQUIRES: `memtable` is not empty and no longer written to.
    pub(crate) fn write_table(
        &self,
        ks: &KeyspaceVersions,
        memtable: &Arc<MemTable>,
        earlier: &[Arc<Table>],
    ) -> Result<Arc<Table>> {
        debug_assert!(!memtable.is_empty(), "flush of an empty MemTable");
        let table_options = ks.settings().table;
        let mut output = TableOutput::new(&self.versions, table_options, 0, None);
        // The stripes of the drop rule: the live snapshots, and the newest
        // published timestamp, at or below which every later reader reads
        // too. Every timestamp of a frozen MemTable was published before
        // it was frozen (see `freeze_many`), so the newest version of each
        // key, which such a reader sees, is kept anyway; as a boundary it
        // keeps the flush right even without that.
        let snapshots = self.snapshots.timestamps_and(|| self.visible_timestamp());
        match memtable.range_tombstones() {
            None => {
                let none = FragmentedTombstones::empty();
                write_visible(&mut output, memtable, &none, &snapshots)?;
            }
            Some(tombstones) => {
                let version = Arc::clone(&ks.current().version);
                let older = version.tables().chain(earlier);
                let tombstones = tombstones.merged();
                write_with_range_tombstones(&mut output, memtable, &tombstones, &snapshots, older)?;
            }
        }
        let table = output
            .finish()?
            .pop()
            .expect("a non-empty MemTable makes one table");
        Counters::add(&self.counters.flush_bytes, table.record.file_size);
        crate::telemetry::flushed(table.record.file_size);
        Ok(table)
    }

    /// Flushes the oldest frozen MemTable of any keyspace (the one whose
    /// first log is the oldest), if there is one. Returns whether there
    /// was.
    ///
    /// A keyspace dropped while its MemTable is written gets no table: the
    /// table is deleted, and that is no failure.
    pub(crate) fn flush_oldest(&self) -> Result<bool> {
        let Some((ks, oldest)) = self.oldest_frozen() else {
            return Ok(false);
        };
        let _span =
            tracing::info_span!("flush", log = oldest.log_number, keyspace = ks.id()).entered();
        let table = self.write_table(&ks, &oldest.memtable, &[])?;
        let (number, bytes, entries) = (
            table.record.file_number,
            table.record.file_size,
            table.record.entry_count,
        );

        // Every log from the next newer MemTable on is still needed, which
        // `log_and_apply` works out. Writers may freeze more MemTables
        // meanwhile; they go in front, so the one just newer than `oldest`
        // does not change.
        let applied = self.versions.log_and_apply(&ks, |_| VersionEdit::Flushed {
            tables: vec![Arc::clone(&table)],
            memtables: vec![Arc::clone(&oldest.memtable)],
        });
        // Let go of the table before the waiters are told: once installed, a
        // compaction may replace it at once, and its file must then go with
        // the last version listing it, not after `wait_for_compactions` saw
        // the engine quiet; a dropped keyspace's table goes here.
        if matches!(applied, Err(Error::KeyspaceDropped { .. })) {
            // No manifest lists the table, nor ever will.
            table.mark_obsolete();
        }
        drop(table);
        let applied = match applied {
            Ok(applied) => applied,
            Err(Error::KeyspaceDropped { .. }) => {
                tracing::info!(table = number, "dropped keyspace: table deleted");
                self.notify_background();
                return Ok(true);
            }
            Err(error) => return Err(error),
        };

        Counters::add(&self.counters.flushes, 1);
        tracing::info!(
            table = number,
            bytes,
            entries,
            "flushed a MemTable to level 0"
        );
        self.delete_logs_below(applied.log_number);
        self.notify_background();
        Ok(true)
    }

    /// The live keyspace whose oldest frozen MemTable begins in the oldest
    /// log, and that MemTable. Flushing it first lets the oldest log go
    /// first; within a keyspace, MemTables are flushed in the order they
    /// were frozen, which its log number relies on.
    fn oldest_frozen(&self) -> Option<(Arc<KeyspaceVersions>, Frozen)> {
        let keyspaces = self.versions.keyspaces();
        keyspaces
            .iter()
            .filter_map(|ks| {
                let oldest = ks.current().frozen.last().cloned()?;
                Some((Arc::clone(ks), oldest))
            })
            .min_by_key(|(_, frozen)| frozen.log_number)
    }

    /// Whether any live keyspace has a frozen MemTable waiting.
    pub(crate) fn any_frozen(&self) -> bool {
        self.versions
            .keyspaces()
            .iter()
            .any(|ks| !ks.current().frozen.is_empty())
    }

    /// Freezes the active MemTable of every live keyspace that holds
    /// anything, all in one new log, and waits until every frozen MemTable
    /// of those keyspaces is in a table (or the keyspace was dropped).
    pub(crate) fn flush_all(&self) -> Result<()> {
        self.refuse_if_read_only("flush")?;
        self.check_background()?;
        let keyspaces = {
            let mut state = lock(&self.write);
            // Under `write`: no keyspace is created or dropped meanwhile, and
            // no MemTable written to.
            let keyspaces = self.versions.keyspaces();
            let holding: Vec<(&KeyspaceVersions, usize)> = keyspaces
                .iter()
                .filter(|ks| !ks.current().active.is_empty())
                .map(|ks| (&**ks, 0))
                .collect();
            if !holding.is_empty() {
                self.freeze_many(&mut state, &holding)?;
            }
            drop(holding);
            keyspaces
        };
        self.wait_background(|background| {
            if let Some(stop) = background.stopped() {
                return Some(Err(stop));
            }
            // Until the flush that emptied the last one deleted the logs
            // it freed, too.
            let flushed = !background.flushing
                && keyspaces
                    .iter()
                    .all(|ks| ks.is_dropped() || ks.current().frozen.is_empty());
            flushed.then_some(Ok(()))
        })
    }

    /// Deletes the write-ahead logs numbered below `log_number`, the
    /// durable manifest's, and stops counting them as live. A failure only
    /// leaves a file behind, which the next open deletes.
    pub(crate) fn delete_logs_below(&self, log_number: u64) {
        lock(&self.live_logs).retire_below(log_number);
        let logs = match wal::wal_files(self.fs.as_ref(), &self.dir) {
            Ok(logs) => logs,
            Err(error) => {
                tracing::warn!(%error, "could not list obsolete logs");
                return;
            }
        };
        for (number, path) in logs.into_iter().filter(|(n, _)| *n < log_number) {
            if let Err(error) = self.fs.remove(&path) {
                tracing::warn!(%error, number, "could not delete an obsolete log");
            }
        }
    }

    /// The background thread: flush frozen MemTables, and let go of
    /// dropped keyspaces' files, until shutdown. A
    /// failure is recorded and stops the thread; writes are refused from then
    /// on, and reopening the database retries from the logs.
    pub(crate) fn run_flush_thread(self: Arc<Self>) {
        loop {
            let has_work = self.wait_background(|background| {
                if background.stopped().is_some() {
                    return Some(false);
                }
                let has_work = !background.dropped.is_empty() || self.any_frozen();
                // Set under the lock the waiters check it under: from the
                // pick until the freed logs are deleted, the engine is not
                // quiet, though no MemTable may be frozen any more.
                background.flushing |= has_work;
                has_work.then_some(true)
            });
            if !has_work {
                return;
            }
            self.purge_dropped();
            let flushed = self.flush_oldest();
            lock(&self.background).flushing = false;
            self.notify_background();
            if let Err(error) = flushed {
                self.set_background_error(error);
                return;
            }
        }
    }
}
