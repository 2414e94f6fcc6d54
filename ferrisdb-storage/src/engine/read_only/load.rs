//! Loading a read-only instance's view: the manifest the writer wrote last,
//! its tables, and the writes of the logs it still needs, as of one moment
//! of the writer's.
//!
//! The writer goes on while a view loads: it may flush or compact, write a
//! new manifest and delete the tables and logs the old one listed. A load
//! that fails therefore reads the manifest again: when the writer has
//! replaced it, the failure may be its doing (a file deleted between the
//! manifest's read and the file's opening), and the load starts over from
//! the new one; when it has not, the failure is the database's, and is
//! returned. Once a table or log is open, its deletion no longer matters.
//!
//! The logs are read as the writer's own `open` reads them
//! (`engine/replay.rs`), with one difference: the newest may end in a record
//! the writer is still appending, so a torn tail there ends the view where
//! the records end (`TolerateCorruptedTail`), whatever the configured
//! recovery mode; corruption inside what the writer synced is an error
//! there as anywhere, and every log before the newest must read whole and
//! sealed. The log a clean close sealed is held to the length the manifest
//! recorded, as `open` holds it (`engine/log_rules.rs`), newest or not: no
//! writer appends to it while a manifest records it, so a torn tail there
//! is its end lost, not a record being appended.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;

use super::super::log_rules::ClosedLogBreach;
use super::super::replay::{check_timestamp, open_log, unsealed};
use super::super::replay_memtables::ReplayMemTables;
use super::super::restored_keyspaces::{install_tables, keyspaces_of};
use super::super::Inner;
use crate::filename::{wal_file_name, wal_temp_file_name, MANIFEST_FILE_NAME};
use crate::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use crate::manifest::{self, ManifestState};
use crate::memtable::MemTable;
use crate::versions::{Frozen, KeyspaceSet, KeyspaceVersions, SuperVersion, Table};
use crate::wal::{self, PayloadKind, RecoveryMode};
use crate::write_batch::logged::{decode_logged, error_in_log};
use crate::{Error, FeatureClass, Result, Timestamp, DEFAULT_KEYSPACE_ID};

/// How many times a load starts over because the writer replaced the
/// manifest while it read: each time, the writer finished a flush or a
/// compaction, which takes far longer than reading a manifest.
const ATTEMPTS: usize = 32;

/// What a read-only instance serves reads from.
#[derive(Debug)]
pub(super) struct View {
    /// The manifest it was loaded from.
    pub(super) state: ManifestState,
    /// Every keyspace, `default` among them, fresh objects whose super
    /// versions hold the view's tables and replayed MemTables.
    pub(super) keyspaces: KeyspaceSet,
    /// The newest timestamp of the view: the manifest's, or the last
    /// replayed write's.
    pub(super) last_timestamp: Timestamp,
}

impl Inner {
    /// Loads the newest view of the database, reusing the tables of `open`
    /// (by file number) that the manifest still lists as they are.
    ///
    /// # Errors
    ///
    /// A corruption error naming the damaged manifest, table or log, or
    /// the manifest missing; [`Error::UnsupportedFormat`] for a database of
    /// a newer FerrisDB; the I/O error, also when the writer replaced the
    /// manifest during every attempt.
    pub(super) fn load_view(&self, open: &HashMap<u64, Arc<Table>>) -> Result<View> {
        let fs = self.fs.as_ref();
        let mut failure = None;
        for _ in 0..ATTEMPTS {
            let state = manifest::load(fs, &self.dir)?.ok_or_else(|| {
                Error::corruption(
                    self.dir.join(MANIFEST_FILE_NAME),
                    0,
                    "there is no manifest here, so no database to read: a read-only open never \
                     makes one; if the directory holds a database whose manifest was lost, \
                     repair it",
                )
            })?;
            match self.load_view_of(state.clone(), open) {
                Ok(view) => return Ok(view),
                Err(error) if manifest::load(fs, &self.dir)?.as_ref() == Some(&state) => {
                    return Err(error)
                }
                Err(error) => failure = Some(error),
            }
        }
        let last = failure.map_or_else(String::new, |e| e.to_string());
        Err(Error::io(
            self.dir.join(MANIFEST_FILE_NAME),
            std::io::Error::other(format!(
                "the writer replaced the manifest during each of {ATTEMPTS} attempts to load \
                 the database; try again (the last attempt failed with: {last})"
            )),
        ))
    }

    /// The view of the database that manifest `state` records, with the
    /// writes of the logs it needs.
    fn load_view_of(&self, state: ManifestState, open: &HashMap<u64, Arc<Table>>) -> Result<View> {
        // Reads never ask which log a MemTable's writes came from.
        let log = state.log_number;
        let default =
            KeyspaceVersions::new(DEFAULT_KEYSPACE_ID, "default", self.default.settings(), log);
        let others = keyspaces_of(&self.config, &state, log)?;
        let keyspaces = KeyspaceSet::restored(Arc::new(default), others);
        install_tables(
            self.fs.as_ref(),
            &self.dir,
            &keyspaces,
            &state,
            |record| match open.get(&record.file_number) {
                Some(table) if table.record == *record => Ok(Arc::clone(table)),
                _ => self.versions.open_table(record.clone()),
            },
        )?;
        let last_timestamp = self.replay_in_memory(&state, &keyspaces)?;
        Ok(View {
            state,
            keyspaces,
            last_timestamp,
        })
    }

