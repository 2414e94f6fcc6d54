use super::*;
use ferrisdb_core::RangeTombstone;
use proptest::prelude::*;

use crate::sstable::format::MAX_KEY_SIZE;

fn f(start: &[u8], end: Option<&[u8]>, timestamps: &[Timestamp]) -> Fragment {
    Fragment {
        start: start.to_vec(),
        end: end.map(<[u8]>::to_vec),
        timestamps: timestamps.to_vec(),
    }
}

fn list(fragments: Vec<Fragment>) -> FragmentedTombstones {
    FragmentedTombstones::from_fragments(fragments).unwrap()
}

/// The bytes of `fragments` as the format lays them out, whatever their
/// order: for blocks the encoder refuses to write.
fn raw(fragments: &[Fragment]) -> Vec<u8> {
    let mut buf = Vec::new();
    put_varint64(&mut buf, fragments.len() as u64);
    for f in fragments {
        for bytes in [&f.start[..], f.end.as_deref().unwrap_or_default()] {
            put_varint64(&mut buf, bytes.len() as u64);
            buf.extend_from_slice(bytes);
        }
        put_varint64(&mut buf, f.timestamps.len() as u64);
        for &ts in &f.timestamps {
            put_fixed64(&mut buf, ts);
        }
    }
    buf
}

/// `bytes` must be damage at `offset` for `reason`.
fn damage_at(bytes: &[u8], offset: usize, reason: &str) {
    let err = decode(bytes).unwrap_err();
    assert!(!err.is_unsupported(), "{err}");
    assert_eq!(err.offset(), offset, "{err}");
    assert!(err.reason().contains(reason), "{err} should say {reason}");
}

#[test]
fn the_spec_example_is_these_bytes() {
    // `delete_range("apple".."b")` at 3.
    let one = list(vec![f(b"apple", Some(b"b"), &[3])]);
    let bytes = encode(&one).unwrap();
    assert_eq!(
        bytes,
        [0x01, 0x05, b'a', b'p', b'p', b'l', b'e', 0x01, b'b', 0x01, 3, 0, 0, 0, 0, 0, 0, 0]
    );
    assert_eq!(decode(&bytes).unwrap(), one);
}

