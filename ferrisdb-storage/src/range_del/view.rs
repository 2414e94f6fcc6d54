//! The range tombstones one scan sees: [`ScanTombstones`].
//!
//! A scan reads at one snapshot over one key range. Of every source's
//! tombstones, it needs only the newest timestamp at or below its snapshot
//! over each piece of its range: a version is hidden exactly when that
//! timestamp is newer than it. So the scan builds, once, from every source's
//! [`FragmentedTombstones`], one list of non-overlapping fragments each with
//! one timestamp, cut to its range; it asks that list for each key it
//! yields, and learns from it where a covered range ends, so it can seek
//! past it instead of stepping over every covered key.
//!
//! A scan over sources without range tombstones has no list at all
//! ([`ScanTombstones::new`] is `None`), and pays nothing per key.

use std::ops::Bound;

use ferrisdb_core::range_tombstone::{half_open, range_covers};
use ferrisdb_core::{compare_user_keys, RangeTombstone};

use super::fragments::{Fragment, FragmentedTombstones};
use crate::{Key, Timestamp};

/// A piece `[start, end)` of a scan's range under a range tombstone the scan
/// sees: every version older than `timestamp` of a key in it is hidden.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CoveredRange {
    /// The first key of the piece (included).
    pub start: Key,
    /// The key after the piece (excluded); `None` when unbounded above.
    pub end: Option<Key>,
    /// The newest timestamp, at or below the scan's snapshot, of the
    /// tombstones over the piece.
    pub timestamp: Timestamp,
}

/// The range tombstones a scan sees: non-overlapping [`CoveredRange`]s in
/// key order, within the scan's range, at the scan's snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ScanTombstones {
    ranges: Vec<CoveredRange>,
}

/// The fragments of `list` that meet `[lower, upper)`: found by a binary
/// search, so a scan's setup is logarithmic in the tombstones outside its
/// range, not linear.
fn in_range<'a>(
    list: &'a FragmentedTombstones,
    lower: &'a [u8],
    upper: Option<&'a [u8]>,
) -> impl Iterator<Item = &'a Fragment> + 'a {
    let fragments = list.fragments();
    // Sorted and disjoint: those ending at or before `lower` come first.
    let first = fragments.partition_point(|f| {
        f.end
            .as_deref()
            .is_some_and(|end| compare_user_keys(end, lower).is_le())
    });
    fragments[first..]
        .iter()
        .take_while(move |f| upper.is_none_or(|upper| compare_user_keys(&f.start, upper).is_lt()))
}

impl ScanTombstones {
    /// What a scan of `range` at `snapshot` sees of the tombstones of
    /// `lists` (every source's); `None` when it sees none.
    pub fn new<'a>(
        lists: impl IntoIterator<Item = &'a FragmentedTombstones>,
        snapshot: Timestamp,
        range: &(Bound<Key>, Bound<Key>),
    ) -> Option<ScanTombstones> {
        // No lists, no work: the range's bounds are not even copied.
        let mut lists = lists.into_iter().peekable();
        lists.peek()?;
        let (lower, upper) = half_open(range)?;
        // Of each fragment, only its newest visible timestamp can hide
        // anything the scan would see.
        let visible: Vec<RangeTombstone> = lists
            .flat_map(|list| in_range(list, &lower, upper.as_deref()))
            .filter_map(|f| {
                let timestamp = f.newest_at(snapshot)?;
                Some(RangeTombstone::new(
                    f.start.clone(),
                    f.end.clone(),
                    timestamp,
                ))
            })
            .collect();
        if visible.is_empty() {
            return None;
        }
        let merged =
            FragmentedTombstones::from_tombstones(visible).clipped(Some(&lower), upper.as_deref());
        let mut ranges: Vec<CoveredRange> = Vec::with_capacity(merged.fragments().len());
        for fragment in merged.fragments() {
            // Strictly descending: the first is the newest.
            let timestamp = fragment.timestamps[0];
            match ranges.last_mut() {
                Some(last)
                    if last.timestamp == timestamp
                        && last.end.as_deref() == Some(fragment.start.as_slice()) =>
                {
                    last.end.clone_from(&fragment.end);
                }
                _ => ranges.push(CoveredRange {
                    start: fragment.start.clone(),
                    end: fragment.end.clone(),
                    timestamp,
                }),
            }
        }
        (!ranges.is_empty()).then_some(ScanTombstones { ranges })
    }

    /// The covered range holding `key`, and its position in the list (a
    /// scan remembers which one it sought past).
    pub fn range_at(&self, key: &[u8]) -> Option<(usize, &CoveredRange)> {
        let after = self
            .ranges
            .partition_point(|r| compare_user_keys(&r.start, key).is_le());
        let at = after.checked_sub(1)?;
        let range = &self.ranges[at];
        range_covers(&range.start, range.end.as_deref(), key).then_some((at, range))
    }

    /// Whether the version of `key` at `version` is hidden by a tombstone.
    #[cfg(test)]
    pub fn hides(&self, key: &[u8], version: Timestamp) -> bool {
        self.range_at(key)
            .is_some_and(|(_, range)| version < range.timestamp)
    }

    /// The covered ranges, in key order.
    #[cfg(test)]
    pub fn ranges(&self) -> &[CoveredRange] {
        &self.ranges
    }
}