    /// Replays the logs `state` needs into MemTables of `keyspaces`, kept in
    /// memory; returns the newest timestamp, the manifest's when the logs
    /// hold none after it.
    fn replay_in_memory(
        &self,
        state: &ManifestState,
        keyspaces: &KeyspaceSet,
    ) -> Result<Timestamp> {
        let fs = self.fs.as_ref();
        let declared = state
            .features
            .declares(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT);
        let mut memtables = ReplayMemTables::new(keyspaces, &state.keyspaces, declared);
        let logs = self.logs_of(state)?;
        if let Some(closed) = state.closed_log {
            if !logs.iter().any(|(number, _)| *number == closed.number) {
                let path = self.dir.join(wal_file_name(closed.number));
                return Err(ClosedLogBreach::missing(closed).error(&path));
            }
        }
        let mut previous = None;
        let mut last = state.last_timestamp;
        for (index, (number, path)) in logs.iter().enumerate() {
            let newest = index + 1 == logs.len();
            let mode = if newest {
                RecoveryMode::TolerateCorruptedTail
            } else {
                RecoveryMode::AbsoluteConsistency
            };
            let mut reader = open_log(fs, path, mode)?;
            for record in reader.by_ref() {
                let record = record?;
                let legacy = record.kind == PayloadKind::LegacyBatch;
                let (timestamp, batch) = decode_logged(&record.payload, legacy)
                    .map_err(|e| error_in_log(path, record.offset, e))?;
                memtables.check_ids(path, record.offset, batch.entries())?;
                memtables.check_range_deletes(path, record.offset, batch.entries())?;
                check_timestamp(path, record.offset, timestamp, previous)?;
                memtables.apply(None, *number, timestamp, batch.entries())?;
                previous = Some(timestamp);
                last = last.max(timestamp);
            }
            let (data_len, file_len) = (reader.data_len(), reader.file_len());
            ClosedLogBreach::check(state.closed_log, *number, path, data_len, file_len)?;
            if !newest && unsealed(&reader) {
                return Err(Error::corruption(
                    path,
                    reader.data_len(),
                    "the log ends without its seal, but a later log exists: a log is sealed \
                     before the next one is named, so this one lost its end; restore it from a \
                     backup",
                ));
            }
        }
        for (ks, replayed) in memtables.finish_in_memory() {
            ks.modify_current(|now| with_memtables(now, replayed));
        }
        Ok(last)
    }
}

impl Inner {
    /// The logs manifest `state` needs, oldest first: from its log number
    /// on. The writer's `open` stores the manifest naming its new log
    /// before it names the log (`engine/replay.rs`): until then, or for
    /// good if it crashed in between, the log is there only under its
    /// temporary name and holds no write, and the writer's next `open`
    /// accepts that. The view then needs no log: the writer names the log
    /// before its first write, so a listing that lacks the log predates
    /// every write to it. A log named between the listing and the look at
    /// its temporary name is listed again.
    fn logs_of(&self, state: &ManifestState) -> Result<Vec<(u64, PathBuf)>> {
        let fs = self.fs.as_ref();
        let needed = state.log_number;
        let list = || -> Result<Vec<(u64, PathBuf)>> {
            Ok(wal::wal_files(fs, &self.dir)?
                .into_iter()
                .filter(|(number, _)| *number >= needed)
                .collect())
        };
        let mut logs = list()?;
        if needed == 0 || logs.first().map(|(n, _)| *n) == Some(needed) {
            return Ok(logs);
        }
        if logs.is_empty() {
            if fs.exists(&self.dir.join(wal_temp_file_name(needed)))? {
                return Ok(logs);
            }
            logs = list()?;
            if logs.first().map(|(n, _)| *n) == Some(needed) {
                return Ok(logs);
            }
        }
        // Gone, the oldest was retired by the writer since the manifest was
        // read, its writes flushed to tables this view does not list.
        Err(Error::corruption(
            self.dir.join(wal_file_name(needed)),
            0,
            "the manifest needs this log (its oldest unflushed writes) but the file is \
             missing; restore it from a backup",
        ))
    }
}

/// `now` with `memtables` (oldest first, at least one) as its MemTables:
/// the newest active, the rest frozen.
fn with_memtables(now: &SuperVersion, mut memtables: Vec<Arc<MemTable>>) -> SuperVersion {
    let active = memtables.pop().unwrap_or_else(|| Arc::clone(&now.active));
    SuperVersion {
        active,
        active_log: now.active_log,
        frozen: memtables
            .into_iter()
            .rev()
            .map(|memtable| Frozen {
                memtable,
                log_number: now.active_log,
            })
            .collect(),
        version: Arc::clone(&now.version),
    }
}
