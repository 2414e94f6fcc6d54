//! What a transaction's commit is checked against: the writes of recent
//! commits, kept in memory (BadgerDB's oracle), and what the transaction
//! read ([`ReadSet`]).
//!
//! A transaction reads at the timestamp it began at and commits at a later
//! one. It is serializable if nothing committed in between wrote what it
//! read: a key it read, or any key of a range it scanned (a phantom is a
//! write into a scanned range). So the writer records, under the `write`
//! mutex, the keys and range deletes of each write a transaction may have
//! to be checked against ([`ConflictLog::record`]), and a commit, under the
//! same mutex and before it takes its timestamp, asks the log whether any
//! of them is newer than its beginning and meets its reads
//! ([`ConflictLog::check`]). Checking reads nothing from disk: a point read
//! costs one map lookup, a scanned range one ordered-map range.
//!
//! The log keeps only what a live transaction may need: [`prune`] drops
//! the writes at or below the oldest live transaction's beginning, and a
//! memory limit drops the oldest writes first. Every write above
//! [`floor`](ConflictLog::floor) is in the log; a transaction that began
//! below it can no longer be checked, and its commit is refused.
//!
//! [`prune`]: ConflictLog::prune

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::ops::Bound;

use crate::write_batch::{Entries, Entry};
use crate::{Key, KeyspaceId, Timestamp};

/// Bytes a recorded key is charged on top of its length: its place in the
/// map and in the queue.
const KEY_OVERHEAD: usize = 96;

/// What a transaction read from its snapshot: single keys, and the ranges
/// it scanned, `[start, end)` (`end: None`: unbounded), per keyspace.
#[derive(Debug, Default, Clone)]
pub(crate) struct ReadSet {
    keys: BTreeSet<(KeyspaceId, Key)>,
    ranges: Vec<(KeyspaceId, Key, Option<Key>)>,
}

impl ReadSet {
    /// Notes a read of `key` in `keyspace`.
    pub(crate) fn add_key(&mut self, keyspace: KeyspaceId, key: &[u8]) {
        self.keys.insert((keyspace, key.to_vec()));
    }

    /// Notes a scan of `[start, end)` in `keyspace`.
    pub(crate) fn add_range(&mut self, keyspace: KeyspaceId, start: Key, end: Option<Key>) {
        self.ranges.push((keyspace, start, end));
    }

    /// The keyspaces read, each once.
    pub(crate) fn keyspaces(&self) -> BTreeSet<KeyspaceId> {
        let keys = self.keys.iter().map(|(ks, _)| *ks);
        keys.chain(self.ranges.iter().map(|(ks, ..)| *ks)).collect()
    }

    /// Whether any read of `keyspace` meets `[start, end)`.
    fn meets(&self, keyspace: KeyspaceId, start: &[u8], end: Option<&[u8]>) -> bool {
        let lower = (keyspace, start.to_vec());
        let keys_in = match end {
            Some(end) => self
                .keys
                .range((
                    Bound::Included(lower),
                    Bound::Excluded((keyspace, end.to_vec())),
                ))
                .next()
                .is_some(),
            None => self
                .keys
                .range(lower..)
                .next()
                .is_some_and(|(ks, _)| *ks == keyspace),
        };
        keys_in
            || self
                .ranges
                .iter()
                .any(|(ks, s, e)| *ks == keyspace && ranges_meet(s, e.as_deref(), start, end))
    }
}

/// Whether `[s1, e1)` and `[s2, e2)` share a key (`None`: unbounded).
fn ranges_meet(s1: &[u8], e1: Option<&[u8]>, s2: &[u8], e2: Option<&[u8]>) -> bool {
    e2.is_none_or(|e2| s1 < e2) && e1.is_none_or(|e1| s2 < e1)
}

/// Why a transaction may not commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Conflict {
    /// A write at `at`, after the transaction began, of a key it read or of
    /// a key in a range it scanned.
    Write {
        keyspace: KeyspaceId,
        key: Key,
        at: Timestamp,
    },
    /// A range delete at `at`, after the transaction began, over what it
    /// read.
    RangeDelete { keyspace: KeyspaceId, at: Timestamp },
    /// The log no longer holds the writes after the transaction began: it
    /// dropped them to keep within its memory limit.
    Evicted { floor: Timestamp },
}

/// The writes of recent commits that live transactions are checked
/// against; owned by the `write` mutex.
#[derive(Debug)]
pub(crate) struct ConflictLog {
    /// Every write above it is recorded.
    floor: Timestamp,
    /// The newest recorded write of each key.
    newest: HashMap<KeyspaceId, BTreeMap<Key, Timestamp>>,
    /// The recorded point writes in timestamp order, to drop the oldest.
    points: VecDeque<(Timestamp, KeyspaceId, Key)>,
    /// The recorded range deletes, `[start, end)`, in timestamp order.
    ranges: VecDeque<(Timestamp, KeyspaceId, Key, Option<Key>)>,
    /// Bytes the records are charged.
    bytes: usize,
    /// The most bytes the records may take.
    limit: usize,
}

