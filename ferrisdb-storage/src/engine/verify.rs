//! Verifying an open database: every live table and log read back from the
//! disk, every checksum and invariant checked, and every damaged file
//! reported with the offset of its damage, not just the first.
//!
//! What is checked, and against what:
//!
//! - the manifest: the file decodes, and it is the state the database holds
//!   (both read under the `manifest` lock, so no change comes between);
//! - each keyspace's tables, from the versions taken under the same lock:
//!   each level below 0 sorted by key with disjoint ranges; each table
//!   opened afresh from the disk, not through the table cache (whose reader
//!   keeps the index and filter it read at open, which would hide damage
//!   done to them since), and checked to be the table the manifest records,
//!   holding the keyspace it is listed under, with every block's checksum
//!   and every key's order holding (`TableReader::verify`);
//! - the logs, from the oldest one a keyspace needs to the one being
//!   written (`verify/logs.rs`).
//!
//! No lock is held while files are read: the super versions taken keep
//! their tables' files from deletion, and a log retired meanwhile is told
//! apart from a missing one. So `verify` runs beside reads, writes, flushes
//! and compactions, and reports what the database was when it began.

mod logs;
pub(crate) mod report;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::progress::Tracker;
use super::{restored_keyspaces, Inner};
use crate::filename::{parse_file_name, table_file_name, FileType, MANIFEST_FILE_NAME};
use crate::manifest::{self, ManifestState};
use crate::sstable::TableReader;
use crate::versions::{check_record, SuperVersion, Table};
use crate::{KeyspaceId, Result};
use report::{Damage, VerifyReport};

impl Inner {
    /// Reads every live table and log; see the module docs.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the directory cannot be listed.
    /// Damage is not an error: the report lists it.
    pub(crate) fn verify(&self, progress: &mut Tracker) -> Result<VerifyReport> {
        let mut report = VerifyReport::default();
        let (state, keyspaces) = self.verify_manifest(&mut report);
        progress.expect(
            keyspaces
                .iter()
                .flat_map(|(_, current)| current.version.tables())
                .map(|t| t.record.file_size)
                .sum(),
        );
        for (id, current) in &keyspaces {
            self.verify_tables(&state, *id, current, &mut report, progress);
        }
        self.verify_logs(&state, &mut report, progress)?;
        let tables: HashSet<u64> = keyspaces
            .iter()
            .flat_map(|(_, current)| current.version.tables().map(|t| t.record.file_number))
            .collect();
        report.unlisted = self.unlisted(&tables, state.log_number)?;
        Ok(report)
    }

    /// Checks the manifest on disk against the state the database holds,
    /// and returns that state with every keyspace's super version, taken
    /// together under the `manifest` lock.
    fn verify_manifest(
        &self,
        report: &mut VerifyReport,
    ) -> (ManifestState, Vec<(KeyspaceId, Arc<SuperVersion>)>) {
        let state = self.versions.manifest();
        let keyspaces = self
            .versions
            .keyspaces()
            .iter()
            .map(|ks| (ks.id(), ks.current()))
            .collect();
        let path = self.dir.join(MANIFEST_FILE_NAME);
        // Compared as the decoder gives them back: what the state encodes
        // to, decoded, is what the file holds when it holds that encoding.
        let held = ManifestState::decode(&state.encode(), &path).ok();
        let reason = match manifest::load(self.fs.as_ref(), &self.dir) {
            Ok(Some(on_disk)) if Some(&on_disk) == held.as_ref() => None,
            // A read-only instance's writer replaces the manifest at will:
            // that it decodes is all that is asked of it.
            Ok(Some(_)) if self.is_read_only() => None,
            Ok(Some(_)) => Some(
                "the manifest on disk is not the one the database holds: another process \
                 replaced it, or restored an older one; close the database without writing and \
                 restore the MANIFEST from a backup, or repair the database",
            ),
            Ok(None) => Some(
                "the manifest is missing: the next open refuses the database (it holds tables \
                 and logs no manifest lists); restore the MANIFEST from a backup, or repair the \
                 database",
            ),
            Err(error) => {
                report.record(&path, error);
                None
            }
        };
        if let Some(reason) = reason {
            report.damage.push(Damage {
                file: path,
                offset: 0,
                reason: reason.to_owned(),
            });
        }
        (state.clone(), keyspaces)
    }

    /// Checks the shape of keyspace `id`'s levels in `current`, and reads
    /// each of its tables.
    fn verify_tables(
        &self,
        state: &ManifestState,
        id: KeyspaceId,
        current: &SuperVersion,
        report: &mut VerifyReport,
        progress: &mut Tracker,
    ) {
        if let Err(error) = restored_keyspaces::check_levels(&self.dir, &current.version.levels) {
            report.record(&self.dir.join(MANIFEST_FILE_NAME), error);
        }
        for table in current.version.tables() {
            let path = self.dir.join(table_file_name(table.record.file_number));
            report.tables += 1;
            match self.verify_table(state, id, table, &path) {
                Ok(entries) => {
                    report.table_entries += entries;
                    report.table_bytes += table.record.file_size;
                }
                Err(error) => report.record(&path, error),
            }
            progress.read(table.record.file_size);
        }
    }

    /// Reads the table `table` of keyspace `id`, at `path`, whole; returns
    /// how many entries it holds.
    fn verify_table(
        &self,
        state: &ManifestState,
        id: KeyspaceId,
        table: &Table,
        path: &Path,
    ) -> Result<u64> {
        let reader = TableReader::open(&self.fs, path, None)?;
        check_record(&table.record, &reader)?;
        restored_keyspaces::check_keyspace(state, id, reader.properties().keyspace, path)?;
        reader.verify()
    }

    /// The tables and logs in the directory that no manifest lists: tables
    /// outside `tables`, logs below `oldest_log`, the oldest one needed.
    fn unlisted(&self, tables: &HashSet<u64>, oldest_log: u64) -> Result<Vec<PathBuf>> {
        let mut unlisted: Vec<PathBuf> = self
            .fs
            .list(&self.dir)?
            .into_iter()
            .filter(|name| match parse_file_name(name) {
                Some(FileType::Table(number)) => !tables.contains(&number),
                Some(FileType::Wal(number)) => number < oldest_log,
                _ => false,
            })
            .map(|name| self.dir.join(name))
            .collect();
        unlisted.sort();
        Ok(unlisted)
    }
}
