//! Where replay puts each entry of a log record: a MemTable per keyspace,
//! written to that keyspace's level 0 with its own table options whenever
//! it fills, and the rules that say which entries a log still holds for
//! its keyspace (`docs/deep-dive/wal-crash-recovery.md`, "Keyspaces at
//! replay").
//!
//! All keyspaces share one log, but each flushes on its own, so a log can
//! hold writes one keyspace already has in its tables and another does not.
//! The manifest records, for each keyspace, the oldest log holding writes
//! of it that are not in its tables (its log number). An entry of a log is
//! therefore:
//!
//! | Its keyspace | Replay |
//! |---|---|
//! | `default` (id 0) | applied iff the log's number is at least `default_log_number` |
//! | a live keyspace K | applied iff the log's number is at least K's log number |
//! | dropped (an id below `next_keyspace_id` not listed) | skipped, and counted |
//! | an id at or above `next_keyspace_id` | refused: corruption naming the log, the record and the payload byte |
//!
//! Applying an entry a keyspace's tables already hold would bring back
//! what a compaction has since removed: a key put and deleted, then merged
//! away, would return from the put. A dropped keyspace's entries belong to
//! no keyspace (ids are never reused, so never to one made later under the
//! same name). No FerrisDB logs an entry of a keyspace its manifest never
//! declared: the keyspace is durable in the manifest before its handle
//! exists.
//!
//! Point in time recovery has one more keyspace rule
//! ([`check_point_in_time`]): it never opens at a point that a keyspace's
//! tables have passed.
//!
//! A range delete is replayed as it was applied (`apply_routed`), into its
//! keyspace's MemTable, by the same rules. A log holding one in a database
//! whose manifest does not declare the feature `range_deletes` is
//! corruption ([`ReplayMemTables::check_range_deletes`]): the declaration is
//! durable before the first range delete is logged.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::log_rules::LogRules;
use super::routing::{apply_routed, Routing};
use super::Inner;
use crate::manifest::{KeyspacesState, ManifestState};
use crate::memtable::MemTable;
use crate::versions::{KeyspaceSet, KeyspaceVersions, Table, VersionEdit};
use crate::write_batch::{Entries, Entry};
use crate::{Error, KeyspaceId, Operation, Result, Timestamp, WriteBatch, DEFAULT_KEYSPACE_ID};

/// A keyspace and the edit that records its replayed tables.
pub(super) type KeyspaceEdit = (Arc<KeyspaceVersions>, VersionEdit);

/// The MemTables replay fills, one per keyspace with entries to apply, and
/// the tables written from them so far.
#[derive(Debug)]
pub(super) struct ReplayMemTables {
    /// Every live keyspace, by id.
    targets: BTreeMap<KeyspaceId, Target>,
    /// Ids from here on were never given out.
    /// Entries of dropped keyspaces skipped so far.
    pub(super) skipped_dropped: u64,
    /// What the manifest lets a record hold.
    rules: LogRules,
}

/// One keyspace's part of replay.
#[derive(Debug)]
struct Target {
    ks: Arc<KeyspaceVersions>,
    /// The oldest log holding writes of it that its tables lack.
    log_number: u64,
    /// Where its entries go; `None` until the first one.
    memtable: Option<Arc<MemTable>>,
    /// Its tables written so far, oldest first.
    tables: Vec<Arc<Table>>,
    /// Its full MemTables kept in memory, oldest first: a read-only
    /// instance's replay writes no table.
    kept: Vec<Arc<MemTable>>,
}

impl ReplayMemTables {
    /// The MemTables of a replay of the logs of the live keyspaces `set`,
    /// whose log numbers `recorded` (the manifest's keyspaces) holds, in a
    /// database whose manifest declares range deletes or not.
    pub(super) fn new(
        set: &KeyspaceSet,
        recorded: &KeyspacesState,
        range_deletes_declared: bool,
    ) -> Self {
        let targets = set
            .iter()
            .map(|ks| {
                let log_number = if ks.id() == DEFAULT_KEYSPACE_ID {
                    recorded.default_log_number
                } else {
                    // Every open keyspace is one the manifest lists.
                    recorded.get(ks.id()).map_or(0, |r| r.log_number)
                };
                let target = Target {
                    ks: Arc::clone(ks),
                    log_number,
                    memtable: None,
                    tables: Vec::new(),
                    kept: Vec::new(),
                };
                (ks.id(), target)
            })
            .collect();
        ReplayMemTables {
            targets,
            skipped_dropped: 0,
            rules: LogRules {
                next_keyspace_id: recorded.next_keyspace_id,
                range_deletes_declared,
            },
        }
    }

