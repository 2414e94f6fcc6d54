//! What a compaction does with the range tombstones of its inputs.
//!
//! The inputs' tombstones are merged into one fragmented list, then thinned
//! in two steps, each justified by who can still read:
//!
//! - **One per stripe.** Live snapshots cut time into stripes (see
//!   [`drop_rule`](super::drop_rule)). A reader at a snapshot sees every
//!   tombstone at or below it, so of the tombstones over a fragment in one
//!   stripe only the newest matters to anyone: the older ones go. The
//!   result, [`CompactionTombstones::covering`], is what the point drop rule
//!   asks "is this version hidden from everyone who could see it?".
//! - **Gone at the bottom.** A tombstone in the oldest stripe (no live
//!   snapshot below it) hides, from every reader, every version under it in
//!   the inputs: those versions are dropped by the point rule. If no table
//!   older than the inputs meets the fragment either, the tombstone hides
//!   nothing any more and is not written ([`CompactionTombstones::kept`]).
//!
//! ```text
//! snapshots: 10                    inputs' fragment [c, f) {14, 12, 6}
//!   one per stripe                 {14, 6}      (12 is shadowed by 14)
//!   no older table meets [c, f)    {14}         (6 hides only input versions,
//!                                                all older than 6 and dropped)
//! ```
//!
//! A tombstone of a newer stripe stays however old the rest is: a version
//! between a snapshot and the tombstone is kept for the snapshot, and the
//! tombstone hides it from everyone later.

use ferrisdb_core::RangeTombstone;

use crate::range_del::fragments::FragmentedTombstones;
use crate::Timestamp;

/// The range tombstones of a compaction: what the point rule consults and
/// what the outputs carry.
#[derive(Debug, Clone, Default)]
pub(crate) struct CompactionTombstones {
    /// The inputs' tombstones, one per stripe per fragment.
    pub(crate) covering: FragmentedTombstones,
    /// Those of them the outputs keep: all but the oldest stripe's over
    /// fragments no older table meets.
    pub(crate) kept: FragmentedTombstones,
}

impl CompactionTombstones {
    /// Thins the tombstones of the `inputs` for `snapshots` (ascending),
    /// where `older_meets(start, end)` says whether a table older than the
    /// inputs may hold a key of `[start, end)`.
    pub(crate) fn new<'a>(
        inputs: impl IntoIterator<Item = &'a FragmentedTombstones>,
        snapshots: &[Timestamp],
        mut older_meets: impl FnMut(&[u8], Option<&[u8]>) -> bool,
    ) -> Self {
        let merged = FragmentedTombstones::merge(inputs);
        if merged.is_empty() {
            return CompactionTombstones::default();
        }
        let stripe = |t: Timestamp| snapshots.partition_point(|&s| s < t);
        let mut newest_per_stripe = Vec::new();
        let mut kept = Vec::new();
        for fragment in merged.fragments() {
            let mut last_stripe = None;
            let below_is_empty = !older_meets(&fragment.start, fragment.end.as_deref());
            for &timestamp in &fragment.timestamps {
                let s = stripe(timestamp);
                if last_stripe == Some(s) {
                    continue;
                }
                last_stripe = Some(s);
                let tombstone =
                    RangeTombstone::new(fragment.start.clone(), fragment.end.clone(), timestamp);
                if !(s == 0 && below_is_empty) {
                    kept.push(tombstone.clone());
                }
                newest_per_stripe.push(tombstone);
            }
        }
        CompactionTombstones {
            covering: FragmentedTombstones::from_tombstones(newest_per_stripe),
            kept: FragmentedTombstones::from_tombstones(kept),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(tombstones: &[(&str, &str, Timestamp)]) -> FragmentedTombstones {
        FragmentedTombstones::from_tombstones(
            tombstones
                .iter()
                .map(|&(s, e, t)| {
                    RangeTombstone::new(s.as_bytes().to_vec(), Some(e.as_bytes().to_vec()), t)
                })
                .collect(),
        )
    }

    #[test]
    fn the_module_example() {
        let input = list(&[("c", "f", 14), ("c", "f", 12), ("c", "f", 6)]);
        let thinned = CompactionTombstones::new([&input], &[10], |_, _| false);
        assert_eq!(thinned.covering, list(&[("c", "f", 14), ("c", "f", 6)]));
        assert_eq!(thinned.kept, list(&[("c", "f", 14)]));
        let over_older = CompactionTombstones::new([&input], &[10], |_, _| true);
        assert_eq!(over_older.kept, over_older.covering);
    }

    #[test]
    fn without_snapshots_one_tombstone_per_fragment_is_left_and_only_over_older_data() {
        let a = list(&[("a", "m", 5)]);
        let b = list(&[("f", "z", 8)]);
        let older = |start: &[u8], _: Option<&[u8]>| start >= b"m".as_slice();
        let thinned = CompactionTombstones::new([&a, &b], &[], older);
        assert_eq!(thinned.covering, list(&[("a", "f", 5), ("f", "z", 8)]));
        assert_eq!(thinned.kept, list(&[("m", "z", 8)]));
    }

    #[test]
    fn no_input_tombstones_cost_nothing() {
        let thinned = CompactionTombstones::new(
            [&FragmentedTombstones::empty()],
            &[3],
            |_, _| unreachable!(),
        );
        assert!(thinned.covering.is_empty() && thinned.kept.is_empty());
    }
}
