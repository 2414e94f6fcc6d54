//! Unit tests of `WriteBatch`: building, encoding and decoding, crafted
//! payloads included, and the first encoding older logs hold.

use super::*;
use ferrisdb_core::coding::put_fixed64;
use ferrisdb_core::Error;
use rand::{Rng, SeedableRng};

fn random_batch(rng: &mut impl Rng) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for _ in 0..rng.random_range(0..20) {
        let key: Vec<u8> = (0..rng.random_range(0..40)).map(|_| rng.random()).collect();
        if rng.random_bool(0.3) {
            batch.delete(&key);
        } else {
            let len = rng.random_range(0..300);
            let value: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            batch.put(&key, &value);
        }
    }
    batch
}

#[test]
fn empty_batch() {
    let batch = WriteBatch::new();
    assert!(batch.is_empty());
    assert_eq!(batch.iter().count(), 0);
    let (ts, decoded) = WriteBatch::decode(&batch.encode(7)).unwrap();
    assert_eq!((ts, decoded), (7, batch));
}

#[test]
fn random_batches_round_trip() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(4);
    for _ in 0..200 {
        let batch = random_batch(&mut rng);
        let ts = rng.random();
        let encoded = batch.encode(ts);
        assert!(encoded.len() <= batch.approximate_size());
        let (decoded_ts, decoded) = WriteBatch::decode(&encoded).unwrap();
        assert_eq!(decoded_ts, ts);
        assert_eq!(decoded, batch);
        assert!(decoded.iter().eq(batch.iter()));
    }
}

#[test]
fn known_encoding() {
    let bytes = WriteBatch::new().put("k", "v").delete("d").encode(0x0102);
    assert_eq!(
        bytes,
        [
            2, 1, 0, 0, 0, 0, 0, 0, // timestamp
            2, // count
            TAG_PUT, 0, 1, b'k', 1, b'v', // put, keyspace 0
            TAG_DELETE, 0, 1, b'd', // delete, keyspace 0
        ]
    );
}

#[test]
fn the_payload_is_the_header_then_the_batch_bytes_as_they_are() {
    let mut batch = WriteBatch::new();
    batch.put("key", "value").delete("gone");
    let stamped = batch.stamped(42);
    let [header, entries] = stamped.parts();
    assert_eq!(entries.as_ptr(), batch.entries.as_ptr(), "not copied");
    assert_eq!([header, entries].concat(), batch.encode(42));
    assert!(batch.encode(42).len() <= batch.approximate_size());
    // A count past one varint byte.
    let many: WriteBatch = (0..300u32).map(|i| (i.to_be_bytes(), [])).collect();
    let (timestamp, back) = WriteBatch::decode(&many.encode(1)).unwrap();
    assert_eq!((timestamp, back.len()), (1, 300));
    assert!(back.iter().eq(many.iter()));
}

#[test]
fn every_truncation_is_an_error() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    let mut batch = random_batch(&mut rng);
    batch.put("last", "entry");
    let encoded = batch.encode(9);
    for cut in 0..encoded.len() {
        assert!(
            WriteBatch::decode(&encoded[..cut]).is_err(),
            "a batch cut at {cut} of {} decoded",
            encoded.len()
        );
    }
}

#[test]
fn garbage_never_panics_and_trailing_bytes_are_rejected() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    for _ in 0..2000 {
        let len = rng.random_range(0..64);
        let garbage: Vec<u8> = (0..len).map(|_| rng.random()).collect();
        if let Ok((_, batch)) = WriteBatch::decode(&garbage) {
            // Whatever decodes must iterate cleanly over exactly `len()` entries.
            assert_eq!(batch.iter().count(), batch.len());
        }
    }
    let mut bytes = WriteBatch::new().put("a", "b").encode(1);
    bytes.push(0);
    let err = WriteBatch::decode(&bytes).unwrap_err();
    assert!(err.reason().contains("after the last"), "{err}");
}

/// A header claiming `count` entries at timestamp 1, then `entries`.
fn payload(count: u32, entries: &[u8]) -> Vec<u8> {
    let mut bytes = Vec::new();
    put_fixed64(&mut bytes, 1);
    put_varint64(&mut bytes, u64::from(count));
    bytes.extend_from_slice(entries);
    bytes
}

