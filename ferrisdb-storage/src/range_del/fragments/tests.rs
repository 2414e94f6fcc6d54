use super::*;
use proptest::prelude::*;

fn k(s: &str) -> Key {
    s.as_bytes().to_vec()
}

fn t(start: &str, end: Option<&str>, ts: Timestamp) -> RangeTombstone {
    RangeTombstone::new(k(start), end.map(k), ts)
}

fn f(start: &str, end: Option<&str>, timestamps: &[Timestamp]) -> Fragment {
    Fragment {
        start: k(start),
        end: end.map(k),
        timestamps: timestamps.to_vec(),
    }
}

/// The newest timestamp at most `read_ts` of a tombstone covering `key`,
/// found by looking at every tombstone.
fn brute_covering(
    tombstones: &[RangeTombstone],
    key: &[u8],
    read_ts: Timestamp,
) -> Option<Timestamp> {
    tombstones
        .iter()
        .filter(|t| t.covers(key) && t.timestamp <= read_ts)
        .map(|t| t.timestamp)
        .max()
}

#[test]
fn the_module_example_cuts_into_three_fragments() {
    let list =
        FragmentedTombstones::from_tombstones(vec![t("a", Some("m"), 5), t("f", Some("z"), 8)]);
    assert_eq!(
        list.fragments(),
        [
            f("a", Some("f"), &[5]),
            f("f", Some("m"), &[8, 5]),
            f("m", Some("z"), &[8])
        ]
    );
    assert_eq!(list.covering(b"g", 9), Some(8));
    assert_eq!(list.covering(b"g", 7), Some(5));
    assert_eq!(list.covering(b"g", 4), None);
    assert_eq!(list.covering(b"z", 9), None);
    assert_eq!(list.bounds(), Some((&b"a"[..], Some(&b"z"[..]))));
}

#[test]
fn touching_tombstones_of_one_timestamp_join_and_unbounded_ones_stay_open() {
    let list = FragmentedTombstones::from_tombstones(vec![
        t("a", Some("c"), 4),
        t("c", Some("e"), 4),
        t("x", None, 2),
        t("y", None, 6),
        t("q", Some("q"), 9),
    ]);
    assert_eq!(
        list.fragments(),
        [
            f("a", Some("e"), &[4]),
            f("x", Some("y"), &[2]),
            f("y", None, &[6, 2])
        ]
    );
    assert_eq!(list.covering(&[0xff; 9], 100), Some(6));
    assert_eq!(
        FragmentedTombstones::from_fragments(list.fragments().to_vec()),
        Ok(list)
    );
}

#[test]
fn clipping_cuts_fragments_to_the_bounds() {
    let list = FragmentedTombstones::from_tombstones(vec![t("b", Some("h"), 3), t("k", None, 5)]);
    assert_eq!(
        list.clipped(Some(b"c"), Some(b"m")).fragments(),
        [f("c", Some("h"), &[3]), f("k", Some("m"), &[5])]
    );
    assert_eq!(list.clipped(Some(b"h"), Some(b"k")).fragments(), []);
    assert_eq!(list.clipped(None, None), list);
}

#[test]
fn the_decoder_check_refuses_every_broken_rule() {
    let cases: [(Vec<Fragment>, &str); 6] = [
        (vec![f("b", Some("b"), &[1])], "ends at or before"),
        (vec![f("b", Some("c"), &[])], "no timestamp"),
        (vec![f("b", Some("c"), &[1, 1])], "strictly descending"),
        (
            vec![f("b", Some("d"), &[2]), f("c", Some("e"), &[1])],
            "overlaps",
        ),
        (
            vec![f("b", None, &[2]), f("c", Some("e"), &[1])],
            "unbounded",
        ),
        (
            vec![f("b", Some("c"), &[2]), f("c", Some("e"), &[2])],
            "canonical",
        ),
    ];
    for (fragments, reason) in cases {
        let err = FragmentedTombstones::from_fragments(fragments).unwrap_err();
        assert!(err.contains(reason), "{err} should say {reason}");
    }
}

fn tombstones() -> impl Strategy<Value = Vec<RangeTombstone>> {
    let key = prop::collection::vec(0..4u8, 0..3);
    let tombstone = (key.clone(), prop::option::weighted(0.85, key), 1..20u64)
        .prop_map(|(start, end, ts)| RangeTombstone::new(start, end, ts));
    prop::collection::vec(tombstone, 0..10)
}

proptest! {
    #[test]
    fn covering_agrees_with_every_tombstone_looked_at(
        tombstones in tombstones(),
        probes in prop::collection::vec((prop::collection::vec(0..4u8, 0..4), 0..22u64), 1..30),
    ) {
        let list = FragmentedTombstones::from_tombstones(tombstones.clone());
        for (key, read_ts) in probes {
            prop_assert_eq!(list.covering(&key, read_ts), brute_covering(&tombstones, &key, read_ts));
        }
        // The list is canonical: its own check accepts it, and cutting its
        // tombstones again gives it back.
        prop_assert_eq!(FragmentedTombstones::from_fragments(list.fragments().to_vec()), Ok(list.clone()));
        prop_assert_eq!(FragmentedTombstones::merge([&list]), list);
    }

    #[test]
    fn merging_lists_covers_what_their_tombstones_cover(
        a in tombstones(),
        b in tombstones(),
        probes in prop::collection::vec((prop::collection::vec(0..4u8, 0..4), 0..22u64), 1..30),
        lower in prop::option::of(prop::collection::vec(0..4u8, 0..3)),
        upper in prop::option::of(prop::collection::vec(0..4u8, 0..3)),
    ) {
        let merged = FragmentedTombstones::merge([
            &FragmentedTombstones::from_tombstones(a.clone()),
            &FragmentedTombstones::from_tombstones(b.clone()),
        ]);
        let all: Vec<RangeTombstone> = a.into_iter().chain(b).collect();
        let clipped = merged.clipped(lower.as_deref(), upper.as_deref());
        for (key, read_ts) in probes {
            prop_assert_eq!(merged.covering(&key, read_ts), brute_covering(&all, &key, read_ts));
            let inside = lower.as_deref().is_none_or(|l| key.as_slice() >= l)
                && upper.as_deref().is_none_or(|u| key.as_slice() < u);
            let expected = if inside { brute_covering(&all, &key, read_ts) } else { None };
            prop_assert_eq!(clipped.covering(&key, read_ts), expected);
        }
    }
}