    /// Refuses an entry of a keyspace the manifest never gave out
    /// ([`LogRules::check_ids`]).
    ///
    /// # Errors
    ///
    /// As [`LogRules::check_ids`].
    pub(super) fn check_ids(&self, path: &Path, offset: u64, entries: Entries<'_>) -> Result<()> {
        self.rules.check_ids(path, offset, entries)
    }

    /// Refuses a range delete the manifest does not declare
    /// ([`LogRules::check_range_deletes`]).
    ///
    /// # Errors
    ///
    /// As [`LogRules::check_range_deletes`].
    pub(super) fn check_range_deletes(
        &self,
        path: &Path,
        offset: u64,
        entries: Entries<'_>,
    ) -> Result<()> {
        self.rules.check_range_deletes(path, offset, entries)
    }

    /// Applies the entries of a record of log `log` at `timestamp` that the
    /// log still holds for their keyspaces, writing a keyspace's MemTable
    /// to a table of `inner` first when they do not fit in it, or, without
    /// one (a read-only instance's replay), keeping it in memory.
    ///
    /// REQUIRES: [`check_ids`](Self::check_ids) and
    /// [`check_range_deletes`](Self::check_range_deletes) passed for
    /// `entries`.
    ///
    /// # Errors
    ///
    /// The error of writing a table, or of inserting an entry.
    pub(super) fn apply(
        &mut self,
        inner: Option<&Inner>,
        log: u64,
        timestamp: Timestamp,
        entries: Entries<'_>,
    ) -> Result<()> {
        let routing = Routing::of(entries, |_| Ok(()))?;
        let targets: &[(KeyspaceId, usize)] = match &routing {
            Routing::One(id, bytes) => &[(*id, *bytes)],
            Routing::Many(targets) => targets,
        };
        let mut skipped = false;
        for &(id, bytes) in targets {
            match self.targets.get_mut(&id) {
                Some(target) if log >= target.log_number => target.make_room(inner, bytes)?,
                // Already in the keyspace's tables, or of a dropped keyspace.
                Some(_) => skipped = true,
                None => {
                    skipped = true;
                    self.skipped_dropped = self.skipped_dropped.saturating_add(
                        entries.iter_in().filter(|e| e.keyspace() == id).count() as u64,
                    );
                }
            }
        }
        let memtable_of = |id| {
            let target = &self.targets[&id];
            target.memtable.as_deref().expect("room was made")
        };
        if !skipped {
            return apply_routed(entries, timestamp, memtable_of);
        }
        // Only the entries to apply, in order: the batch's order still
        // decides between its entries of a keyspace. Rare (only logs that
        // some keyspace has flushed past), so the copy costs nothing in the
        // common case.
        let mut kept = WriteBatch::new();
        for entry in entries.iter_in() {
            let id = entry.keyspace();
            if self.targets.get(&id).is_some_and(|t| log >= t.log_number) {
                match entry {
                    Entry::Point {
                        operation: Operation::Put,
                        key,
                        value,
                        ..
                    } => kept.put_to(id, key, value),
                    Entry::Point { key, .. } => kept.delete_to(id, key),
                    Entry::RangeDelete { start, end, .. } => kept.delete_range_to(id, start, end),
                };
            }
        }
        apply_routed(kept.entries(), timestamp, memtable_of)
    }

    /// Every keyspace with entries replayed, and its MemTables holding them,
    /// oldest first: a read-only instance's replay, which writes no table.
    pub(super) fn finish_in_memory(self) -> Vec<(Arc<KeyspaceVersions>, Vec<Arc<MemTable>>)> {
        self.targets
            .into_values()
            .filter_map(|mut target| {
                target
                    .kept
                    .extend(target.memtable.take().filter(|m| !m.is_empty()));
                (!target.kept.is_empty()).then_some((target.ks, target.kept))
            })
            .collect()
    }

