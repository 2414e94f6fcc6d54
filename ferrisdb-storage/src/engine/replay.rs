//! Replaying the write-ahead logs at open, under the configured
//! [`RecoveryMode`]: every log from the manifest's `log_number` on, in order,
//! into MemTables and level-0 tables, then one manifest update that records
//! those tables and retires the logs.
//!
//! Damage ends a log as the reader's mode decides (see
//! `docs/deep-dive/wal-crash-recovery.md`). Two rules belong to the engine,
//! since they span logs:
//!
//! - Only the newest log that holds writes may end early: in a torn tail, or
//!   without its seal. Every other log was sealed, in full and durably,
//!   before the next one started, so a crash cannot have shortened it; an
//!   older log cut exactly at a record boundary reads without damage, and
//!   only its missing seal tells that its last records are gone.
//! - Point in time recovery drops every log after the one it stopped in
//!   (at damage, or at the end of a log without its seal), so what it opens
//!   has no hole.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::stats::Counters;
use super::write::{apply, charge};
use super::{lock, Inner, SuperVersion};
use crate::fs::FileSystem;
use crate::manifest::format::MAX_TIMESTAMP;
use crate::memtable::MemTable;
use crate::wal::format::{FILE_HEADER_SIZE, FORMAT_VERSION_1};
use crate::wal::{RecoveryMode, WALReader};
use crate::{Error, Result};

impl Inner {
    /// Replays `logs` into level-0 tables, then records them in the manifest
    /// with `log_number` as the oldest log still needed, and deletes the
    /// replayed logs.
    pub(super) fn replay(&self, logs: &[(u64, PathBuf)], log_number: u64) -> Result<()> {
        let mut last_timestamp = lock(&self.manifest).last_timestamp;
        let mut tables = Vec::new();
        let mut memtable = Arc::new(MemTable::with_filter(
            self.config.memtable_size,
            self.config.memtable_filter,
        ));
        let mut records = 0u64;
        let mode = self.config.wal_recovery_mode;
        // The log that ended early (its path, the offset, how), if any: only
        // the newest log that holds writes may.
        let mut ended_early: Option<(PathBuf, u64, &str)> = None;
        for (index, (number, path)) in logs.iter().enumerate() {
            let mut reader = open_log(self.fs.as_ref(), path, mode)?;
            for record in reader.by_ref() {
                let record = record?;
                // New writes take the timestamp after the last one replayed.
                if record.timestamp > MAX_TIMESTAMP {
                    return Err(Error::corruption(
                        path,
                        record.offset,
                        format!(
                            "record timestamp {} is above the largest {MAX_TIMESTAMP}",
                            record.timestamp
                        ),
                    ));
                }
                if let Some((early_path, offset, how)) = &ended_early {
                    return Err(Error::corruption(
                        early_path,
                        *offset,
                        format!(
                            "this log {how}, as a crash leaves only the newest log, but the \
                             later log {} holds writes: a log is sealed before the next one \
                             starts, so this one was complete and lost its end",
                            path.display()
                        ),
                    ));
                }
                let needed = charge(&record.batch);
                if memtable.memory_usage().saturating_add(needed) > memtable.max_size() {
                    if !memtable.is_empty() {
                        tables.push(self.write_table(&memtable)?);
                    }
                    // As on the write path, a batch larger than a whole
                    // MemTable gets one of its own size, even as the first
                    // record replayed.
                    memtable = Arc::new(MemTable::with_filter(
                        self.config.memtable_size.max(needed),
                        self.config.memtable_filter,
                    ));
                }
                apply(&memtable, &record.batch, record.timestamp)?;
                last_timestamp = last_timestamp.max(record.timestamp);
                records += 1;
            }
            let end = if let Some(damage) = reader.damage() {
                self.count_dropped(reader.dropped_bytes(), reader.dropped_records());
                tracing::warn!(
                    log = number,
                    %damage,
                    dropped_bytes = reader.dropped_bytes(),
                    dropped_records = reader.dropped_records(),
                    ?mode,
                    "cut a damaged log short at its first damage"
                );
                (damage.offset, "is damaged past its durable length")
            } else if unsealed(&reader) {
                (reader.file_len(), "ends without its seal")
            } else {
                continue;
            };
            if mode == RecoveryMode::PointInTimeRecovery {
                // A consistent point in time has no hole: every later log
                // goes too.
                for (later, path) in &logs[index + 1..] {
                    let (bytes, count) = count_log(self.fs.as_ref(), path)?;
                    self.count_dropped(bytes, count);
                    tracing::warn!(
                        log = later,
                        dropped_bytes = bytes,
                        dropped_records = count,
                        "dropped a log after the point in time recovery stopped at"
                    );
                }
                break;
            }
            ended_early = Some((path.clone(), end.0, end.1));
        }
        if !memtable.is_empty() {
            tables.push(self.write_table(&memtable)?);
        }
        tracing::info!(
            logs = logs.len(),
            records,
            tables = tables.len(),
            "replayed the logs"
        );

        let mut state = lock(&self.manifest);
        let mut version = self.current().version.as_ref().clone();
        for table in tables {
            version = version.with_flushed(table);
        }
        let version = Arc::new(version);
        self.commit_version(&mut state, &version, Some(log_number), |now| SuperVersion {
            active: Arc::clone(&now.active),
            active_log: now.active_log,
            frozen: Vec::new(),
            version: Arc::clone(&version),
        })?;
        drop(state);

        let mut write = lock(&self.write);
        write.last_timestamp = last_timestamp;
        self.visible
            .store(last_timestamp, std::sync::atomic::Ordering::Release);
        drop(write);
        self.delete_logs_below(log_number);
        Ok(())
    }
}

impl Inner {
    fn count_dropped(&self, bytes: u64, records: u64) {
        Counters::add(&self.counters.recovery_dropped_wal_bytes, bytes);
        Counters::add(&self.counters.recovery_dropped_wal_records, records);
    }
}

/// Whether a log read to its end without damage lacks the seal its writer
/// appends when it finishes the file. Version-1 logs carry no seal.
fn unsealed(reader: &WALReader) -> bool {
    !reader.is_sealed()
        && reader
            .header()
            .is_some_and(|h| h.version > FORMAT_VERSION_1)
}

/// Opens a log of this database for replay.
fn open_log(fs: &dyn FileSystem, path: &Path, mode: RecoveryMode) -> Result<WALReader> {
    WALReader::open(fs, path, mode).map_err(|e| match e {
        // A log of this database that no longer reads as a log (its magic
        // damaged) is corruption of that file, not a mistake of the caller's.
        // (A log of a newer format version lands here too; the reason still
        // says so.)
        Error::InvalidArgument(reason) => Error::corruption(path, 0, reason),
        e => e,
    })
}

/// The bytes after the header and the valid batches of a log that
/// point-in-time recovery drops whole.
fn count_log(fs: &dyn FileSystem, path: &Path) -> Result<(u64, u64)> {
    let mut reader = open_log(fs, path, RecoveryMode::PointInTimeRecovery)?;
    let mut records = 0;
    for record in reader.by_ref() {
        record?;
        records += 1;
    }
    let bytes = reader.file_len().saturating_sub(FILE_HEADER_SIZE as u64);
    Ok((bytes, records + reader.dropped_records()))
}
