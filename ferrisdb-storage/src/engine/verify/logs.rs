//! Verifying the live logs: every record from the oldest log a keyspace
//! still needs to the end of the one being written, read back and decoded
//! as replay would decode it.
//!
//! The rules are replay's (`engine/replay.rs`), applied to a database that
//! is open:
//!
//! - A log before the one being written was sealed, whole and durably,
//!   before the next got its name: any damage in it, or a missing seal, is
//!   damage.
//! - The log being written is whole up to where the writer stood when
//!   `verify` began (its buffer handed to the OS first): damage before that
//!   offset is damage, after it a record still being appended. It must
//!   exist and reach that offset: cut at a record boundary, or gone, it
//!   shows the reader no damage, yet the next `open` loses its writes.
//! - Timestamps count up by one from record to record, across logs: a gap
//!   is a missing log, or part of one.
//! - Every log the database needs exists: the oldest the manifest names,
//!   each sealed one no flush has retired, and the one being written. A
//!   missing log with no record after it leaves no gap.
//! - The log a clean close sealed, while the manifest records it (in a
//!   read-only instance, until the writer's next `open`), is exactly as
//!   long as recorded (`engine/log_rules.rs`): cut short it may show only a
//!   torn tail, which the newest log of a read-only instance may otherwise
//!   end in, or no damage at all.
//!
//! The log being written may be sealed while it is read, which cuts off the
//! room preallocated past its records: read again once sealed, it is damaged
//! only if it still reads so.
//!
//! In a read-only instance the writer is another process: the newest log
//! is whole up to what its records say was synced (a torn tail after that
//! is a record being appended), and a log there only under its temporary
//! name holds no write yet (the writer's `open` has not named it).
//!
//! A flush that retires the oldest logs may delete them while `verify` runs:
//! a log that is gone, or a gap where one was, is damage only if the
//! manifest still needs it.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use super::super::log_rules::{ClosedLogBreach, LogRules};
use super::super::progress::Tracker;
use super::super::replay::{check_timestamp, open_log, unsealed};
use super::super::{lock, Inner};
use super::report::VerifyReport;
use crate::filename::{wal_file_name, wal_temp_file_name};
use crate::manifest::{self, ClosedLog, ManifestState};
use crate::wal::{self, DamageKind, PayloadKind, RecoveryMode, WalWriter};
use crate::write_batch::logged::{decode_logged, error_in_log};
use crate::{Error, Result, Timestamp};

/// How a log is read: its number, how much of it must read whole, and the
/// log the manifest records a clean close sealed.
#[derive(Debug, Clone, Copy)]
struct Read {
    number: u64,
    whole: Whole,
    closed: Option<ClosedLog>,
}

/// How much of a log must read whole.
#[derive(Debug, Clone, Copy)]
enum Whole {
    /// All of it, seal included: a log before the one being written.
    Sealed,
    /// Up to this offset: the log being written.
    UpTo(u64),
    /// Up to what its records say was synced: the newest log, in a
    /// read-only instance.
    Synced,
}

impl Inner {
    /// Reads every live log, in order.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the directory cannot be listed.
    pub(super) fn verify_logs(
        &self,
        state: &ManifestState,
        report: &mut VerifyReport,
        progress: &mut Tracker,
    ) -> Result<()> {
        // Where the log ended when `verify` began; once the buffer is handed
        // to the OS, every record before it is in the file, whole. A writer
        // that fails to flush has stopped the database; its log is then
        // checked only where the reader finds no record being appended. A
        // read-only instance has no writer: another process may be
        // appending to the newest log, whose damage past what it synced (a
        // torn tail) is a record being written.
        let (end_log, newest) = match &self.wal {
            Some(log) => {
                let end = log.end();
                let written = log.flush().map_or(0, |()| end.offset);
                (end.file_number, Whole::UpTo(written))
            }
            None => (u64::MAX, Whole::Synced),
        };
        let logs: Vec<_> = wal::wal_files(self.fs.as_ref(), &self.dir)?
            .into_iter()
            .filter(|(number, _)| (state.log_number..=end_log).contains(number))
            .collect();
        // The log `newest` applies to: the one being written, or in a
        // read-only instance the newest there is.
        let newest_number = match &self.wal {
            Some(_) => end_log,
            None => logs.last().map_or(0, |(number, _)| *number),
        };
        // Every log the database needs: the oldest one the manifest names,
        // each sealed one no flush has retired (a missing one shows as a
        // gap in the timestamps only when a record follows it), and the one
        // being written.
        let mut needed: BTreeSet<u64> = lock(&self.live_logs)
            .numbers()
            .filter(|number| (state.log_number..end_log).contains(number))
            .collect();
        needed.insert(state.log_number);
        if let Some(closed) = state.closed_log {
            needed.insert(closed.number);
        }
        if self.wal.is_some() {
            needed.insert(end_log);
        }
        needed.remove(&0);
        // Under its temporary name, the log holds no write yet: a writer's
        // `open` stored the manifest and has not named it yet (or crashed in
        // between), as a read-only instance may find it.
        if self
            .fs
            .exists(&self.dir.join(wal_temp_file_name(state.log_number)))?
        {
            needed.remove(&state.log_number);
        }
        // A log retired meanwhile counts as nothing to read.
        let sizes: Vec<u64> = logs
            .iter()
            .map(|(_, path)| self.fs.open(path).map_or(0, |file| file.len()))
            .collect();
        progress.expect(sizes.iter().sum());
        let rules = LogRules::of(state);
        let mut previous = None;
        for ((number, path), size) in logs.into_iter().zip(sizes) {
            needed.remove(&number);
            let whole = if number == newest_number {
                newest
            } else {
                Whole::Sealed
            };
            report.logs += 1;
            let (before, records) = (previous, report.log_records);
            let read_as = Read {
                number,
                whole,
                closed: state.closed_log,
            };
            let mut read = self.verify_log(&path, read_as, &rules, &mut previous, report);
            let sealed_since = |log: &Arc<WalWriter>| log.end().file_number > number;
            if read.is_err() && number == end_log && self.wal.as_ref().is_some_and(sealed_since) {
                // Sealed since `verify` began: the seal cut off the room
                // preallocated past its records while the reader, which
                // reads up to the length it saw at open, read it. Sealed,
                // the log changes no more: it is read again.
                (previous, report.log_records) = (before, records);
                read = self.verify_log(&path, read_as, &rules, &mut previous, report);
            }
            match read {
                Ok(()) => {}
                // Retired and deleted since `verify` began: the writes it
                // held are in tables, and the next log starts a new run of
                // timestamps.
                Err(_) if !self.still_needs(number) => {
                    report.logs -= 1;
                    previous = None;
                }
                Err(error) => {
                    report.record(&path, error);
                    // The records after damage are not read: the next
                    // log's first timestamp has nothing to follow.
                    previous = None;
                }
            }
            progress.read(size);
        }
        for number in needed.into_iter().filter(|&n| self.still_needs(n)) {
            let path = self.dir.join(wal_file_name(number));
            if let Some(closed) = state.closed_log.filter(|c| c.number == number) {
                // What `open` says of it.
                report.record(&path, ClosedLogBreach::missing(closed).error(&path));
                continue;
            }
            let reason = if self.is_read_only() {
                "the manifest needs this log (writes no table holds yet), but the file is \
                 missing; restore it from a backup"
                    .to_owned()
            } else {
                let missing = if number == end_log {
                    "the log being written is missing, so the next open loses its writes"
                } else {
                    "the database still needs this log (writes no table holds yet), but the \
                     file is missing, so the next open loses them"
                };
                format!(
                    "{missing}; the MemTables still hold them: flush now, which writes them to \
                     tables and retires the log"
                )
            };
            report.record(&path, Error::corruption(&path, 0, reason));
        }
        Ok(())
    }

