use super::*;

fn decode(bytes: &[u8]) -> Result<PropertyExtensions, DecodeError> {
    let mut d = Decoder::new(bytes);
    let out = PropertyExtensions::decode_from(&mut d)?;
    assert!(d.is_empty(), "decoding stops only at the end");
    Ok(out)
}

fn encoded(keyspace: u32) -> Vec<u8> {
    encoded_with(keyspace, None)
}

fn encoded_with(keyspace: u32, range_deletes: Option<RangeDeletes>) -> Vec<u8> {
    let mut buf = Vec::new();
    PropertyExtensions {
        keyspace,
        range_deletes,
    }
    .encode_into(&mut buf);
    buf
}

fn range_deletes(offset: u64, size: u64, fragments: u32, timestamps: u64) -> RangeDeletes {
    RangeDeletes {
        handle: BlockHandle { offset, size },
        fragment_count: fragments,
        timestamp_count: timestamps,
    }
}

/// The error of `bytes`, which must be damage, at `offset`.
fn corruption_at(bytes: &[u8], offset: usize, reason: &str) {
    let err = decode(bytes).unwrap_err();
    assert!(!err.is_unsupported(), "{err} is damage, not a newer format");
    assert_eq!(err.offset(), offset, "{err}");
    assert!(err.reason().contains(reason), "{err}");
}

#[test]
fn the_default_keyspace_writes_nothing_and_reads_from_nothing() {
    assert!(encoded(0).is_empty());
    assert_eq!(
        decode(&[]).unwrap(),
        PropertyExtensions {
            keyspace: 0,
            range_deletes: None
        }
    );
}

#[test]
fn keyspaces_round_trip_in_the_bytes_of_the_spec() {
    assert_eq!(encoded(1), [0x01, 0x01, 0x01]);
    assert_eq!(encoded(300), [0x01, 0x02, 0xac, 0x02]);
    assert_eq!(
        encoded(u32::MAX),
        [0x01, 0x05, 0xff, 0xff, 0xff, 0xff, 0x0f]
    );
    for keyspace in [1, 127, 128, 300, 1 << 21, u32::MAX] {
        let bytes = encoded(keyspace);
        assert_eq!(decode(&bytes).unwrap().keyspace, keyspace);
        for cut in 1..bytes.len() {
            let err = decode(&bytes[..cut]).unwrap_err();
            assert!(!err.is_unsupported(), "cut {cut}: {err}");
        }
    }
}

#[test]
fn the_longest_extensions_fit_their_bound() {
    use crate::sstable::format::MAX_PROPERTY_EXTENSIONS_LEN;
    let largest = range_deletes(
        u64::MAX - 5 - u64::from(u32::MAX),
        u64::from(u32::MAX),
        u32::MAX,
        u64::MAX,
    );
    assert_eq!(
        encoded_with(u32::MAX, Some(largest)).len(),
        MAX_PROPERTY_EXTENSIONS_LEN
    );
}

#[test]
fn an_unknown_tag_is_a_newer_format_naming_its_offset() {
    for bytes in [&[0x03, 0x00][..], &[0x00, 0x01, 0x07], &[0x80, 0x01, 0x00]] {
        let err = decode(bytes).unwrap_err();
        assert!(err.is_unsupported(), "{err}");
        assert_eq!(err.offset(), 0);
        assert!(err.reason().contains("a table property of tag"), "{err}");
    }
    // After a keyspace, at the unknown tag's own offset.
    let err = decode(&[0x01, 0x01, 0x05, 0x09, 0x01, 0x00]).unwrap_err();
    assert!(err.is_unsupported() && err.offset() == 3, "{err}");
    assert!(err.reason().contains("tag 9"), "{err}");
}

#[test]
fn a_present_zero_keyspace_is_damage() {
    corruption_at(&[0x01, 0x01, 0x00], 2, "id 0");
    // A zero in a longer encoding is zero too.
    corruption_at(&[0x01, 0x02, 0x80, 0x00], 2, "id 0");
}

#[test]
fn a_repeated_or_descending_tag_is_damage() {
    corruption_at(
        &[0x01, 0x01, 0x05, 0x01, 0x01, 0x06],
        3,
        "tag 1 follows tag 1",
    );
    // Descending, though the second tag is unknown: the order is checked
    // before the tag is looked at.
    corruption_at(&[0x01, 0x01, 0x05, 0x00, 0x00], 3, "tag 0 follows tag 1");
}

