//! Unit tests of the snapshot layout: round trips, and every damaged,
//! cut-short or crafted snapshot is an error naming an offset, never a
//! panic nor fewer pairs.

use super::*;

fn snapshot(pairs: &[(&[u8], &[u8])]) -> Vec<u8> {
    let mut writer = PairWriter::new();
    for (key, value) in pairs {
        writer.push(key, value).unwrap();
    }
    writer.finish()
}

/// `body` (header and records, no end record) with an end record counting
/// `count` pairs and a checksum that holds: what a crafted snapshot is.
fn sealed(mut body: Vec<u8>, count: u64) -> Vec<u8> {
    body.push(TAG_END);
    body.extend_from_slice(&count.to_be_bytes());
    let crc = crc32fast::hash(&body);
    body.extend_from_slice(&crc.to_be_bytes());
    body
}

fn header() -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(&VERSION.to_be_bytes());
    out
}

const PAIRS: [(&[u8], &[u8]); 3] = [(b"a", b"1"), (b"b", b""), (b"c\x00", b"three")];

#[test]
fn pairs_round_trip() {
    let bytes = snapshot(&PAIRS);
    assert_eq!(read_pairs(&bytes).unwrap(), PAIRS);
    assert_eq!(read_pairs(&snapshot(&[])).unwrap(), []);
}

/// The worked example of `docs/raft.md`, byte for byte.
#[test]
fn the_worked_example_of_the_spec() {
    let bytes = snapshot(&[(b"k", b"v1")]);
    let mut expected = b"FDBRSNAP\x00\x00\x00\x01".to_vec();
    expected.extend_from_slice(b"\x01\x00\x00\x00\x01k\x00\x00\x00\x02v1");
    expected.extend_from_slice(b"\x00\x00\x00\x00\x00\x00\x00\x00\x01");
    let crc = crc32fast::hash(&expected);
    expected.extend_from_slice(&crc.to_be_bytes());
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), 37);
}

#[test]
fn every_cut_short_snapshot_is_an_error() {
    let bytes = snapshot(&PAIRS);
    for len in 0..bytes.len() {
        let err = read_pairs(&bytes[..len]).expect_err("a prefix reads");
        assert!(err.problem.contains("cut short"), "{len}: {err}");
    }
}

#[test]
fn every_flipped_byte_is_an_error() {
    let bytes = snapshot(&PAIRS);
    for at in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[at] ^= 0x40;
        assert!(read_pairs(&damaged).is_err(), "byte {at} flipped reads");
    }
}

#[test]
fn a_crafted_length_past_the_end_is_an_error_not_an_allocation() {
    let mut body = header();
    body.push(TAG_PAIR);
    body.extend_from_slice(&u32::MAX.to_be_bytes());
    body.extend_from_slice(b"k");
    let err = read_pairs(&sealed(body, 1)).unwrap_err();
    assert_eq!(err.offset, HEADER_LEN + TAG_LEN + LENGTH_LEN, "{err}");
    assert!(err.problem.contains("key of 4294967295 bytes"), "{err}");
}

#[test]
fn crafted_records_are_errors() {
    let pair = |key: &[u8]| {
        let mut out = vec![TAG_PAIR];
        out.extend_from_slice(&u32::try_from(key.len()).unwrap().to_be_bytes());
        out.extend_from_slice(key);
        out.extend_from_slice(&0u32.to_be_bytes());
        out
    };
    let unsorted = [header(), pair(b"b"), pair(b"a")].concat();
    let err = read_pairs(&sealed(unsorted, 2)).unwrap_err();
    assert!(err.problem.contains("not above"), "{err}");
    let duplicate = [header(), pair(b"a"), pair(b"a")].concat();
    assert!(read_pairs(&sealed(duplicate, 2)).is_err());

    let miscounted = [header(), pair(b"a")].concat();
    let err = read_pairs(&sealed(miscounted, 2)).unwrap_err();
    assert!(err.problem.contains("counts 2"), "{err}");

    let unknown_tag = [header(), vec![7]].concat();
    let err = read_pairs(&sealed(unknown_tag, 0)).unwrap_err();
    assert_eq!(err.offset, HEADER_LEN, "{err}");

    let mut wrong_version = MAGIC.to_vec();
    wrong_version.extend_from_slice(&2u32.to_be_bytes());
    let err = read_pairs(&sealed(wrong_version, 0)).unwrap_err();
    assert!(err.problem.contains("version 2"), "{err}");

    let wrong_magic = [b"NOTASNAP".to_vec(), VERSION.to_be_bytes().to_vec()].concat();
    let err = read_pairs(&sealed(wrong_magic, 0)).unwrap_err();
    assert!(err.problem.contains("magic"), "{err}");

    // An end record, then more bytes, all under a checksum that holds.
    let mut trailing = sealed(header(), 0);
    trailing.truncate(trailing.len() - CRC_LEN);
    trailing.push(9);
    let crc = crc32fast::hash(&trailing);
    trailing.extend_from_slice(&crc.to_be_bytes());
    let err = read_pairs(&trailing).unwrap_err();
    assert!(err.problem.contains("after the end record"), "{err}");
}