/// Whether `[start, end)` and `[lower, upper)` share a key: what
/// [`in_range`] finds by a binary search, tested against it.
#[cfg(test)]
fn meets(start: &[u8], end: Option<&[u8]>, lower: &[u8], upper: Option<&[u8]>) -> bool {
    end.is_none_or(|end| compare_user_keys(lower, end).is_lt())
        && upper.is_none_or(|upper| compare_user_keys(start, upper).is_lt())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fragments_in_a_range_are_those_that_meet_it() {
        let list = FragmentedTombstones::from_tombstones(vec![
            RangeTombstone::new(k("b"), Some(k("d")), 3),
            RangeTombstone::new(k("c"), Some(k("f")), 5),
            RangeTombstone::new(k("h"), Some(k("i")), 2),
            RangeTombstone::new(k("m"), None, 1),
        ]);
        let bounds = ["a", "b", "c", "cc", "d", "e", "f", "g", "h", "i", "m", "z"];
        for lower in bounds {
            for upper in bounds.iter().map(|u| Some(u.as_bytes())).chain([None]) {
                let found: Vec<&Fragment> = in_range(&list, lower.as_bytes(), upper).collect();
                let want: Vec<&Fragment> = list
                    .fragments()
                    .iter()
                    .filter(|f| meets(&f.start, f.end.as_deref(), lower.as_bytes(), upper))
                    .collect();
                assert_eq!(found, want, "[{lower}, {upper:?})");
            }
        }
    }

    fn k(s: &str) -> Key {
        s.as_bytes().to_vec()
    }

    fn list(tombstones: &[(&str, Option<&str>, Timestamp)]) -> FragmentedTombstones {
        FragmentedTombstones::from_tombstones(
            tombstones
                .iter()
                .map(|&(s, e, ts)| RangeTombstone::new(k(s), e.map(k), ts))
                .collect(),
        )
    }

    fn covered(start: &str, end: Option<&str>, timestamp: Timestamp) -> CoveredRange {
        CoveredRange {
            start: k(start),
            end: end.map(k),
            timestamp,
        }
    }

    fn everything() -> (Bound<Key>, Bound<Key>) {
        (Bound::Unbounded, Bound::Unbounded)
    }

    #[test]
    fn sources_merge_into_the_newest_visible_timestamp_per_piece() {
        let newer = list(&[("c", Some("f"), 9)]);
        let older = list(&[("a", Some("e"), 4), ("x", None, 2)]);
        let view = ScanTombstones::new([&newer, &older], 10, &everything()).unwrap();
        assert_eq!(
            view.ranges(),
            [
                covered("a", Some("c"), 4),
                covered("c", Some("f"), 9),
                covered("x", None, 2)
            ]
        );
        assert!(view.hides(b"d", 8));
        assert!(!view.hides(b"d", 9), "a write at the delete's timestamp");
        assert!(!view.hides(b"f", 1));
        assert!(view.hides(b"zzz", 1));
        assert_eq!(view.range_at(b"c").unwrap().0, 1);
    }

    #[test]
    fn a_snapshot_sees_only_older_tombstones_and_neighbours_join() {
        let newer = list(&[("c", Some("f"), 9)]);
        let older = list(&[("a", Some("e"), 4), ("e", Some("g"), 4)]);
        // At 8 the delete at 9 is invisible: [a, g) at 4 in one piece.
        let view = ScanTombstones::new([&newer, &older], 8, &everything()).unwrap();
        assert_eq!(view.ranges(), [covered("a", Some("g"), 4)]);
        assert!(ScanTombstones::new([&newer, &older], 3, &everything()).is_none());
        assert!(ScanTombstones::new([&FragmentedTombstones::empty()], 9, &everything()).is_none());
    }

    #[test]
    fn the_view_is_cut_to_the_scan_range() {
        let all = list(&[("a", None, 5)]);
        let range = (Bound::Excluded(k("c")), Bound::Included(k("m")));
        let view = ScanTombstones::new([&all], 9, &range).unwrap();
        assert_eq!(view.ranges(), [covered("c\0", Some("m\0"), 5)]);
        let outside = list(&[("a", Some("c"), 5), ("q", None, 6)]);
        assert!(ScanTombstones::new([&outside], 9, &range).is_none());
        let inverted = (Bound::Included(k("m")), Bound::Excluded(k("c")));
        assert!(ScanTombstones::new([&all], 9, &inverted).is_none());
    }
}
