use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;

use super::*;
use ferrisdb_core::range_tombstone::next_key;
use ferrisdb_core::RangeTombstone;
use Operation::{Delete as D, Put as P};

/// A kept version: key, timestamp, operation, value.
type Kept = (Vec<u8>, Timestamp, Operation, Vec<u8>);

/// The versions of each key, newest first, whether an older table may
/// hold the key, and the timestamps of the range tombstones over it, newest
/// first.
type Histories = BTreeMap<Vec<u8>, (Vec<(Timestamp, Operation, Vec<u8>)>, bool, Vec<Timestamp>)>;

/// What [`retained`] keeps of every key of `histories`.
fn by_the_model(histories: &Histories, snapshots: &[Timestamp]) -> Vec<Kept> {
    let mut kept = Vec::new();
    for (key, (versions, older_data, covering)) in histories {
        let stamps: Vec<(Timestamp, Operation)> =
            versions.iter().map(|&(t, o, _)| (t, o)).collect();
        for index in retained(&stamps, snapshots, *older_data, covering) {
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
    // Each key's range tombstones as tombstones over that key alone.
    let tombstones = FragmentedTombstones::from_tombstones(
        histories
            .iter()
            .flat_map(|(key, (_, _, covering))| {
                covering
                    .iter()
                    .map(|&ts| RangeTombstone::new(key.clone(), Some(next_key(key)), ts))
            })
            .collect(),
    );
    let mut rule = DropRule::new(snapshots, &tombstones, |key: &[u8]| {
        assert!(asked.insert(key.to_vec()), "asked twice about {key:?}");
        histories[key].1
    });
    let mut kept = Vec::new();
    let mut keep = |key: &[u8], timestamp, operation, value: &[u8]| {
        kept.push((key.to_vec(), timestamp, operation, value.to_vec()));
        Ok(())
    };
    for (key, (versions, _, _)) in histories {
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
    let covering = prop::collection::btree_set(1..42u64, 0..3)
        .prop_map(|set| set.into_iter().rev().collect::<Vec<_>>());
    prop::collection::btree_map(key, (versions, any::<bool>(), covering), 0..6)
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
        let histories =
            Histories::from([(b"k".to_vec(), (versions.clone(), older_data, Vec::new()))]);
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
    let no_tombstones = FragmentedTombstones::empty();
    let mut rule = DropRule::new(&snapshots, &no_tombstones, |_: &[u8]| false);
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
    assert_eq!(retained(&[(9, P), (5, P), (2, D)], &[], true, &[]), [0]);
}

#[test]
fn the_documented_example() {
    let versions = [(20, P), (18, P), (12, D), (5, P)];
    assert_eq!(retained(&versions, &[15], true, &[]), [0, 2]);
    assert_eq!(retained(&versions, &[15], false, &[]), [0]);
}

#[test]
fn each_snapshot_keeps_the_version_it_sees() {
    let versions = [(30, P), (20, P), (10, P), (5, P)];
    // Snapshot 25 sees 20, snapshot 10 sees 10, snapshot 7 sees 5.
    assert_eq!(retained(&versions, &[7, 10, 25], true, &[]), [0, 1, 2, 3]);
    // A snapshot newer than every version changes nothing.
    assert_eq!(retained(&versions, &[100], true, &[]), [0]);
}

#[test]
fn a_newest_tombstone_with_nothing_below_drops_the_key_entirely() {
    assert_eq!(
        retained(&[(9, D), (5, P)], &[], false, &[]),
        Vec::<usize>::new()
    );
    // With older data below, the tombstone must stay to hide it.
    assert_eq!(retained(&[(9, D), (5, P)], &[], true, &[]), [0]);
}

#[test]
fn trailing_tombstones_go_one_after_another() {
    // Snapshot 6 sees the tombstone at 5; snapshot 12 the one at 10. With
    // nothing below, both hide nothing, and the put at 15 is all that is
    // left.
    assert_eq!(
        retained(&[(15, P), (10, D), (5, D)], &[6, 12], false, &[]),
        [0]
    );
    // But a tombstone above a kept put stays.
    assert_eq!(retained(&[(15, D), (5, P)], &[6], false, &[]), [0, 1]);
}

#[test]
fn a_range_tombstone_drops_what_it_hides_from_all_readers_and_keeps_what_a_snapshot_reads() {
    let versions = [(20, P), (14, P), (9, D), (5, P), (2, P)];
    // A range delete at 12, no snapshot: 9, 5 and 2 are hidden from all.
    assert_eq!(retained(&versions, &[], true, &[12]), [0]);
    // A snapshot at 10 reads 9 (a tombstone: kept, an older table may hold
    // the key); the range delete hides nothing of the stripe of 10.
    assert_eq!(retained(&versions, &[10], true, &[12]), [0, 2]);
    // ... and with nothing older, the tombstone goes: 5 is under it.
    assert_eq!(retained(&versions, &[10], false, &[12]), [0]);
    // A snapshot at 4 reads 2, and one at 10 the tombstone at 9 over it;
    // the range delete at 12 hides both from the latest readers only.
    assert_eq!(retained(&versions, &[4, 10], false, &[12]), [0, 2, 4]);
    // A range delete at 3 hides 2 from the reader at 4 as well.
    assert_eq!(retained(&versions, &[4, 10], false, &[12, 3]), [0]);
    // Two range deletes, one per stripe.
    assert_eq!(retained(&versions, &[4], false, &[12, 3]), [0]);
}
