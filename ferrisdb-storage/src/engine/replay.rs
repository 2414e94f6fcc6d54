//! Replaying the write-ahead logs at open, under the configured
//! [`RecoveryMode`]: every log from the manifest's `log_number` on, in order,
//! into MemTables and level-0 tables, then one manifest update that records
//! those tables and retires the logs.
//!
//! Damage ends a log as the reader's mode decides (see
//! `docs/deep-dive/wal-crash-recovery.md`). The rules that span logs belong
//! to the engine:
//!
//! - Only the newest log may end early: in a torn tail, or without its seal.
//!   Every other log was sealed, in full and durably, before the next one got
//!   its name (by rotation; the log `open` starts is named only once the
//!   manifest retiring the logs before it is durable: see `recovery.rs`), so
//!   a crash cannot have shortened it, whether or not a later log holds
//!   writes; an older log cut exactly at a record boundary reads without
//!   damage, and only its missing seal tells that its last records are
//!   gone.
//! - The log a clean close sealed must be as long as the manifest recorded
//!   (`closed_log`): cut at a record boundary, seal and all, it shows no
//!   damage of its own, nor does its end turned to zeros (a zero tail, the
//!   end of a log its writer preallocated, which the close cut off). The
//!   rule is `log_rules.rs`'s, which `verify` and a read-only instance
//!   apply too.
//! - Timestamps count up by one from record to record, across logs: a gap
//!   is a missing log.
//! - Point in time recovery drops every log after the one it stopped in (at
//!   damage, at the end of a log without its seal, at a record out of
//!   order), so what it opens has no hole.

use std::path::{Path, PathBuf};

use super::log_rules::ClosedLogBreach;
use super::replay_memtables::{check_point_in_time, ReplayMemTables};
use super::stats::Counters;
use super::{lock, Inner};
use crate::filename::wal_file_name;
use crate::fs::FileSystem;
use crate::manifest::format::{INCOMPAT_RANGE_DELETES_BIT, MAX_TIMESTAMP};
use crate::manifest::ClosedLog;
use crate::wal::format::{FILE_HEADER_SIZE, FORMAT_VERSION_1};
use crate::wal::{PayloadKind, RecoveryMode, WalPosition, WalReader};
use crate::write_batch::logged::{decode_logged, error_in_log};
use crate::{Error, FeatureClass, Result, Timestamp};

