//! The merge: which versions survive a compaction.
//!
//! A compaction reads its input tables through one merging cursor, so the
//! versions of each user key arrive together, newest first. For each key it
//! keeps exactly the versions someone can still read:
//!
//! - **Snapshots.** Live snapshots cut time into *stripes*: a version with
//!   timestamp `t` belongs to the stripe of the oldest snapshot at or above
//!   `t`, or to the latest stripe if no snapshot is that new. A reader at a
//!   snapshot sees the newest version of its own or an older stripe, so the
//!   newest version of each stripe is kept and every other one dropped.
//! - **Tombstones.** A tombstone hides older versions. Once it is the oldest
//!   version kept, and no table older than the inputs can hold the key, it
//!   hides nothing any more and is dropped too (and so is the tombstone
//!   before it, if it then becomes the oldest, and so on).
//!
//! ```text
//! versions of "k", newest first      snapshots: 15; an older table may hold "k"
//!   k@20 Put "c"   latest stripe     keep (newest of the latest stripe)
//!   k@18 Put "b"   latest stripe     drop (shadowed by k@20)
//!   k@12 Delete    stripe of 15      keep (a reader at 15 must see "deleted",
//!                                          not the older table's version)
//!   k@5  Put "a"   stripe of 15      drop (shadowed by k@12 for every reader)
//! ```
//!
//! Had no older table covered "k", `k@12` would be dropped as well: with
//! nothing older anywhere, a reader at 15 finds no version, which means the
//! same as finding the tombstone.

use crate::{Operation, Timestamp};

/// Decides, for the versions of one user key (newest first), which to keep.
///
/// `snapshots` are the live snapshot timestamps, ascending. `older_data`
/// says whether a table older than the compaction's inputs may hold the key.
/// Returns the indices of the versions to keep, newest first.
pub(crate) fn retained(
    versions: &[(Timestamp, Operation)],
    snapshots: &[Timestamp],
    older_data: bool,
) -> Vec<usize> {
    let stripe = |timestamp: Timestamp| snapshots.partition_point(|&s| s < timestamp);
    let mut keep: Vec<usize> = Vec::new();
    let mut last_stripe = None;
    for (index, &(timestamp, _)) in versions.iter().enumerate() {
        let s = stripe(timestamp);
        if last_stripe != Some(s) {
            keep.push(index);
            last_stripe = Some(s);
        }
    }
    if !older_data {
        while keep
            .last()
            .is_some_and(|&i| versions[i].1 == Operation::Delete)
        {
            keep.pop();
        }
    }
    keep
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::{Delete as D, Put as P};

    #[test]
    fn without_snapshots_only_the_newest_version_survives() {
        assert_eq!(retained(&[(9, P), (5, P), (2, D)], &[], true), [0]);
    }

    #[test]
    fn the_documented_example() {
        let versions = [(20, P), (18, P), (12, D), (5, P)];
        assert_eq!(retained(&versions, &[15], true), [0, 2]);
        assert_eq!(retained(&versions, &[15], false), [0]);
    }

    #[test]
    fn each_snapshot_keeps_the_version_it_sees() {
        let versions = [(30, P), (20, P), (10, P), (5, P)];
        // Snapshot 25 sees 20, snapshot 10 sees 10, snapshot 7 sees 5.
        assert_eq!(retained(&versions, &[7, 10, 25], true), [0, 1, 2, 3]);
        // A snapshot newer than every version changes nothing.
        assert_eq!(retained(&versions, &[100], true), [0]);
    }

    #[test]
    fn a_newest_tombstone_with_nothing_below_drops_the_key_entirely() {
        assert_eq!(retained(&[(9, D), (5, P)], &[], false), Vec::<usize>::new());
        // With older data below, the tombstone must stay to hide it.
        assert_eq!(retained(&[(9, D), (5, P)], &[], true), [0]);
    }

    #[test]
    fn trailing_tombstones_go_one_after_another() {
        // Snapshot 6 sees the tombstone at 5; snapshot 12 the one at 10. With
        // nothing below, both hide nothing, and the put at 15 is all that is
        // left.
        assert_eq!(retained(&[(15, P), (10, D), (5, D)], &[6, 12], false), [0]);
        // But a tombstone above a kept put stays.
        assert_eq!(retained(&[(15, D), (5, P)], &[6], false), [0, 1]);
    }
}