    /// Writes every MemTable holding entries to a table, and returns each
    /// keyspace with tables and the edit that adds them (oldest first, each
    /// to the front of level 0), and the number of tables.
    ///
    /// # Errors
    ///
    /// The error of writing a table.
    pub(super) fn finish(self, inner: &Inner) -> Result<(Vec<KeyspaceEdit>, usize)> {
        let mut edits = Vec::new();
        let mut count = 0;
        for (_, mut target) in self.targets {
            if let Some(memtable) = target.memtable.take().filter(|m| !m.is_empty()) {
                target
                    .tables
                    .push(inner.write_table(&target.ks, &memtable, &target.tables)?);
            }
            if !target.tables.is_empty() {
                count += target.tables.len();
                let edit = VersionEdit::Flushed {
                    tables: target.tables,
                    memtables: Vec::new(),
                };
                edits.push((target.ks, edit));
            }
        }
        Ok((edits, count))
    }
}

impl Target {
    /// Makes room for `needed` bytes in the keyspace's MemTable: writes a
    /// full one to a table of `inner` (or, without one, keeps it) and
    /// starts another. As on the write path, a
    /// batch larger than a whole MemTable gets one of its own size, even
    /// as the first record replayed.
    fn make_room(&mut self, inner: Option<&Inner>, needed: usize) -> Result<()> {
        let settings = self.ks.settings();
        if let Some(memtable) = &self.memtable {
            if memtable.memory_usage().saturating_add(needed) <= memtable.max_size() {
                return Ok(());
            }
            if !memtable.is_empty() {
                match inner {
                    Some(inner) => {
                        let table = inner.write_table(&self.ks, memtable, &self.tables)?;
                        self.tables.push(table);
                    }
                    None => self.kept.push(Arc::clone(memtable)),
                }
            }
        }
        self.memtable = Some(Arc::new(MemTable::with_filter(
            settings.memtable_size.max(needed),
            settings.memtable_filter,
        )));
        Ok(())
    }
}

/// Refuses a point in time that a keyspace's tables have passed: point in
/// time recovery stopped in log `log` (the one at `path`, at `offset`),
/// after the record of timestamp `point` (`None`: before any record), and
/// `recorded` is the manifest it started from.
///
/// Every keyspace flushes on its own, so one may have put in its tables
/// writes of logs at or after `log` that another keyspace still needs from
/// the logs. Opening at the point would keep the first one's writes after
/// it and lose the others': half of a batch across keyspaces, and a
/// database that never was. Every log before `log` was replayed whole, so
/// only tables holding a write after `point` show it, and the manifest's
/// `last_timestamp`, the newest timestamp any table ever held, catches
/// them, even those a compaction has merged away since. With no record
/// replayed the point is unknown: then any table of a keyspace whose log
/// number is past `log` is refused. With one keyspace neither fires: its
/// tables hold only the writes of logs before the first one replayed.
///
/// # Errors
///
/// [`Error::Corruption`] naming the log where recovery stopped, as above.
pub(super) fn check_point_in_time(
    recorded: &ManifestState,
    log: u64,
    path: &Path,
    offset: u64,
    point: Option<Timestamp>,
) -> Result<()> {
    let passed = match point {
        Some(point) => recorded.last_timestamp > point,
        None => {
            let keyspaces = &recorded.keyspaces;
            (keyspaces.default_log_number > log && !recorded.tables.is_empty())
                || keyspaces
                    .records
                    .iter()
                    .any(|k| k.log_number > log && !k.tables.is_empty())
        }
    };
    if !passed {
        return Ok(());
    }
    let point = match point {
        Some(point) => format!("after the write of timestamp {point}"),
        None => "before its first write".to_owned(),
    };
    Err(Error::corruption(
        path,
        offset,
        format!(
            "point in time recovery stops in this log, {point}, but keyspace tables hold writes \
             after the point in time (up to timestamp {}), flushed from this log or later ones: \
             opening at the point would keep those and lose the rest of the batches they \
             belong to; nothing was deleted; restore this log, or the database, from a backup",
            recorded.last_timestamp
        ),
    ))
}

#[cfg(test)]
mod tests;
