//! A transaction's own writes, as its reads see them before the commit.
//!
//! The writes go to the transaction's batch in order, which the commit
//! writes as one record; beside it, [`PendingWrites`] keeps what they mean
//! for a read: per keyspace, the newest put or delete of each key, and the
//! ranges deleted. A range delete removes the keys it covers from the map,
//! so a key in the map was written after every pending range delete over
//! it, and wins over them, as in the batch (batch order decides).

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use ferrisdb_core::range_tombstone::range_covers;

use crate::{Key, KeyspaceId, Slice};

/// One keyspace's pending writes.
#[derive(Debug, Default)]
struct KeyspaceWrites {
    /// Each key's newest write: `Some(value)` a put, `None` a delete.
    points: BTreeMap<Key, Option<Slice>>,
    /// The ranges deleted, `[start, end)` (`end: None`: unbounded).
    ranges: Vec<(Key, Option<Key>)>,
}

/// What a transaction's own writes say about a key or a range.
#[derive(Debug, Default)]
pub(super) struct PendingWrites {
    keyspaces: HashMap<KeyspaceId, KeyspaceWrites>,
}

/// The pending writes a scan of a range merges over the snapshot's.
#[derive(Debug, Default)]
pub(super) struct PendingRange {
    /// The pending puts and deletes in the range, in key order.
    pub(super) points: Vec<(Key, Option<Slice>)>,
    /// The pending range deletes that meet the range.
    pub(super) ranges: Vec<(Key, Option<Key>)>,
}

impl PendingRange {
    /// Whether a pending range delete covers `key`.
    pub(super) fn deletes(&self, key: &[u8]) -> bool {
        self.ranges
            .iter()
            .any(|(start, end)| range_covers(start, end.as_deref(), key))
    }
}

impl PendingWrites {
    /// Notes a put of `value` (`Some`) or a delete (`None`) of `key`.
    pub(super) fn point(&mut self, keyspace: KeyspaceId, key: &[u8], value: Option<Slice>) {
        let writes = self.keyspaces.entry(keyspace).or_default();
        writes.points.insert(key.to_vec(), value);
    }

    /// Notes a delete of `[start, end)`.
    pub(super) fn range(&mut self, keyspace: KeyspaceId, start: Key, end: Option<Key>) {
        let writes = self.keyspaces.entry(keyspace).or_default();
        let upper = end.clone().map_or(Bound::Unbounded, Bound::Excluded);
        let covered: Vec<Key> = writes
            .points
            .range((Bound::Included(start.clone()), upper))
            .map(|(key, _)| key.clone())
            .collect();
        for key in covered {
            writes.points.remove(&key);
        }
        writes.ranges.push((start, end));
    }

    /// What the pending writes say `key` holds: `Some(Some(value))` put,
    /// `Some(None)` deleted (alone or by a range), `None` if they do not
    /// touch it and the snapshot decides.
    pub(super) fn get(&self, keyspace: KeyspaceId, key: &[u8]) -> Option<Option<Slice>> {
        let writes = self.keyspaces.get(&keyspace)?;
        if let Some(value) = writes.points.get(key) {
            return Some(value.clone());
        }
        writes
            .ranges
            .iter()
            .any(|(start, end)| range_covers(start, end.as_deref(), key))
            .then_some(None)
    }

    /// The pending writes in `[start, end)` of `keyspace`.
    pub(super) fn in_range(
        &self,
        keyspace: KeyspaceId,
        start: &[u8],
        end: Option<&[u8]>,
    ) -> PendingRange {
        let Some(writes) = self.keyspaces.get(&keyspace) else {
            return PendingRange::default();
        };
        let upper = end.map_or(Bound::Unbounded, Bound::Excluded);
        let points = writes
            .points
            .range::<[u8], _>((Bound::Included(start), upper))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect();
        let ranges = writes
            .ranges
            .iter()
            .filter(|(s, e)| {
                end.is_none_or(|end| s.as_slice() < end) && e.as_deref().is_none_or(|e| start < e)
            })
            .cloned()
            .collect();
        PendingRange { points, ranges }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(v: &str) -> Option<Slice> {
        Some(Slice::from(v.as_bytes().to_vec()))
    }

    #[test]
    fn a_later_write_wins_over_an_earlier_range_delete_and_not_the_reverse() {
        let mut pending = PendingWrites::default();
        pending.point(0, b"b", value("1"));
        pending.range(0, b"a".to_vec(), Some(b"c".to_vec()));
        assert_eq!(
            pending.get(0, b"b"),
            Some(None),
            "deleted by the later range"
        );
        pending.point(0, b"b", value("2"));
        assert_eq!(pending.get(0, b"b"), Some(value("2")));
        assert_eq!(pending.get(0, b"bb"), Some(None));
        assert_eq!(pending.get(0, b"c"), None, "the end is excluded");
        assert_eq!(pending.get(1, b"b"), None, "another keyspace");
    }

    #[test]
    fn a_range_holds_the_points_and_the_range_deletes_that_meet_it() {
        let mut pending = PendingWrites::default();
        pending.range(0, b"x".to_vec(), None);
        pending.point(0, b"a", value("1"));
        pending.point(0, b"m", None);
        pending.point(0, b"z", value("2"));
        let range = pending.in_range(0, b"b", Some(b"y"));
        assert_eq!(range.points, vec![(b"m".to_vec(), None)]);
        assert_eq!(range.ranges, vec![(b"x".to_vec(), None)]);
        assert!(range.deletes(b"xa"));
        assert!(!range.deletes(b"w"));
        assert!(pending.in_range(0, b"a", Some(b"b")).ranges.is_empty());
    }
}
