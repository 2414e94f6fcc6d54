//! Flushing: frozen MemTables become level-0 tables.
//!
//! One background thread waits for frozen MemTables and writes the oldest one
//! out as a table. Oldest first matters: the manifest's `log_number` says
//! "every log below this is in tables", which is only true if MemTables are
//! flushed in the order they were frozen.
//!
//! A flush makes its table durable before anything depends on it:
//!
//! 1. write the table under a temporary name, fsync it, rename it, fsync the
//!    directory (the table writer and this module);
//! 2. write a manifest that lists it and moves `log_number` past the
//!    MemTable's logs, durably (`manifest::store`);
//! 3. install the new version for readers and drop the frozen MemTable;
//! 4. delete the logs the manifest no longer needs.
//!
//! A crash between any two steps leaves either an unlisted table (an orphan,
//! deleted at the next open, while the logs still hold its data) or a listed
//! table with logs that are no longer replayed.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::output::TableOutput;
use super::stats::Counters;
use super::version::{Table, Version};
use super::{lock, Inner, SuperVersion};
use crate::manifest::{self, ManifestState};
use crate::memtable::MemTable;
use crate::sstable::TableOptions;
use crate::wal;
use crate::{Result, Timestamp};

impl Inner {
    /// The table options every table of this engine is written with.
    pub(crate) fn table_options(&self) -> TableOptions {
        TableOptions {
            block_size: self.config.block_size,
            compression: self.config.compression,
            bloom_bits_per_key: self.config.bloom_filter_bits_per_key,
            ..TableOptions::default()
        }
    }

    /// Writes `memtable` to a new level-0 table and opens it.
    ///
    /// The table is durable (synced, renamed, directory synced) but not yet in
    /// the manifest.
    ///
    /// REQUIRES: `memtable` is not empty and no longer written to.
    pub(crate) fn write_table(&self, memtable: &Arc<MemTable>) -> Result<Arc<Table>> {
        debug_assert!(!memtable.is_empty(), "flush of an empty MemTable");
        let mut output = TableOutput::new(self, 0, None);
        let mut iter = memtable.iter();
        iter.seek_to_first();
        while iter.valid() {
            output.add(
                iter.user_key(),
                iter.timestamp(),
                iter.operation(),
                iter.value(),
            )?;
            iter.next();
        }
        let table = output
            .finish()?
            .pop()
            .expect("a non-empty MemTable makes one table");
        Counters::add(&self.counters.flush_bytes, table.record.file_size);
        crate::telemetry::flushed(table.record.file_size);
        Ok(table)
    }

    /// Records `version` (and, if given, a new oldest needed log) in a
    /// durable manifest, then lets `install` put it in place for readers.
    ///
    /// REQUIRES: the caller holds the `manifest` lock (`state`), so versions
    /// change one at a time.
    pub(crate) fn commit_version(
        &self,
        state: &mut ManifestState,
        version: &Version,
        log_number: Option<u64>,
        install: impl FnOnce(&SuperVersion) -> SuperVersion,
    ) -> Result<()> {
        self.store_manifest(state, |next| {
            next.tables = version.records();
            if let Some(log_number) = log_number {
                next.log_number = log_number;
            }
            next.last_timestamp = version
                .tables()
                .map(|t| t.record.max_timestamp)
                .fold(next.last_timestamp, Timestamp::max);
            // The log a clean close recorded is replayed at open and retired
            // by this manifest or an earlier one since.
            next.closed_log = None;
        })?;
        self.modify_current(install);
        Ok(())
    }

    /// Writes `state` changed by `change`, with the current next file
    /// number, as the new manifest, and keeps it as `state` once durable.
    pub(crate) fn store_manifest(
        &self,
        state: &mut ManifestState,
        change: impl FnOnce(&mut ManifestState),
    ) -> Result<()> {
        let mut next = state.clone();
        change(&mut next);
        next.next_file_number = self.next_file_number.load(Ordering::Relaxed);
        manifest::store(self.fs.as_ref(), &self.dir, &next)?;
        *state = next;
        Ok(())
    }

    /// Flushes the oldest frozen MemTable, if there is one. Returns whether
    /// there was.
    pub(crate) fn flush_oldest(&self) -> Result<bool> {
        let Some(oldest) = self.current().frozen.last().cloned() else {
            return Ok(false);
        };
        let _span = tracing::info_span!("flush", log = oldest.log_number).entered();
        let table = self.write_table(&oldest.memtable)?;

        let mut manifest_state = lock(&self.manifest);
        // Every log from the next newer MemTable on is still needed. Writers
        // may freeze more MemTables meanwhile; they go in front, so the one
        // just newer than `oldest` does not change.
        let current = self.current();
        let newer = &current.frozen[..current.frozen.len() - 1];
        let log_number = newer.last().map_or(current.active_log, |f| f.log_number);
        let version = Arc::new(current.version.with_flushed(Arc::clone(&table)));
        self.commit_version(&mut manifest_state, &version, Some(log_number), |now| {
            SuperVersion {
                active: Arc::clone(&now.active),
                active_log: now.active_log,
                frozen: now
                    .frozen
                    .iter()
                    .filter(|f| !Arc::ptr_eq(&f.memtable, &oldest.memtable))
                    .cloned()
                    .collect(),
                version: Arc::clone(&version),
            }
        })?;
        drop(manifest_state);

        Counters::add(&self.counters.flushes, 1);
        tracing::info!(
            table = table.record.file_number,
            bytes = table.record.file_size,
            entries = table.record.entry_count,
            "flushed a MemTable to level 0"
        );
        self.delete_logs_below(log_number);
        self.notify_background();
        Ok(true)
    }

    /// Deletes the write-ahead logs numbered below `log_number`. A failure
    /// only leaves a file behind, which the next open deletes.
    pub(crate) fn delete_logs_below(&self, log_number: u64) {
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

    /// The background thread: flush frozen MemTables until shutdown. A
    /// failure is recorded and stops the thread; writes are refused from then
    /// on, and reopening the database retries from the logs.
    pub(crate) fn run_flush_thread(self: Arc<Self>) {
        loop {
            let has_work = self.wait_background(|background| {
                if background.stopped().is_some() {
                    return Some(false);
                }
                (!self.current().frozen.is_empty()).then_some(true)
            });
            if !has_work {
                return;
            }
            if let Err(error) = self.flush_oldest() {
                self.set_background_error(error);
                return;
            }
        }
    }
}