    /// Whether the manifest, as it is now, still needs log `number`: the
    /// one on disk in a read-only instance, whose writer is another process.
    fn still_needs(&self, number: u64) -> bool {
        if self.is_read_only() {
            return match manifest::load(self.fs.as_ref(), &self.dir) {
                Ok(Some(state)) => state.log_number <= number,
                _ => true,
            };
        }
        self.versions.manifest().log_number <= number
    }

    /// What the manifest lets a record hold now: the one on disk in a
    /// read-only instance, `None` if it does not read.
    fn rules_now(&self) -> Option<LogRules> {
        if self.is_read_only() {
            return manifest::load(self.fs.as_ref(), &self.dir)
                .ok()
                .flatten()
                .map(|state| LogRules::of(&state));
        }
        Some(LogRules::of(&self.versions.manifest()))
    }

    /// Reads the log at `path` as `read` says, after the record of
    /// timestamp `previous`.
    fn verify_log(
        &self,
        path: &Path,
        read: Read,
        rules: &LogRules,
        previous: &mut Option<Timestamp>,
        report: &mut VerifyReport,
    ) -> Result<()> {
        // Point in time recovery ends the iteration at the first damage,
        // quietly, and tells where it is: what a torn tail or corruption
        // means here is decided below, not by the reader.
        let mut reader = open_log(self.fs.as_ref(), path, RecoveryMode::PointInTimeRecovery)?;
        for record in reader.by_ref() {
            let record = record?;
            let legacy = record.kind == PayloadKind::LegacyBatch;
            let (timestamp, batch) = decode_logged(&record.payload, legacy)
                .map_err(|e| error_in_log(path, record.offset, e))?;
            if let Err(error) = rules.check(path, record.offset, batch.entries()) {
                // A keyspace made, or range deletes declared, since `verify`
                // began may have written the record: the rules only widen,
                // so the manifest as it is now has the last word.
                let now = self.rules_now();
                if now.is_none_or(|now| now.check(path, record.offset, batch.entries()).is_err()) {
                    return Err(error);
                }
            }
            check_timestamp(path, record.offset, timestamp, *previous)?;
            *previous = Some(timestamp);
            report.log_records += 1;
        }
        // Before its damage, as `open` does: cut inside a record, the closed
        // log shows a torn tail, which a read-only instance's newest log may
        // end in, but no writer appends to a closed log.
        let (data_len, file_len) = (reader.data_len(), reader.file_len());
        ClosedLogBreach::check(read.closed, read.number, path, data_len, file_len)?;
        match (reader.damage(), read.whole) {
            (Some(damage), Whole::UpTo(end)) if damage.offset >= end => Ok(()),
            (Some(damage), Whole::Synced) if damage.kind == DamageKind::TornTail => Ok(()),
            (Some(damage), _) => Err(Error::corruption(
                path,
                damage.offset,
                format!(
                    "{damage}; the log is damaged: restore it from a backup, or repair the \
                     database, which keeps the writes before the damage"
                ),
            )),
            (None, Whole::Sealed) if unsealed(&reader) => Err(Error::corruption(
                path,
                reader.data_len(),
                "the log ends without its seal, but a later log exists: a log is sealed before \
                 the next one is named, so this one lost its end; restore it from a backup",
            )),
            (None, Whole::UpTo(end)) if reader.data_len() < end => Err(Error::corruption(
                path,
                reader.data_len(),
                format!(
                    "the log ends at byte {}, but its writer had written {end} bytes, so the \
                     next open loses the records after it; the MemTables still hold them: \
                     flush now, which writes them to tables and retires this log",
                    reader.data_len()
                ),
            )),
            (None, _) => Ok(()),
        }
    }
}