#[test]
fn crafted_counts_and_lengths_are_errors_not_panics() {
    let err = WriteBatch::decode(&payload(u32::MAX, &[])).unwrap_err();
    assert!(err.reason().contains("declares"), "{err}");
    let mut wide = Vec::new();
    put_fixed64(&mut wide, 1);
    put_varint64(&mut wide, 1 << 32);
    let err = WriteBatch::decode(&wide).unwrap_err();
    assert!(
        err.reason().contains("32 bits") && err.offset() == COUNT_OFFSET,
        "{err}"
    );
    // A key length past the input, and one past u64 in a varint.
    let err = WriteBatch::decode(&payload(1, &[TAG_DELETE, 0, 0xff, 0xff, 0xff, 0x0f, b'k']))
        .unwrap_err();
    assert!(err.reason().contains("claims"), "{err}");
    let mut overlong = vec![TAG_PUT, 0];
    overlong.extend([0xff; 10]);
    assert!(WriteBatch::decode(&payload(1, &overlong)).is_err());
    // A keyspace id wider than 32 bits is damage, not a keyspace.
    let err = WriteBatch::decode(&payload(1, &[TAG_PUT, 0xff, 0xff, 0xff, 0xff, 0x1f, 0, 0]))
        .unwrap_err();
    assert!(
        !err.is_unsupported() && err.reason().contains("32 bits"),
        "{err}"
    );
    let err = WriteBatch::decode(&payload(1, &[0, 0, 1, b'k'])).unwrap_err();
    assert!(
        !err.is_unsupported() && err.reason().contains("tag 0"),
        "{err}"
    );
    assert_eq!(err.offset(), COUNT_OFFSET + 1);
}

#[test]
fn what_a_newer_version_writes_is_refused_by_name_never_skipped() {
    let ok = WriteBatch::new().put("a", "1").encode(1);
    // After a valid entry, so the offset shows it is the entry's own.
    let mut bytes = ok.clone();
    bytes[COUNT_OFFSET] = 2;
    bytes.extend_from_slice(&[9, 0, 1, b'k']);
    let err = WriteBatch::decode(&bytes).unwrap_err();
    assert!(err.is_unsupported(), "{err}");
    assert!(err.reason().contains("unknown tag 9"), "{err}");
    assert_eq!(err.offset(), ok.len());
}

#[test]
fn entries_of_any_keyspace_decode_with_their_ids() {
    let mut batch = WriteBatch::new();
    batch
        .put("a", "1")
        .put_to(7, b"b", b"2")
        .delete_to(300, b"c")
        .delete("d");
    let bytes = batch.encode(5);
    let (timestamp, decoded) = WriteBatch::decode(&bytes).unwrap();
    assert_eq!((timestamp, &decoded), (5, &batch));
    let entries: Vec<_> = decoded
        .entries()
        .iter_in()
        .map(|e| match e {
            Entry::Point {
                keyspace,
                operation,
                key,
                value,
            } => (keyspace, operation, key, value),
            Entry::RangeDelete { .. } => panic!("no range delete was added"),
        })
        .collect();
    assert_eq!(
        entries,
        [
            (0, Operation::Put, &b"a"[..], &b"1"[..]),
            (7, Operation::Put, &b"b"[..], &b"2"[..]),
            (300, Operation::Delete, &b"c"[..], &b""[..]),
            (0, Operation::Delete, &b"d"[..], &b""[..]),
        ]
    );
    // `iter` leaves the keyspaces out.
    assert_eq!(
        decoded.iter().nth(1),
        Some((Operation::Put, &b"b"[..], &b"2"[..]))
    );
    // The keyspace id of the second entry: after the header and the
    // 6-byte first entry, and its tag.
    let (_, payload) = entries::decode_payload(&bytes).unwrap();
    assert_eq!(
        payload.find_keyspace(|id| id != 0),
        Some((7, COUNT_OFFSET + 1 + 6 + 1))
    );
    assert_eq!(
        payload.find_keyspace(|id| id == 300).map(|f| f.0),
        Some(300)
    );
    assert_eq!(payload.find_keyspace(|id| id == 1), None);
}

/// The first encoding of a batch: varint count, no keyspace.
fn legacy(timestamp: u64, entries: &[(Operation, &[u8], &[u8])]) -> Vec<u8> {
    let mut bytes = Vec::new();
    put_fixed64(&mut bytes, timestamp);
    put_varint64(&mut bytes, entries.len() as u64);
    for &(op, key, value) in entries {
        bytes.push(op.as_byte());
        put_length_prefixed(&mut bytes, key);
        if op == Operation::Put {
            put_length_prefixed(&mut bytes, value);
        }
    }
    bytes
}

