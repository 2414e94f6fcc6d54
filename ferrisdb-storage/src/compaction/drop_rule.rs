//! The drop rule: which versions survive a compaction.
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
//!
//! # One version at a time
//!
//! [`DropRule`] decides as the versions stream past, so a key's versions are
//! never gathered: a key with a million versions takes no more memory than a
//! key with one, and a kept value goes from the input table's block straight
//! to the output table's builder, which copies it once. For the key being
//! read the rule holds its bytes, the stripe of its last version, whether an
//! older table may hold it (asked once, and only if a tombstone would be
//! kept), and the tombstones that wait: whether a tombstone is the oldest
//! version kept is known only when a put of an older stripe follows (the
//! tombstones are written before it) or the key ends (they are dropped). At
//! most one waits per stripe, so they are bounded by the number of live
//! snapshots, whatever the number of versions.

use crate::{Operation, Result, Timestamp};

/// The drop rule applied to a stream of versions, one at a time.
///
/// Versions are offered in [`InternalKey`](crate::InternalKey) order (user
/// key ascending, then newest first), as a merging cursor yields them; each
/// kept version is passed on in the same order.
pub(crate) struct DropRule<'s, F> {
    /// The live snapshot timestamps, ascending.
    snapshots: &'s [Timestamp],
    /// Whether a table older than the compaction's inputs may hold a key.
    older_data: F,
    /// The user key of the versions arriving. Before the first version the
    /// state is that of an empty key with no version seen yet, which is what
    /// starting any key sets, so an empty first key needs no special case.
    key: Vec<u8>,
    /// The stripe of the key's last version; `None` before its first.
    stripe: Option<usize>,
    /// `older_data` of the key, once asked.
    key_has_older_data: Option<bool>,
    /// The timestamps of the key's tombstones kept since its last kept put,
    /// newest first: each the newest version of its stripe, and so far the
    /// oldest version kept, with nothing older anywhere to hide.
    waiting_tombstones: Vec<Timestamp>,
}

impl<'s, F: FnMut(&[u8]) -> bool> DropRule<'s, F> {
    /// The rule for a compaction under the live `snapshots` (ascending),
    /// where `older_data(key)` says whether a table older than the
    /// compaction's inputs may hold `key`.
    pub(crate) fn new(snapshots: &'s [Timestamp], older_data: F) -> Self {
        DropRule {
            snapshots,
            older_data,
            key: Vec::new(),
            stripe: None,
            key_has_older_data: None,
            waiting_tombstones: Vec::new(),
        }
    }

    /// Decides on the next version of the stream, and passes every version
    /// it keeps to `keep` as soon as that is certain: a put at once, after
    /// the tombstones of newer stripes that waited for it; a tombstone at
    /// once if an older table may hold the key, or else once a put follows
    /// it, or never.
    ///
    /// REQUIRES: versions arrive in `InternalKey` order, and a tombstone's
    /// value is empty.
    ///
    /// # Errors
    ///
    /// The first error `keep` returns.
    pub(crate) fn offer(
        &mut self,
        user_key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
        keep: &mut impl FnMut(&[u8], Timestamp, Operation, &[u8]) -> Result<()>,
    ) -> Result<()> {
        if user_key != self.key.as_slice() {
            self.start_key(user_key);
        }
        let stripe = self.snapshots.partition_point(|&s| s < timestamp);
        if self.stripe == Some(stripe) {
            // A newer version of this stripe came first: every reader that
            // could see this one sees that one instead.
            return Ok(());
        }
        self.stripe = Some(stripe);
        if operation == Operation::Delete && !self.key_has_older_data() {
            self.waiting_tombstones.push(timestamp);
            return Ok(());
        }
        // This version is kept, so the tombstones waiting above it are no
        // longer the oldest kept: they hide it from their stripes' readers.
        for &waiting in &self.waiting_tombstones {
            keep(&self.key, waiting, Operation::Delete, &[])?;
        }
        self.waiting_tombstones.clear();
        keep(user_key, timestamp, operation, value)
    }

    /// Ends the last key and starts `user_key`.
    fn start_key(&mut self, user_key: &[u8]) {
        // The tombstones still waiting are the last key's oldest kept
        // versions, and nothing older lies below them: they hide nothing.
        self.waiting_tombstones.clear();
        self.key.clear();
        self.key.extend_from_slice(user_key);
        self.stripe = None;
        self.key_has_older_data = None;
    }

    /// Whether a table older than the inputs may hold the current key. Asked
    /// of `older_data` once per key, and only for keys with a tombstone to
    /// decide on.
    fn key_has_older_data(&mut self) -> bool {
        let (key, older_data) = (&self.key, &mut self.older_data);
        *self
            .key_has_older_data
            .get_or_insert_with(|| older_data(key))
    }
}

