//! Reading the logs for repair: every record that checks out, those after
//! damage included (each holds writes that were acknowledged), into sorted
//! maps per keyspace.
//!
//! Which writes of a log a keyspace takes is the caller's rule (`wanted`):
//! with a manifest, those in the logs from the keyspace's log number on, as
//! `open` replays them; without one, those newer than anything its tables
//! hold, since a keyspace's tables hold all of its writes up to their
//! newest (flushes write its MemTables out oldest first), and an older
//! write read again from a log could bring back a version whose tombstone
//! a compaction has since dropped.

use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use ferrisdb_core::{Operation, RangeTombstone};

use super::report::AffectedRange;
use super::tables::is_fatal;
use crate::fs::FileSystem;
use crate::sstable::checked_blocks::OwnedEntry;
use crate::wal::{DamageKind, PayloadKind, WalReader, WalRecord};
use crate::write_batch::logged::decode_logged;
use crate::write_batch::Entry;
use crate::{KeyspaceId, Result, Timestamp};

/// One keyspace's puts and deletes read from the logs: by key, then newest
/// first, as a table holds them.
type Versions = BTreeMap<(Vec<u8>, Reverse<Timestamp>), (Operation, Vec<u8>)>;

/// The writes read from the logs, per keyspace.
#[derive(Debug, Default)]
pub(super) struct LogWrites {
    /// Each keyspace's puts and deletes, by key, then newest first.
    points: HashMap<KeyspaceId, Versions>,
    /// Each keyspace's range deletes.
    pub(super) tombstones: HashMap<KeyspaceId, Vec<RangeTombstone>>,
    /// Write batches read.
    pub(super) records: u64,
    /// The newest timestamp read.
    pub(super) max_timestamp: Timestamp,
    /// The keyspaces the writes were to, taken or not.
    pub(super) keyspaces: Vec<KeyspaceId>,
}

impl LogWrites {
    /// Keyspace `id`'s puts and deletes, in [`InternalKey`] order.
    ///
    /// [`InternalKey`]: crate::InternalKey
    pub(super) fn take_points(&mut self, id: KeyspaceId) -> Vec<OwnedEntry> {
        let points = self.points.remove(&id).unwrap_or_default();
        points
            .into_iter()
            .map(
                |((key, Reverse(timestamp)), (operation, value))| OwnedEntry {
                    key,
                    timestamp,
                    operation,
                    value,
                },
            )
            .collect()
    }

    /// Reads every record of the log at `path` that checks out, taking the
    /// writes `wanted` accepts (by keyspace, log number and timestamp), and
    /// returns where the log is damaged, if it is: a log whose damage is a
    /// torn tail of its newest records lost nothing acknowledged as
    /// durable, unless `newest` is false (a later log exists, so this one
    /// was sealed whole) or records after the damage are kept.
    ///
    /// # Errors
    ///
    /// [`Error::UnsupportedFormat`](crate::Error::UnsupportedFormat) for a log
    /// only a later FerrisDB reads;
    /// the I/O error of reading it.
    pub(super) fn read(
        &mut self,
        fs: &dyn FileSystem,
        path: &Path,
        number: u64,
        newest: bool,
        wanted: &dyn Fn(KeyspaceId, u64, Timestamp) -> bool,
    ) -> Result<Option<AffectedRange>> {
        let mut reader = match WalReader::open_salvaging(fs, path) {
            Ok(reader) => reader,
            Err(error) if is_fatal(&error) => return Err(error),
            Err(error) => return Ok(Some(lost(path, 0, &error.to_string(), None))),
        };
        let mut previous: Option<Timestamp> = None;
        let mut damage = None;
        let mut records: Vec<WalRecord> = Vec::new();
        for record in reader.by_ref() {
            match record {
                Ok(record) => records.push(record),
                Err(error) if is_fatal(&error) => return Err(error),
                Err(error) => {
                    damage = Some((0, error.to_string()));
                    break;
                }
            }
        }
        let salvaged = reader.take_salvaged();
        if let Some(found) = reader.damage() {
            // Writes kept from after the damage make what it lost a hole,
            // not a torn tail: a later write without an earlier one.
            let acknowledged =
                !newest || found.kind == DamageKind::Corruption || !salvaged.is_empty();
            if acknowledged {
                damage = Some((found.offset, found.to_string()));
            }
        }
        records.extend(salvaged);
        for record in records {
            let legacy = record.kind == PayloadKind::LegacyBatch;
            let Ok((timestamp, logged)) = decode_logged(&record.payload, legacy) else {
                damage.get_or_insert((record.offset, "a record is not a valid batch".into()));
                continue;
            };
            self.records += 1;
            self.max_timestamp = self.max_timestamp.max(timestamp);
            previous = Some(previous.map_or(timestamp, |p| p.max(timestamp)));
            for entry in logged.entries().iter_in() {
                let keyspace = entry.keyspace();
                if !self.keyspaces.contains(&keyspace) {
                    self.keyspaces.push(keyspace);
                }
                if !wanted(keyspace, number, timestamp) {
                    continue;
                }
                match entry {
                    Entry::Point {
                        operation,
                        key,
                        value,
                        ..
                    } => {
                        let versions = self.points.entry(keyspace).or_default();
                        versions.insert(
                            (key.to_vec(), Reverse(timestamp)),
                            (operation, value.to_vec()),
                        );
                    }
                    Entry::RangeDelete { start, end, .. } => {
                        let tombstone =
                            RangeTombstone::new(start.to_vec(), end.map(<[u8]>::to_vec), timestamp);
                        self.tombstones.entry(keyspace).or_default().push(tombstone);
                    }
                }
            }
        }
        Ok(damage.map(|(offset, reason)| lost(path, offset, &reason, previous)))
    }
}

/// The range the damage at `offset` of the log at `path` affects: any key
/// of any keyspace, since the lost records' keys are unknown.
fn lost(path: &Path, offset: u64, reason: &str, newest: Option<Timestamp>) -> AffectedRange {
    let newest = newest.map_or_else(String::new, |t| {
        format!(" (the newest write read from this log has timestamp {t})")
    });
    AffectedRange {
        keyspace: None,
        start: None,
        end: None,
        file: path.to_path_buf(),
        offset,
        reason: format!(
            "the log is damaged ({reason}): the writes of its unreadable records are lost, and \
             they may have been to any key{newest}"
        ),
    }
}