#[test]
fn the_first_encoding_converts_to_the_same_batch() {
    let entries: [(Operation, &[u8], &[u8]); 3] = [
        (Operation::Put, b"k1", b"v1"),
        (Operation::Delete, b"k2", b""),
        (Operation::Put, b"", &[7; 300]),
    ];
    let bytes = legacy(7, &entries);
    let (timestamp, batch) = logged::decode_legacy(&bytes).unwrap();
    assert_eq!(timestamp, 7);
    assert!(batch.iter().eq(entries.iter().copied()));
    let (_, logged) = logged::decode_logged(&bytes, true).unwrap();
    assert!(logged.entries().iter().eq(entries.iter().copied()));
    for cut in 0..bytes.len() {
        assert!(
            logged::decode_legacy(&bytes[..cut]).is_err(),
            "cut at {cut}"
        );
    }
    let mut unknown = legacy(1, &[(Operation::Delete, b"k", b"")]);
    unknown[9] = 3;
    let err = logged::decode_legacy(&unknown).unwrap_err();
    assert!(
        err.reason().contains("unknown operation") && err.offset() == 9,
        "{err}"
    );
    let mut trailing = legacy(1, &[]);
    trailing.push(0);
    assert!(logged::decode_legacy(&trailing).is_err());
}

#[test]
fn clear_keeps_nothing() {
    let mut batch = WriteBatch::new();
    batch.put("a", "b");
    batch.clear();
    assert_eq!(batch, WriteBatch::new());
}

#[test]
fn extend_and_collect_add_puts_in_order() {
    let mut batch: WriteBatch = vec![("a", "1"), ("b", "2")].into_iter().collect();
    batch.extend([(b"c".to_vec(), b"3".to_vec())]);
    batch.delete("a");
    let entries: Vec<_> = batch.iter().collect();
    assert_eq!(
        entries,
        [
            (Operation::Put, &b"a"[..], &b"1"[..]),
            (Operation::Put, &b"b"[..], &b"2"[..]),
            (Operation::Put, &b"c"[..], &b"3"[..]),
            (Operation::Delete, &b"a"[..], &b""[..]),
        ]
    );
}

#[test]
fn sizes_over_the_limits_are_structured_errors() {
    let err = WriteBatch::check_entry_size(&[0; 5], b"", 4, 10).unwrap_err();
    assert!(
        matches!(err, Error::KeyTooLarge { len: 5, limit: 4 }),
        "{err}"
    );
    let err = WriteBatch::check_entry_size(b"k", &[0; 11], 4, 10).unwrap_err();
    assert!(
        matches!(err, Error::ValueTooLarge { len: 11, limit: 10 }),
        "{err}"
    );
    assert!(WriteBatch::check_entry_size(&[0; 4], &[0; 10], 4, 10).is_ok());
}

#[test]
fn a_logged_key_or_value_longer_than_a_table_holds_is_damage() {
    use crate::sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
    let first = WriteBatch::new().delete("a").encode(1);
    // The largest key a table holds decodes; one byte more is refused at
    // the offset of its entry, the second.
    for (len, refused) in [(MAX_KEY_SIZE, false), (MAX_KEY_SIZE + 1, true)] {
        let key = vec![b'k'; len];
        let mut batch = WriteBatch::new();
        batch.delete("a").put(&key, "v");
        let result = entries::decode_payload(&batch.encode(1)).map(drop);
        let legacy_bytes = legacy(
            1,
            &[(Operation::Delete, b"a", b""), (Operation::Put, &key, b"v")],
        );
        let legacy_result = logged::decode_legacy(&legacy_bytes).map(drop);
        if !refused {
            result.unwrap();
            legacy_result.unwrap();
            continue;
        }
        let err = result.unwrap_err();
        assert!(
            !err.is_unsupported() && err.reason().contains("MAX_KEY_SIZE"),
            "{err}"
        );
        assert_eq!(err.offset(), first.len());
        let err = legacy_result.unwrap_err();
        assert!(err.reason().contains("MAX_KEY_SIZE"), "{err}");
        assert_eq!(err.offset(), COUNT_OFFSET + 1 + 3);
    }
    for (len, refused) in [(MAX_VALUE_SIZE, false), (MAX_VALUE_SIZE + 1, true)] {
        let bytes = WriteBatch::new().put("k", vec![0; len]).encode(1);
        match entries::decode_payload(&bytes) {
            Ok(_) => assert!(!refused),
            Err(err) => {
                assert!(refused, "{err}");
                assert!(err.reason().contains("MAX_VALUE_SIZE"), "{err}");
                assert_eq!(err.offset(), COUNT_OFFSET + 1);
            }
        }
    }
}

#[test]
fn runs_cut_the_entries_in_order() {
    let mut batch = WriteBatch::new();
    for i in 0..10u8 {
        batch.put([i], [i; 3]).delete([i]);
    }
    for len in [1, 3, 20, 21] {
        let runs = batch.entries().runs(len);
        assert_eq!(runs.len(), 20_usize.div_ceil(len), "runs of {len}");
        assert!(runs.iter().all(|run| run.len() <= len && !run.is_empty()));
        let joined: Vec<_> = runs.iter().flat_map(|run| run.iter()).collect();
        assert_eq!(joined, batch.iter().collect::<Vec<_>>(), "runs of {len}");
    }
    assert!(WriteBatch::new().entries().runs(4).is_empty());
}
