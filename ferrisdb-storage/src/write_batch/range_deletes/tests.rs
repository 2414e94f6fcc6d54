//! Unit tests of range deletes in a batch: every bound shape through the
//! encoding and back, empty and inverted ranges adding nothing, prefixes,
//! the bytes of an entry, the decoder's checks and the write's limits.

use std::ops::Bound::{self, Excluded, Included, Unbounded};

use ferrisdb_core::range_tombstone::half_open;
use ferrisdb_core::Error;

use super::super::entries::decode_payload;
use super::super::entry::Entry;
use super::super::format::{COUNT_OFFSET, TAG_RANGE_DELETE};
use crate::sstable::format::MAX_RANGE_END_SIZE;
use crate::{Operation, WriteBatch};

/// Every shape a range's bounds take, over `"a"` and `"c"`.
fn shapes() -> Vec<(Bound<&'static str>, Bound<&'static str>)> {
    let bounds = |key| [Included(key), Excluded(key), Unbounded];
    let mut shapes = Vec::new();
    for start in bounds("a") {
        for end in bounds("c") {
            shapes.push((start, end));
        }
    }
    shapes
}

/// The ranges of `batch`, owned.
fn ranges(batch: &WriteBatch) -> Vec<(Vec<u8>, Option<Vec<u8>>)> {
    batch
        .range_deletes()
        .map(|(start, end)| (start.to_vec(), end.map(<[u8]>::to_vec)))
        .collect()
}

#[test]
fn every_bound_shape_is_logged_half_open_and_read_back() {
    for shape in shapes() {
        let mut batch = WriteBatch::new();
        batch
            .put("k", "v")
            .delete_range::<&str, _>(shape)
            .delete("j");
        let expected = half_open::<&str, _>(&shape).expect("a..c holds keys in every shape");
        assert_eq!(ranges(&batch), std::slice::from_ref(&expected), "{shape:?}");
        assert_eq!(batch.len(), 3, "{shape:?}");
        assert_eq!(batch.iter().count(), 2, "iter is point-only");
        let (timestamp, back) = WriteBatch::decode(&batch.encode(11)).unwrap();
        assert_eq!((timestamp, &back), (11, &batch), "{shape:?}");
        assert_eq!(ranges(&back), [expected], "{shape:?}");
        assert!(back.iter().eq(batch.iter()), "{shape:?}");
    }
}

#[test]
fn an_empty_or_inverted_range_adds_nothing() {
    #[allow(clippy::reversed_empty_ranges)]
    let inverted_inclusive = "b"..="a";
    let mut batch = WriteBatch::new();
    batch
        .delete_range("a".."a")
        .delete_range("b".."a")
        .delete_range(inverted_inclusive)
        .delete_range::<&str, _>((Excluded("a"), Excluded("a")))
        .delete_range::<&str, _>((Excluded("a"), Included("a")))
        .delete_range::<&str, _>((Unbounded, Excluded("")));
    assert_eq!(batch, WriteBatch::new());
    assert!(batch.is_empty());
    assert_eq!(batch.range_deletes().count(), 0);
}

#[test]
fn a_prefix_is_deleted_up_to_its_successor_or_without_an_end() {
    let cases: [(&[u8], Option<&[u8]>); 5] = [
        (b"user:", Some(b"user;")),
        (b"a\xff", Some(b"b")),
        (b"\xff", None),
        (b"\xff\xff\xff", None),
        (b"", None),
    ];
    for (prefix, end) in cases {
        let mut batch = WriteBatch::new();
        batch.delete_prefix(prefix);
        assert_eq!(
            ranges(&batch),
            [(prefix.to_vec(), end.map(<[u8]>::to_vec))],
            "{prefix:?}"
        );
        let (_, back) = WriteBatch::decode(&batch.encode(1)).unwrap();
        assert_eq!(back, batch, "{prefix:?}");
    }
}

#[test]
fn known_encoding_of_a_bounded_and_an_unbounded_range() {
    let bounded = WriteBatch::new().delete_range("a".."c").encode(7);
    assert_eq!(
        bounded,
        [
            7,
            0,
            0,
            0,
            0,
            0,
            0,
            0, // timestamp
            1, // count
            TAG_RANGE_DELETE,
            0,
            1,
            b'a',
            1,
            b'c', // keyspace 0, ["a", "c")
        ]
    );
    let unbounded = WriteBatch::new().delete_prefix([0xff]).encode(7);
    assert_eq!(
        unbounded[COUNT_OFFSET..],
        [1, TAG_RANGE_DELETE, 0, 1, 0xff, 0]
    );
}

#[test]
fn iter_range_deletes_and_len_split_a_mixed_batch() {
    let mut batch = WriteBatch::new();
    batch
        .delete_range("a".."b")
        .put("x", "1")
        .delete_prefix("p")
        .delete("y")
        .delete_range("c"..);
    assert_eq!((batch.len(), batch.is_empty()), (5, false));
    let points: Vec<_> = batch.iter().collect();
    assert_eq!(
        points,
        [
            (Operation::Put, &b"x"[..], &b"1"[..]),
            (Operation::Delete, &b"y"[..], &b""[..]),
        ]
    );
    assert_eq!(batch.iter().size_hint(), (2, Some(2)));
    assert_eq!(batch.range_deletes().size_hint(), (3, Some(3)));
    assert_eq!(
        ranges(&batch),
        [
            (b"a".to_vec(), Some(b"b".to_vec())),
            (b"p".to_vec(), Some(b"q".to_vec())),
            (b"c".to_vec(), None),
        ]
    );
    let mut only_ranges = WriteBatch::new();
    only_ranges.delete_range("a"..);
    assert!(!only_ranges.is_empty());
    assert_eq!(only_ranges.iter().next(), None);
    batch.clear();
    assert_eq!(batch, WriteBatch::new());
}