#[test]
fn a_length_not_filled_exactly_by_its_value_is_damage() {
    // Longer than the id: one byte left over.
    corruption_at(
        &[0x01, 0x02, 0x05, 0x00],
        3,
        "claims 2 bytes but its id ends after 1",
    );
    // Shorter than the id: the varint runs off the end of its value.
    corruption_at(&[0x01, 0x01, 0xac, 0x02], 2, "truncated varint keyspace id");
    // Past the end of the block.
    corruption_at(&[0x01, 0x03, 0x05], 2, "truncated property extension value");
    corruption_at(
        &[0x01, 0xff, 0xff, 0xff, 0xff, 0x0f],
        6,
        "needs 4294967295 bytes",
    );
    // Lengths and tags wider than 32 bits.
    corruption_at(
        &[0x01, 0x80, 0x80, 0x80, 0x80, 0x10],
        1,
        "does not fit in 32 bits",
    );
    corruption_at(
        &[0x80, 0x80, 0x80, 0x80, 0x10, 0x00],
        0,
        "does not fit in 32 bits",
    );
    corruption_at(
        &[0x01, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10],
        2,
        "does not fit in 32 bits",
    );
}

#[test]
fn range_deletes_round_trip_after_the_keyspace_in_the_bytes_of_the_spec() {
    let r = range_deletes(0x49, 0x16, 1, 1);
    // Tag 2, length 4: offset 73, size 22, one fragment, one tombstone.
    assert_eq!(
        encoded_with(0, Some(r)),
        [0x02, 0x04, 0x49, 0x16, 0x01, 0x01]
    );
    for keyspace in [0, 1, u32::MAX] {
        for r in [r, range_deletes(1 << 40, 300, 70_000, 1 << 33)] {
            let bytes = encoded_with(keyspace, Some(r));
            let got = decode(&bytes).unwrap();
            assert_eq!((got.keyspace, got.range_deletes), (keyspace, Some(r)));
            for cut in 1..bytes.len() {
                let got = decode(&bytes[..cut]);
                if got.as_ref().is_ok_and(|g| g.range_deletes.is_none()) {
                    // Cut right after the keyspace: the footer's handle and
                    // the block's checksum fix the block's length.
                    assert_eq!(cut, encoded(keyspace).len());
                    continue;
                }
                let err = got.unwrap_err();
                assert!(!err.is_unsupported(), "cut {cut}: {err}");
            }
        }
    }
}

#[test]
fn a_range_deletes_extension_out_of_its_limits_is_damage_at_the_field() {
    // Zero fragments, at the count.
    corruption_at(&[0x02, 0x04, 0x10, 0x05, 0x00, 0x00], 4, "0 fragments");
    // Fewer timestamps than fragments, at the timestamps.
    corruption_at(
        &[0x02, 0x04, 0x10, 0x05, 0x02, 0x01],
        5,
        "1 tombstones over 2",
    );
    // A size over MAX_RANGE_DEL_BLOCK_LEN, at the size.
    corruption_at(
        &[0x02, 0x08, 0x10, 0x80, 0x80, 0x80, 0x80, 0x10, 0x01, 0x01],
        3,
        "larger than any table's",
    );
    // An end past u64::MAX.
    let mut past = vec![0x02, 0x0d];
    past.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]);
    past.extend_from_slice(&[0x01, 0x01, 0x01]);
    corruption_at(&past, 12, "past the largest offset");
    // A value longer than its fields, and one shorter.
    corruption_at(
        &[0x02, 0x05, 0x10, 0x05, 0x01, 0x01, 0x00],
        6,
        "claims 5 bytes but its fields end after 4",
    );
    corruption_at(
        &[0x02, 0x03, 0x10, 0x05, 0x01],
        5,
        "truncated varint range tombstone count",
    );
    // A fragment count wider than 32 bits.
    corruption_at(
        &[0x02, 0x08, 0x10, 0x05, 0x80, 0x80, 0x80, 0x80, 0x10, 0x01],
        4,
        "does not fit in 32 bits",
    );
    // After a keyspace, and repeated.
    corruption_at(
        &[
            0x01, 0x01, 0x05, 0x02, 0x04, 0x10, 0x05, 0x01, 0x01, 0x02, 0x00,
        ],
        9,
        "tag 2 follows tag 2",
    );
    corruption_at(
        &[0x02, 0x04, 0x10, 0x05, 0x01, 0x01, 0x01, 0x01, 0x05],
        6,
        "tag 1 follows tag 2",
    );
}