impl Inner {
    /// Replays `logs` into level-0 tables, then records them in the manifest
    /// with `log_number` as the oldest log `default` still needs, and deletes
    /// the replayed logs no keyspace needs.
    pub(super) fn replay(&self, logs: &[(u64, PathBuf)], log_number: u64) -> Result<()> {
        let recorded = self.versions.manifest().clone();
        let mut last_timestamp = recorded.last_timestamp;
        let range_deletes = recorded
            .features
            .declares(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT);
        let mut memtables = ReplayMemTables::new(
            &self.versions.keyspaces(),
            &recorded.keyspaces,
            range_deletes,
        );
        let mut records = 0u64;
        let mode = self.config.wal_recovery_mode;
        // The log that ended early (its path, the offset, how), if any: only
        // the newest log may.
        let mut ended_early: Option<(PathBuf, u64, &str)> = None;
        let closed = recorded.closed_log;
        // Where point in time recovery stopped: the log, its path, and the
        // offset, if it stopped short of the end.
        let mut stopped: Option<(u64, PathBuf, u64)> = None;
        if let Some(closed) = closed.filter(|c| !logs.iter().any(|(n, _)| *n == c.number)) {
            let path = self.dir.join(wal_file_name(closed.number));
            self.lost_end_of_closed_log(ClosedLogBreach::missing(closed), &path)?;
            stopped = Some((closed.number, path, 0));
        }
        let mut replayed_up_to = None;
        'logs: for (index, (number, path)) in logs.iter().enumerate() {
            if let Some((early_path, offset, how)) = ended_early {
                let reason = if holds_no_writes(self.fs.as_ref(), &logs[index..]) {
                    // Lost bytes and the state an interrupted open of a
                    // FerrisDB that named its log before replaying leaves
                    // look alike; refused either way, with both ways out.
                    format!(
                        "this log {how}, and every later log ({} on) holds no writes: either it \
                         lost its end, or an open by an older FerrisDB (one that named its new \
                         log before replaying) lost power while it ran, which leaves exactly \
                         this with nothing lost: then PointInTimeRecovery opens it whole",
                        path.display()
                    )
                } else {
                    format!(
                        "this log {how}, as a crash leaves only the newest log, but a later \
                         log, {}, holds writes: a log is sealed before the next one is named, \
                         so this one was complete and lost its end",
                        path.display()
                    )
                };
                return Err(Error::corruption(early_path, offset, reason));
            }
            let mut reader = match open_log(self.fs.as_ref(), path, mode) {
                Ok(reader) => reader,
                Err(error)
                    if mode == RecoveryMode::PointInTimeRecovery && error.is_corruption() =>
                {
                    // A header past reading: the point in time ends before
                    // this log.
                    tracing::warn!(log = number, %error, "a log's header is damaged");
                    self.drop_logs(&logs[index..])?;
                    stopped = Some((*number, path.clone(), 0));
                    break;
                }
                Err(error) => return Err(error),
            };
            while let Some(record) = reader.next() {
                let record = record?;
                let legacy = record.kind == PayloadKind::LegacyBatch;
                let decoded = decode_logged(&record.payload, legacy)
                    .map_err(|e| error_in_log(path, record.offset, e));
                let checked = decoded.and_then(|(timestamp, batch)| {
                    memtables.check_ids(path, record.offset, batch.entries())?;
                    memtables.check_range_deletes(path, record.offset, batch.entries())?;
                    check_timestamp(path, record.offset, timestamp, replayed_up_to)?;
                    Ok((timestamp, batch))
                });
                let (timestamp, batch) = match checked {
                    Ok(checked) => checked,
                    // What a newer version wrote is refused in every mode:
                    // it is not damage, and never skipped.
                    Err(error)
                        if mode != RecoveryMode::PointInTimeRecovery || !error.is_corruption() =>
                    {
                        return Err(error)
                    }
                    Err(error) => {
                        // The point in time ends before this record.
                        tracing::warn!(%error, "stopped replaying at an invalid record");
                        let rest = reader.by_ref().filter(Result::is_ok).count() as u64;
                        let bytes = reader.data_len().saturating_sub(record.offset);
                        self.count_dropped(bytes, 1 + rest + reader.dropped_records());
                        self.drop_logs(&logs[index + 1..])?;
                        stopped = Some((*number, path.clone(), record.offset));
                        break 'logs;
                    }
                };
                replayed_up_to = Some(timestamp);
                memtables.apply(Some(self), *number, timestamp, batch.entries())?;
                last_timestamp = last_timestamp.max(timestamp);
                records += 1;
            }
            // The rule `verify` and a read-only instance hold the log to as
            // well (`log_rules.rs`).
            match ClosedLogBreach::of(closed, *number, reader.data_len(), reader.file_len()) {
                Some(breach) if breach.lost_end() => {
                    self.lost_end_of_closed_log(breach, path)?;
                    self.drop_logs(&logs[index + 1..])?;
                    stopped = Some((*number, path.clone(), breach.held));
                    break;
                }
                // Point in time recovery keeps what the close left, and
                // ends the point in time there.
                Some(breach) if mode != RecoveryMode::PointInTimeRecovery => {
                    return Err(breach.error(path))
                }
                _ => {}
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
                (reader.data_len(), "ends without its seal")
            } else {
                continue;
            };
            if mode == RecoveryMode::PointInTimeRecovery {
                // A consistent point in time has no hole: every later log
                // goes too.
                self.drop_logs(&logs[index + 1..])?;
                stopped = Some((*number, path.clone(), end.0));
                break;
            }
            ended_early = Some((path.clone(), end.0, end.1));
        }
        if let Some((log, path, offset)) = &stopped {
            check_point_in_time(&recorded, *log, path, *offset, replayed_up_to)?;
        }
        let skipped_dropped = memtables.skipped_dropped;
        let (edits, tables) = memtables.finish(self)?;
        tracing::info!(
            logs = logs.len(),
            records,
            tables,
            skipped_dropped,
            "replayed the logs"
        );

        // One manifest write for every keyspace: each keyspace's super
        // version writes to the log this open started, `log_number`, so
        // once the manifest lists the tables no replayed log is needed by
        // any keyspace, and it records `log_number` for each.
        let (keyspaces, edits): (Vec<_>, Vec<_>) = edits.into_iter().unzip();
        let edits = keyspaces.iter().map(|ks| &**ks).zip(edits).collect();
        let applied = self.versions.log_and_apply_all(edits)?;
        debug_assert_eq!(applied.log_number, log_number);
        // Only now that the manifest retires the replayed logs, some of them
        // left unsealed by a crash, may a log follow them.
        self.wal("open")?.name()?;

        let mut write = lock(&self.write);
        write.last_timestamp = last_timestamp;
        self.visible
            .store(last_timestamp, std::sync::atomic::Ordering::Release);
        drop(write);
        self.delete_logs_below(applied.log_number);
        Ok(())
    }
}