#[test]
fn runs_and_the_first_range_delete_are_found_in_the_encoding() {
    let mut batch = WriteBatch::new();
    batch.put("k", "v").delete_range("a".."b");
    for i in 0..5u8 {
        batch.delete_range(vec![i]..vec![i, 1]).put([i], "v");
    }
    let bytes = batch.encode(1);
    let (_, entries) = decode_payload(&bytes).unwrap();
    assert_eq!(entries.range_delete_count(), 6);
    // After the header and the put's 6 bytes.
    assert_eq!(entries.find_range_delete(), Some(COUNT_OFFSET + 1 + 6));
    let runs = entries.runs(3);
    let counted: usize = runs.iter().map(|run| run.range_delete_count()).sum();
    assert_eq!(counted, 6);
    assert_eq!(runs[0].range_delete_count(), 2);
    let joined: Vec<Entry<'_>> = runs.iter().flat_map(|run| run.iter_in()).collect();
    assert_eq!(joined, entries.iter_in().collect::<Vec<_>>());
    let points = WriteBatch::new().put("k", "v").encode(1);
    let (_, none) = decode_payload(&points).unwrap();
    assert_eq!(none.find_range_delete(), None);
}

/// A payload of one range delete entry with the given bounds, which no
/// write logs when they are wrong.
fn crafted(start: &[u8], end: &[u8]) -> Vec<u8> {
    let mut bytes = WriteBatch::new().put("first", "").encode(1);
    bytes[COUNT_OFFSET] = 2;
    bytes.push(TAG_RANGE_DELETE);
    bytes.push(0);
    ferrisdb_core::coding::put_length_prefixed(&mut bytes, start);
    ferrisdb_core::coding::put_length_prefixed(&mut bytes, end);
    bytes
}

#[test]
fn the_decoder_refuses_a_range_no_write_logs() {
    let entry_at = WriteBatch::new().put("first", "").encode(1).len();
    let longest_start = vec![b'a'; MAX_RANGE_END_SIZE];
    let longest_end = vec![b'z'; MAX_RANGE_END_SIZE];
    for (start, end) in [(&longest_start[..], &longest_end[..]), (b"", b"\0")] {
        decode_payload(&crafted(start, end)).unwrap();
    }
    let too_long_start = vec![b'a'; MAX_RANGE_END_SIZE + 1];
    let too_long_end = vec![b'z'; MAX_RANGE_END_SIZE + 1];
    let cases: [(&[u8], &[u8], &str); 4] = [
        (&too_long_start, b"b", "start of"),
        (b"a", &too_long_end, "end of"),
        (b"b", b"a", "not below its end"),
        (b"a", b"a", "not below its end"),
    ];
    for (start, end, what) in cases {
        let err = decode_payload(&crafted(start, end)).map(drop).unwrap_err();
        assert!(!err.is_unsupported(), "{what}: {err}");
        assert!(err.reason().contains(what), "{what}: {err}");
        assert_eq!(err.offset(), entry_at, "{what}");
    }
    // Truncated anywhere: an error, never a panic.
    let whole = crafted(b"start", b"the end");
    for cut in 0..whole.len() {
        assert!(WriteBatch::decode(&whole[..cut]).is_err(), "cut at {cut}");
    }
}

#[test]
fn the_write_limits_let_both_bounds_be_one_byte_longer_than_a_key() {
    let check = |batch: &WriteBatch| {
        let entry = batch.entries().iter_in().next().unwrap();
        WriteBatch::check_entry(&entry, 4, 10)
    };
    // `..=k` with the longest key ends one byte past it, and
    // `(Excluded(k), ..)` starts there (regression: it was refused).
    check(WriteBatch::new().delete_range("aaaa"..="zzzz")).unwrap();
    check(WriteBatch::new().delete_range::<&str, _>((Excluded("zzzz"), Unbounded))).unwrap();
    let err = check(WriteBatch::new().delete_range("aaaaaa"..)).unwrap_err();
    assert!(
        matches!(err, Error::KeyTooLarge { len: 6, limit: 5 }),
        "{err}"
    );
    let err = check(WriteBatch::new().delete_range("a".."zzzzzz")).unwrap_err();
    assert!(
        matches!(err, Error::KeyTooLarge { len: 6, limit: 5 }),
        "{err}"
    );
    let err = check(WriteBatch::new().put("k", [0; 11])).unwrap_err();
    assert!(matches!(err, Error::ValueTooLarge { .. }), "{err}");
}

#[test]
fn the_write_refuses_an_empty_range_no_public_method_adds() {
    // Replay refuses one (see above), so the write never logs one.
    for end in [&b"b"[..], b"a"] {
        let entry = Entry::RangeDelete {
            keyspace: 0,
            start: b"b",
            end: Some(end),
        };
        let err = WriteBatch::check_entry(&entry, 4, 10).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    let entry = Entry::RangeDelete {
        keyspace: 0,
        start: b"b",
        end: Some(b"b\0"),
    };
    WriteBatch::check_entry(&entry, 4, 10).unwrap();
}