/// The drop rule over all the versions of one user key at once (newest
/// first): the model [`DropRule`] is tested against.
///
/// `snapshots` are the live snapshot timestamps, ascending. `older_data`
/// says whether a table older than the compaction's inputs may hold the key.
/// Returns the indices of the versions to keep, newest first.
#[cfg(test)]
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
    use std::collections::{BTreeMap, BTreeSet};

    use proptest::prelude::*;

    use super::*;
    use Operation::{Delete as D, Put as P};

    /// A kept version: key, timestamp, operation, value.
    type Kept = (Vec<u8>, Timestamp, Operation, Vec<u8>);

    /// The versions of each key, newest first, and whether an older table
    /// may hold the key.
    type Histories = BTreeMap<Vec<u8>, (Vec<(Timestamp, Operation, Vec<u8>)>, bool)>;

    /// What [`retained`] keeps of every key of `histories`.
    fn by_the_model(histories: &Histories, snapshots: &[Timestamp]) -> Vec<Kept> {
        let mut kept = Vec::new();
        for (key, (versions, older_data)) in histories {
            let stamps: Vec<(Timestamp, Operation)> =
                versions.iter().map(|&(t, o, _)| (t, o)).collect();
            for index in retained(&stamps, snapshots, *older_data) {
                let (timestamp, operation, value) = &versions[index];
                kept.push((key.clone(), *timestamp, *operation, value.clone()));
            }
        }
        kept
    }

    /// What [`DropRule`] keeps of the versions of `histories` streamed in
    /// `InternalKey` order; also checks it asks about each key at most once.
    fn by_the_stream(histories: &Histories, snapshots: &[Timestamp]) -> Vec<Kept> {
        let mut asked = BTreeSet::new();
        let mut rule = DropRule::new(snapshots, |key: &[u8]| {
            assert!(asked.insert(key.to_vec()), "asked twice about {key:?}");
            histories[key].1
        });
        let mut kept = Vec::new();
        let mut keep = |key: &[u8], timestamp, operation, value: &[u8]| {
            kept.push((key.to_vec(), timestamp, operation, value.to_vec()));
            Ok(())
        };
        for (key, (versions, _)) in histories {
            for (timestamp, operation, value) in versions {
                rule.offer(key, *timestamp, *operation, value, &mut keep)
                    .unwrap();
            }
        }
        kept
    }

    /// A few keys (the empty one among them), each with up to a dozen
    /// versions of distinct timestamps, newest first, about half of them
    /// tombstones, and a random answer to "may an older table hold it".
    fn histories() -> impl Strategy<Value = Histories> {
        let version = prop_oneof![
            prop::collection::vec(any::<u8>(), 0..4).prop_map(|value| (P, value)),
            Just((D, Vec::new())),
        ];
        let versions = prop::collection::btree_map(1..40u64, version, 0..12).prop_map(|by_time| {
            by_time
                .into_iter()
                .rev()
                .map(|(timestamp, (operation, value))| (timestamp, operation, value))
                .collect::<Vec<_>>()
        });
        let key = prop::collection::vec(0..3u8, 0..3);
        prop::collection::btree_map(key, (versions, any::<bool>()), 0..6)
    }

    proptest! {
        #[test]
        fn the_stream_keeps_what_the_model_keeps(
            histories in histories(),
            snapshots in prop::collection::btree_set(0..45u64, 0..5),
        ) {
            let snapshots: Vec<Timestamp> = snapshots.into_iter().collect();
            prop_assert_eq!(
                by_the_stream(&histories, &snapshots),
                by_the_model(&histories, &snapshots)
            );
        }
    }

    #[test]
    fn the_documented_example_streamed() {
        let versions = vec![
            (20, P, b"c".to_vec()),
            (18, P, b"b".to_vec()),
            (12, D, Vec::new()),
            (5, P, b"a".to_vec()),
        ];
        for older_data in [true, false] {
            let histories = Histories::from([(b"k".to_vec(), (versions.clone(), older_data))]);
            let mut expected = vec![(b"k".to_vec(), 20, P, b"c".to_vec())];
            if older_data {
                expected.push((b"k".to_vec(), 12, D, Vec::new()));
            }
            assert_eq!(by_the_stream(&histories, &[15]), expected);
        }
    }

    #[test]
    fn a_million_versions_of_a_key_leave_at_most_one_tombstone_per_stripe_waiting() {
        let snapshots = [1, 1_000, 100_000];
        let mut rule = DropRule::new(&snapshots, |_: &[u8]| false);
        let mut kept = Vec::new();
        let mut keep = |_: &[u8], timestamp, operation, _: &[u8]| {
            kept.push((timestamp, operation));
            Ok(())
        };
        for timestamp in (2..=1_000_001).rev() {
            rule.offer(b"k", timestamp, D, &[], &mut keep).unwrap();
            assert!(rule.waiting_tombstones.len() <= snapshots.len() + 1);
        }
        // The put of the oldest stripe keeps the newest tombstone of each
        // stripe above it, which waited for it.
        rule.offer(b"k", 1, P, b"v", &mut keep).unwrap();
        assert_eq!(
            kept,
            [(1_000_001, D), (100_000, D), (1_000, D), (1, P)],
            "the newest version of each stripe"
        );
    }

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
