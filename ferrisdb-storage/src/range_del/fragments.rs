//! Range tombstones cut into non-overlapping fragments, so a read finds the
//! ones covering a key by binary search (RocksDB's
//! `FragmentedRangeTombstoneList`).
//!
//! Tombstones overlap: `[a, m)@5` and `[f, z)@8` both cover `g`. Cut at every
//! start and end, they become fragments that do not, each with the
//! timestamps of the tombstones over it, newest first:
//!
//! ```text
//! [a, f) {5}    [f, m) {8, 5}    [m, z) {8}
//! ```
//!
//! A read of `key` at `read_ts` finds the fragment holding `key` (binary
//! search over starts) and in it the newest timestamp at most `read_ts`
//! (binary search over the timestamps): `O(log n + log m)` however many
//! tombstones there are. Adjacent fragments with the same timestamps are
//! joined, so the list is canonical: one set of tombstones has one list.

use std::collections::BTreeMap;

use ferrisdb_core::range_tombstone::range_covers;
use ferrisdb_core::{compare_user_keys, RangeTombstone};

use crate::{Key, Timestamp};

/// One piece of the key space, `[start, end)`, and the timestamps of the
/// range tombstones over all of it, strictly descending.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    /// The first key of the piece (included).
    pub start: Key,
    /// The key after the piece (excluded); `None` when unbounded above.
    pub end: Option<Key>,
    /// The timestamps of the tombstones covering the piece, newest first.
    pub timestamps: Vec<Timestamp>,
}

impl Fragment {
    /// Whether `key` is in the fragment.
    pub fn covers(&self, key: &[u8]) -> bool {
        range_covers(&self.start, self.end.as_deref(), key)
    }

    /// The newest timestamp of the fragment at most `read_ts`.
    pub fn newest_at(&self, read_ts: Timestamp) -> Option<Timestamp> {
        let at = self.timestamps.partition_point(|&t| t > read_ts);
        self.timestamps.get(at).copied()
    }
}

/// Non-overlapping fragments in key order: the range tombstones of one
/// source (a MemTable, a table, the inputs of a compaction).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FragmentedTombstones {
    fragments: Vec<Fragment>,
}

impl FragmentedTombstones {
    /// No tombstones.
    pub fn empty() -> Self {
        FragmentedTombstones::default()
    }

    /// Cuts `tombstones` into fragments: a sweep over their starts and ends in
    /// key order, keeping the timestamps of the tombstones open at each.
    pub fn from_tombstones(mut tombstones: Vec<RangeTombstone>) -> Self {
        tombstones.retain(|t| {
            t.end
                .as_deref()
                .is_none_or(|end| compare_user_keys(&t.start, end).is_lt())
        });
        tombstones.sort_by(|a, b| compare_user_keys(&a.start, &b.start));
        // The tombstones open at the sweep's position, by end (None sorts
        // last: it never closes), each with its timestamp.
        let mut open: BTreeMap<(EndKey, Timestamp), usize> = BTreeMap::new();
        let mut fragments: Vec<Fragment> = Vec::new();
        let mut next = tombstones.into_iter().peekable();
        let mut position: Option<Key> = None;
        loop {
            // The next boundary: the smallest of the next start and the
            // smallest open end.
            let next_start = next.peek().map(|t| t.start.clone());
            let next_end = open.keys().next().and_then(|(end, _)| end.0.clone());
            let boundary = match (next_start, next_end) {
                (Some(s), Some(e)) => Some(if compare_user_keys(&s, &e).is_le() {
                    s
                } else {
                    e
                }),
                (Some(s), None) => Some(s),
                (None, Some(e)) => Some(e),
                (None, None) if open.is_empty() => break,
                (None, None) => None,
            };
            if let Some(from) = position.take() {
                if !open.is_empty()
                    && boundary
                        .as_deref()
                        .is_none_or(|b| compare_user_keys(&from, b).is_lt())
                {
                    let mut timestamps: Vec<Timestamp> = open.keys().map(|(_, ts)| *ts).collect();
                    timestamps.sort_unstable_by(|a, b| b.cmp(a));
                    timestamps.dedup();
                    push_coalesced(
                        &mut fragments,
                        Fragment {
                            start: from,
                            end: boundary.clone(),
                            timestamps,
                        },
                    );
                }
            }
            let Some(boundary) = boundary else { break };
            // Close what ends at the boundary, open what starts there.
            while let Some(entry) = open.first_entry() {
                match &entry.key().0 .0 {
                    Some(end) if compare_user_keys(end, &boundary).is_le() => {
                        entry.remove();
                    }
                    _ => break,
                }
            }
            while let Some(t) = next.next_if(|t| compare_user_keys(&t.start, &boundary).is_le()) {
                *open.entry((EndKey(t.end), t.timestamp)).or_insert(0) += 1;
            }
            position = Some(boundary);
        }
        FragmentedTombstones { fragments }
    }