#[test]
fn lists_round_trip_and_every_cut_is_damage() {
    let longest = vec![0xff; MAX_RANGE_END_SIZE];
    let lists = [
        list(vec![f(b"", Some(b"\x00"), &[MAX_TOMBSTONE_TIMESTAMP, 0])]),
        list(vec![
            f(b"a", Some(b"c"), &[9, 4, 1]),
            f(b"c", Some(b"d"), &[4]),
            f(b"k", Some(b"q"), &[4]),
        ]),
        list(vec![f(&longest[..MAX_KEY_SIZE], Some(&longest), &[7])]),
        list(vec![f(&[0xfe; MAX_RANGE_END_SIZE], Some(&longest), &[7])]),
    ];
    for (i, tombstones) in lists.iter().enumerate() {
        let bytes = encode(tombstones).unwrap();
        assert_eq!(&decode(&bytes).unwrap(), tombstones, "list {i}");
        // Long keys: every cut is too slow to try; the ends and a sample.
        let cuts: Vec<usize> = if bytes.len() < 200 {
            (0..bytes.len()).collect()
        } else {
            (0..40).chain(bytes.len() - 40..bytes.len()).collect()
        };
        for cut in cuts {
            let err = decode(&bytes[..cut]).unwrap_err();
            assert!(!err.is_unsupported(), "list {i} cut {cut}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        damage_at(
            &longer,
            bytes.len(),
            "1 bytes after the last range fragment",
        );
    }
}

#[test]
fn each_ordering_rule_is_refused_at_its_fragment() {
    let first = f(b"b", Some(b"d"), &[5]);
    let at_second = raw(std::slice::from_ref(&first)).len();
    let cases: [(Fragment, &str); 6] = [
        (f(b"f", Some(b"f"), &[1]), "ends at or before its start"),
        (f(b"g", Some(b"f"), &[1]), "ends at or before its start"),
        // Long enough that the fragment count fits the bytes.
        (f(b"ffffffffffff", Some(b"g"), &[]), "has no timestamp"),
        (f(b"f", Some(b"g"), &[3, 3]), "strictly descending"),
        (f(b"f", Some(b"g"), &[3, 4]), "strictly descending"),
        (f(b"c", Some(b"g"), &[1]), "overlaps or precedes"),
    ];
    for (second, reason) in cases {
        damage_at(&raw(&[first.clone(), second.clone()]), at_second, reason);
        // Alone, the same fragment is refused at its own offset, 1.
        if !reason.contains("overlaps") {
            damage_at(&raw(&[second]), 1, reason);
        }
    }
    // Touching with the same timestamps: not canonical.
    damage_at(
        &raw(&[first.clone(), f(b"d", Some(b"e"), &[5])]),
        at_second,
        "not canonical",
    );
    // Touching with others, or apart with the same: canonical.
    for second in [f(b"d", Some(b"e"), &[6]), f(b"e", Some(b"g"), &[5])] {
        assert!(decode(&raw(&[first.clone(), second])).is_ok());
    }
    // A fragment before the one before it.
    damage_at(
        &raw(&[first.clone(), f(b"a", Some(b"b"), &[1])]),
        at_second,
        "overlaps or precedes",
    );
}

#[test]
fn counts_lengths_and_timestamps_past_their_limits_are_refused_before_allocating() {
    damage_at(&[0x00], 0, "holds no fragment");
    // More fragments than the bytes can hold.
    damage_at(&[0x02, 0x00, 0x01, 0x61, 0x01], 0, "claims 2 fragments");
    damage_at(
        &[0xff, 0xff, 0xff, 0xff, 0x0f],
        0,
        "claims 4294967295 fragments",
    );
    let mut big = vec![0x01];
    put_varint64(&mut big, (MAX_RANGE_END_SIZE + 1) as u64);
    big.extend_from_slice(&[0; 12]);
    damage_at(&big, 1, "range fragment start of 1048578 bytes is longer");
    let mut big_end = vec![0x01, 0x00];
    put_varint64(&mut big_end, u64::from(u32::MAX));
    big_end.extend_from_slice(&[0; 12]);
    damage_at(
        &big_end,
        2,
        "range fragment end of 4294967295 bytes is longer",
    );
    // A length wider than 32 bits.
    damage_at(
        &[0x01, 0x80, 0x80, 0x80, 0x80, 0x10, 0, 0, 0, 0, 0, 0, 0],
        1,
        "does not fit in 32 bits",
    );
    // More timestamps than bytes, at the count; u32::MAX of them overflow
    // nothing.
    let mut many = raw(&[f(b"a", Some(b"b"), &[1])]);
    let count_at = 5;
    many[count_at] = 0x02;
    damage_at(
        &many,
        count_at,
        "claims 2 timestamps but only 8 bytes remain",
    );
    let mut most = raw(&[f(b"a", Some(b"b"), &[1])]);
    most.splice(count_at..=count_at, [0xff, 0xff, 0xff, 0xff, 0x0f]);
    damage_at(&most, count_at, "claims 4294967295 timestamps");
    // A timestamp above the largest, at the timestamp.
    for ts in [MAX_TOMBSTONE_TIMESTAMP + 1, RANGE_START_TS, RANGE_END_TS] {
        let bytes = raw(&[f(b"a", Some(b"b"), &[ts])]);
        damage_at(&bytes, count_at + 1, "is above the largest");
    }
}

#[test]
fn the_writer_refuses_what_no_table_holds() {
    let unbounded = list(vec![f(b"a", None, &[3])]);
    assert!(check_storable(&unbounded)
        .unwrap_err()
        .contains("no upper bound"));
    assert!(encode(&unbounded).is_err());
    let long = list(vec![f(b"a", Some(&[0xff; MAX_RANGE_END_SIZE + 1]), &[3])]);
    assert!(check_storable(&long)
        .unwrap_err()
        .contains("MAX_RANGE_END_SIZE"));
    let late = list(vec![f(b"a", Some(b"b"), &[MAX_TOMBSTONE_TIMESTAMP + 1])]);
    assert!(check_storable(&late)
        .unwrap_err()
        .contains("MAX_TOMBSTONE_TIMESTAMP"));
    let fine = list(vec![f(b"a", Some(b"b"), &[MAX_TOMBSTONE_TIMESTAMP])]);
    assert_eq!(check_storable(&fine), Ok(()));
}

#[test]
fn bounds_are_the_sentinel_keys_and_the_timestamps_of_every_fragment() {
    let tombstones = list(vec![
        f(b"b", Some(b"d"), &[9, 2]),
        f(b"f", Some(b"h"), &[12, 7, 5]),
        f(b"h", Some(b"k"), &[1]),
    ]);
    let bounds = TableBounds::of_tombstones(&tombstones).unwrap();
    assert_eq!(
        bounds,
        TableBounds {
            smallest: InternalKey::new("b", RANGE_START_TS),
            largest: InternalKey::new("k", RANGE_END_TS),
            min_timestamp: 1,
            max_timestamp: 12,
        }
    );
    assert_eq!(
        TableBounds::of_tombstones(&FragmentedTombstones::empty()),
        None
    );
    // With points from a@3 to k@4: the points' k is not below k, so it is
    // the largest; the tombstones' b is above a.
    let points = TableBounds {
        smallest: InternalKey::new("a", 3),
        largest: InternalKey::new("k", 4),
        min_timestamp: 3,
        max_timestamp: 4,
    };
    assert_eq!(
        points.clone().union(bounds.clone()),
        TableBounds {
            smallest: InternalKey::new("a", 3),
            largest: InternalKey::new("k", 4),
            min_timestamp: 1,
            max_timestamp: 12,
        }
    );
    // A point at b sorts after the tombstones' start at b.
    let at_b = TableBounds {
        smallest: InternalKey::new("b", 20),
        largest: InternalKey::new("c", 20),
        ..points
    };
    let union = at_b.union(bounds);
    assert_eq!(union.smallest, InternalKey::new("b", RANGE_START_TS));
    assert_eq!(union.largest, InternalKey::new("k", RANGE_END_TS));
}

fn tombstones() -> impl Strategy<Value = Vec<RangeTombstone>> {
    let key = prop::collection::vec(0..4u8, 0..3);
    let tombstone = (key.clone(), key, 0..20u64)
        .prop_map(|(start, end, ts)| RangeTombstone::new(start, Some(end), ts));
    prop::collection::vec(tombstone, 1..12)
}

proptest! {
    #[test]
    fn any_bounded_list_round_trips(tombstones in tombstones()) {
        let list = FragmentedTombstones::from_tombstones(tombstones);
        prop_assume!(!list.is_empty());
        let bytes = encode(&list).unwrap();
        prop_assert_eq!(decode(&bytes).unwrap(), list);
    }

    #[test]
    fn damaged_blocks_decode_to_an_error_or_a_canonical_list(
        tombstones in tombstones(),
        flips in prop::collection::vec((any::<prop::sample::Index>(), 1..=255u8), 1..4),
    ) {
        let list = FragmentedTombstones::from_tombstones(tombstones);
        prop_assume!(!list.is_empty());
        let mut bytes = encode(&list).unwrap();
        for (at, mask) in flips {
            let at = at.index(bytes.len());
            bytes[at] ^= mask;
        }
        if let Ok(decoded) = decode(&bytes) {
            // Whatever decodes is a list the writer could have written.
            prop_assert_eq!(decode(&encode(&decoded).unwrap()).unwrap(), decoded);
        }
    }
}