impl Inner {
    /// Records in the manifest the log a clean close just sealed, and its
    /// length, so the next `open` notices if the log loses its end: cut at
    /// a record boundary, seal and all, it shows no damage of its own.
    pub(crate) fn record_clean_close(&self, end: WalPosition) -> Result<()> {
        let closed = ClosedLog {
            number: end.file_number,
            length: end.offset,
        };
        self.versions.record_closed_log(closed)
    }

    /// The log a clean close recorded, at `path`, lost its end (`breach`):
    /// a corruption error, or under point in time recovery the point in
    /// time ends with what is left of it, and the rest counts as dropped.
    fn lost_end_of_closed_log(&self, breach: ClosedLogBreach, path: &Path) -> Result<()> {
        let error = breach.error(path);
        if self.config.wal_recovery_mode != RecoveryMode::PointInTimeRecovery {
            return Err(error);
        }
        tracing::warn!(
            log = breach.closed.number,
            %error,
            "dropped the lost end of a closed log"
        );
        self.count_dropped(breach.closed.length - breach.held, 0);
        Ok(())
    }

    fn count_dropped(&self, bytes: u64, records: u64) {
        Counters::add(&self.counters.recovery_dropped_wal_bytes, bytes);
        Counters::add(&self.counters.recovery_dropped_wal_records, records);
    }

    /// Drops `logs` whole, after the point in time recovery stopped at,
    /// counting their bytes after the header and the valid batches they hold
    /// (none readable when a header is damaged: then the whole file counts).
    fn drop_logs(&self, logs: &[(u64, PathBuf)]) -> Result<()> {
        for (number, path) in logs {
            let (bytes, records) = match count_log(self.fs.as_ref(), path) {
                Ok(counted) => counted,
                Err(error) if error.is_corruption() => (self.fs.open(path)?.len(), 0),
                Err(error) => return Err(error),
            };
            self.count_dropped(bytes, records);
            tracing::warn!(
                log = number,
                dropped_bytes = bytes,
                dropped_records = records,
                "dropped a log after the point in time recovery stopped at"
            );
        }
        Ok(())
    }
}

/// Whether a log read to its end without damage lacks the seal its writer
/// appends when it finishes the file. Version-1 logs carry no seal.
pub(super) fn unsealed(reader: &WalReader) -> bool {
    !reader.is_sealed()
        && reader
            .header()
            .is_some_and(|h| h.version > FORMAT_VERSION_1)
}

/// Checks that the record at `offset` of the log at `path`, of `timestamp`,
/// can be replayed after the record with timestamp `previous`: each write
/// takes the next timestamp, in log order, so along the logs from
/// `log_number` on they count up by one (a gap is a missing log or part of
/// one, which no crash leaves: a log's name is durable before it takes a
/// write, and logs are deleted only below `log_number`), and they stay
/// within what the engine hands out, since new writes take the timestamp
/// after the last one replayed.
pub(super) fn check_timestamp(
    path: &Path,
    offset: u64,
    timestamp: Timestamp,
    previous: Option<Timestamp>,
) -> Result<()> {
    let reason = if timestamp > MAX_TIMESTAMP {
        format!("record timestamp {timestamp} is above the largest {MAX_TIMESTAMP}")
    } else if let Some(previous) = previous.filter(|&p| timestamp != p + 1) {
        format!(
            "record timestamp {timestamp} does not follow the timestamp {previous} before it: \
             each write takes the next timestamp, so a write between them is missing (a lost \
             log, or part of one) or one was logged twice"
        )
    } else {
        return Ok(());
    };
    Err(Error::corruption(path, offset, reason))
}

/// Opens a log of this database for replay.
pub(super) fn open_log(fs: &dyn FileSystem, path: &Path, mode: RecoveryMode) -> Result<WalReader> {
    WalReader::open(fs, path, mode).map_err(|e| match e {
        // A log of this database that no longer reads as a log (its magic
        // damaged) is corruption of that file, not a mistake of the caller's.
        // (A log of a newer format version lands here too; the reason still
        // says so.)
        Error::InvalidArgument(reason) => Error::corruption(path, 0, reason),
        e => e,
    })
}

/// Whether no log of `logs` holds a record (one that does not read as a
/// log counts as holding some: nothing is assumed of it).
fn holds_no_writes(fs: &dyn FileSystem, logs: &[(u64, PathBuf)]) -> bool {
    logs.iter().all(|(_, path)| {
        open_log(fs, path, RecoveryMode::PointInTimeRecovery)
            .is_ok_and(|mut reader| reader.next().is_none() && reader.dropped_records() == 0)
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
    let bytes = reader.data_len().saturating_sub(FILE_HEADER_SIZE as u64);
    Ok((bytes, records + reader.dropped_records()))
}