    /// `fragments` if they are in canonical form: each non-empty, in order
    /// without overlap, with strictly descending timestamps, and no two
    /// adjacent ones with the same timestamps. The reason otherwise.
    ///
    /// # Errors
    ///
    /// A sentence naming the first fragment that breaks a rule; the decoder
    /// of a table's range-delete block reports it with the table and offset.
    pub fn from_fragments(fragments: Vec<Fragment>) -> Result<Self, String> {
        for (i, f) in fragments.iter().enumerate() {
            if let Some(end) = &f.end {
                if compare_user_keys(&f.start, end).is_ge() {
                    return Err(format!("range fragment {i} ends at or before its start"));
                }
            }
            if f.timestamps.is_empty() {
                return Err(format!("range fragment {i} has no timestamp"));
            }
            if f.timestamps.windows(2).any(|w| w[0] <= w[1]) {
                return Err(format!(
                    "range fragment {i}'s timestamps are not strictly descending"
                ));
            }
            if let Some(prev) = i.checked_sub(1).map(|p| &fragments[p]) {
                let Some(prev_end) = &prev.end else {
                    return Err(format!("range fragment {i} follows an unbounded fragment"));
                };
                match compare_user_keys(prev_end, &f.start) {
                    std::cmp::Ordering::Greater => {
                        return Err(format!("range fragment {i} overlaps or precedes the one before it"))
                    }
                    std::cmp::Ordering::Equal if prev.timestamps == f.timestamps => {
                        return Err(format!(
                            "range fragment {i} continues the one before it with the same timestamps (not canonical)"
                        ))
                    }
                    _ => {}
                }
            }
        }
        Ok(FragmentedTombstones { fragments })
    }

    /// The fragments of several lists as one list: every timestamp of every
    /// list, re-cut.
    pub fn merge<'a>(lists: impl IntoIterator<Item = &'a FragmentedTombstones>) -> Self {
        FragmentedTombstones::from_tombstones(
            lists.into_iter().flat_map(|l| l.tombstones()).collect(),
        )
    }

    /// The list as tombstones, one per fragment and timestamp (the input of
    /// [`merge`](Self::merge)).
    pub fn tombstones(&self) -> impl Iterator<Item = RangeTombstone> + '_ {
        self.fragments.iter().flat_map(|f| {
            f.timestamps
                .iter()
                .map(|&ts| RangeTombstone::new(f.start.clone(), f.end.clone(), ts))
        })
    }

    /// Whether there are no tombstones.
    pub fn is_empty(&self) -> bool {
        self.fragments.is_empty()
    }

    /// The fragments, in key order.
    pub fn fragments(&self) -> &[Fragment] {
        &self.fragments
    }

    /// The number of (fragment, timestamp) pairs.
    pub fn timestamp_count(&self) -> usize {
        self.fragments.iter().map(|f| f.timestamps.len()).sum()
    }

    /// The fragment holding `key`, if any.
    pub fn fragment_at(&self, key: &[u8]) -> Option<&Fragment> {
        let after = self
            .fragments
            .partition_point(|f| compare_user_keys(&f.start, key).is_le());
        let candidate = self.fragments.get(after.checked_sub(1)?)?;
        candidate.covers(key).then_some(candidate)
    }

    /// The timestamp of the newest tombstone covering `key` that a read at
    /// `read_ts` sees; `None` when none does.
    pub fn covering(&self, key: &[u8], read_ts: Timestamp) -> Option<Timestamp> {
        self.fragment_at(key)?.newest_at(read_ts)
    }

    /// The list cut to `[lower, upper)` (`None`: unbounded on that side).
    pub fn clipped(&self, lower: Option<&[u8]>, upper: Option<&[u8]>) -> Self {
        let fragments = self
            .fragments
            .iter()
            .filter_map(|f| {
                let start = match lower {
                    Some(l) if compare_user_keys(l, &f.start).is_gt() => l.to_vec(),
                    _ => f.start.clone(),
                };
                let end = match (upper, &f.end) {
                    (Some(u), Some(e)) if compare_user_keys(u, e).is_lt() => Some(u.to_vec()),
                    (Some(u), None) => Some(u.to_vec()),
                    (_, e) => e.clone(),
                };
                let empty = end
                    .as_deref()
                    .is_some_and(|e| compare_user_keys(&start, e).is_ge());
                (!empty).then(|| Fragment {
                    start,
                    end,
                    timestamps: f.timestamps.clone(),
                })
            })
            .collect();
        FragmentedTombstones { fragments }
    }

    /// The smallest start and the largest end (`None`: unbounded); `None`
    /// when the list is empty.
    pub fn bounds(&self) -> Option<(&[u8], Option<&[u8]>)> {
        let first = self.fragments.first()?;
        let last = self.fragments.last()?;
        Some((&first.start, last.end.as_deref()))
    }
}

/// An end key ordered with `None` (unbounded) after every key.
#[derive(Debug, Clone, PartialEq, Eq)]
struct EndKey(Option<Key>);

impl Ord for EndKey {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        match (&self.0, &other.0) {
            (Some(a), Some(b)) => compare_user_keys(a, b),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        }
    }
}

impl PartialOrd for EndKey {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

/// Appends `fragment`, joining it to the last one when they touch and have
/// the same timestamps.
fn push_coalesced(fragments: &mut Vec<Fragment>, fragment: Fragment) {
    if let Some(last) = fragments.last_mut() {
        if last.end.as_deref() == Some(fragment.start.as_slice())
            && last.timestamps == fragment.timestamps
        {
            last.end = fragment.end;
            return;
        }
    }
    fragments.push(fragment);
}

#[cfg(test)]
mod tests;