impl ConflictLog {
    /// An empty log that keeps at most `limit` bytes of records.
    pub(crate) fn new(limit: usize) -> ConflictLog {
        ConflictLog {
            floor: 0,
            newest: HashMap::new(),
            points: VecDeque::new(),
            ranges: VecDeque::new(),
            bytes: 0,
            limit,
        }
    }

    /// Bytes the records take now.
    #[cfg(test)]
    pub(crate) fn bytes(&self) -> usize {
        self.bytes
    }

    /// Records the writes of the batch `entries`, written at `timestamp`.
    ///
    /// REQUIRES: `timestamp` is above every timestamp recorded before (the
    /// writer holds the `write` mutex, under which timestamps are given out
    /// in order).
    pub(crate) fn record(&mut self, timestamp: Timestamp, entries: Entries<'_>) {
        for entry in entries.iter_in() {
            match entry {
                Entry::Point { keyspace, key, .. } => {
                    let newest = self.newest.entry(keyspace).or_default();
                    match newest.get_mut(key) {
                        Some(at) => *at = timestamp,
                        None => {
                            newest.insert(key.to_vec(), timestamp);
                        }
                    }
                    self.points.push_back((timestamp, keyspace, key.to_vec()));
                    self.bytes += 2 * key.len() + KEY_OVERHEAD;
                }
                Entry::RangeDelete {
                    keyspace,
                    start,
                    end,
                } => {
                    let len = start.len() + end.map_or(0, <[u8]>::len);
                    self.ranges.push_back((
                        timestamp,
                        keyspace,
                        start.to_vec(),
                        end.map(<[u8]>::to_vec),
                    ));
                    self.bytes += len + KEY_OVERHEAD;
                }
            }
        }
        while self.bytes > self.limit {
            // The oldest recorded timestamp goes whole, so the floor is exact.
            let oldest = match (self.points.front(), self.ranges.front()) {
                (Some(point), Some(range)) => point.0.min(range.0),
                (Some(point), None) => point.0,
                (None, Some(range)) => range.0,
                (None, None) => break,
            };
            self.drop_through(oldest);
        }
    }

    /// Drops what no transaction that began at `keep_above` or later needs:
    /// every write at or below it.
    pub(crate) fn prune(&mut self, keep_above: Timestamp) {
        if keep_above > self.floor {
            self.drop_through(keep_above);
        }
    }

    /// Drops every record at or below `timestamp` and raises the floor to it.
    fn drop_through(&mut self, timestamp: Timestamp) {
        while let Some((at, keyspace, key)) = self.points.front() {
            if *at > timestamp {
                break;
            }
            if let Some(newest) = self.newest.get_mut(keyspace) {
                // A newer write of the key keeps its entry.
                if newest.get(key) == Some(at) {
                    newest.remove(key);
                }
                if newest.is_empty() {
                    self.newest.remove(keyspace);
                }
            }
            self.bytes -= 2 * key.len() + KEY_OVERHEAD;
            self.points.pop_front();
        }
        while let Some((at, _, start, end)) = self.ranges.front() {
            if *at > timestamp {
                break;
            }
            self.bytes -= start.len() + end.as_ref().map_or(0, Vec::len) + KEY_OVERHEAD;
            self.ranges.pop_front();
        }
        self.floor = self.floor.max(timestamp);
    }

    /// Whether a transaction that began at `began` and read `reads` may
    /// commit: `Err` with the first conflict found otherwise.
    pub(crate) fn check(&self, began: Timestamp, reads: &ReadSet) -> Result<(), Conflict> {
        if began < self.floor {
            return Err(Conflict::Evicted { floor: self.floor });
        }
        for (keyspace, key) in &reads.keys {
            let at = self.newest.get(keyspace).and_then(|n| n.get(key));
            if let Some(&at) = at.filter(|&&at| at > began) {
                return Err(Conflict::Write {
                    keyspace: *keyspace,
                    key: key.clone(),
                    at,
                });
            }
        }
        for (keyspace, start, end) in &reads.ranges {
            let Some(newest) = self.newest.get(keyspace) else {
                continue;
            };
            let upper = end
                .as_ref()
                .map_or(Bound::Unbounded, |e| Bound::Excluded(e.clone()));
            let written = newest
                .range((Bound::Included(start.clone()), upper))
                .find(|(_, &at)| at > began);
            if let Some((key, &at)) = written {
                return Err(Conflict::Write {
                    keyspace: *keyspace,
                    key: key.clone(),
                    at,
                });
            }
        }
        let newer = self.ranges.iter().rev().take_while(|(at, ..)| *at > began);
        for (at, keyspace, start, end) in newer {
            if reads.meets(*keyspace, start, end.as_deref()) {
                return Err(Conflict::RangeDelete {
                    keyspace: *keyspace,
                    at: *at,
                });
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
