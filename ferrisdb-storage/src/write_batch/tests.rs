//! Unit tests of `WriteBatch`: building, encoding and decoding.

use super::*;
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
        [2, 1, 0, 0, 0, 0, 0, 0, 2, 1, 1, b'k', 1, b'v', 2, 1, b'd']
    );
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

#[test]
fn huge_count_is_rejected_without_allocating() {
    let mut bytes = Vec::new();
    put_fixed64(&mut bytes, 1);
    put_varint64(&mut bytes, u64::from(u32::MAX));
    let err = WriteBatch::decode(&bytes).unwrap_err();
    assert!(err.reason().contains("declares"), "{err}");
    let mut bytes = Vec::new();
    put_fixed64(&mut bytes, 1);
    put_varint64(&mut bytes, 1);
    bytes.push(9);
    let err = WriteBatch::decode(&bytes).unwrap_err();
    assert!(err.reason().contains("unknown operation"), "{err}");
    assert_eq!(err.offset(), 9);
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
