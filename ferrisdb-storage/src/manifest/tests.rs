//! The manifest's encoding, limits, worked examples and atomic store.

use super::*;
use crate::fs::OsFileSystem;
use crate::{Error, InternalKey};
use std::path::PathBuf;

fn sample() -> ManifestState {
    ManifestState {
        next_file_number: 12,
        log_number: 9,
        last_timestamp: 4_000,
        tables: vec![
            TableRecord {
                level: 0,
                file_number: 7,
                file_size: 8_192,
                entry_count: 100,
                tombstone_count: 7,
                smallest: InternalKey::new("apple", 3_999),
                largest: InternalKey::new("pear", 3_000),
                min_timestamp: 3_000,
                max_timestamp: 3_999,
            },
            TableRecord {
                level: 1,
                file_number: 4,
                file_size: 65_536,
                entry_count: 2_000,
                tombstone_count: 0,
                smallest: InternalKey::new("", 1),
                largest: InternalKey::new(vec![0xff; 3], 2_000),
                min_timestamp: 1,
                max_timestamp: 2_000,
            },
        ],
        closed_log: Some(ClosedLog {
            number: 9,
            length: 4_096,
        }),
        features: Features::default(),
        keyspaces: KeyspacesState::none(9),
    }
}

fn path() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

#[test]
fn encode_decode_round_trips() {
    for state in [ManifestState::default(), sample()] {
        let bytes = state.encode();
        assert_eq!(ManifestState::decode(&bytes, &path()).unwrap(), state);
    }
}

/// The worked example of `docs/format/manifest.md` as versions 3, 2 and 1
/// wrote it (version 3 with no features, the others without feature flags)
/// still decodes; the version-4 bytes are checked by
/// `tests/manifest_format_example.rs`.
/// The state of the spec's worked example (one table, `a@42` to `b@41`),
/// declaring `features`.
pub(super) fn worked_example(features: Features) -> ManifestState {
    ManifestState {
        next_file_number: 5,
        log_number: 4,
        last_timestamp: 42,
        tables: vec![TableRecord {
            level: 0,
            file_number: 3,
            file_size: 1234,
            entry_count: 2,
            tombstone_count: 1,
            smallest: InternalKey::new("a", 42),
            largest: InternalKey::new("b", 41),
            min_timestamp: 41,
            max_timestamp: 42,
        }],
        closed_log: None,
        features,
        keyspaces: KeyspacesState::none(4),
    }
}

#[test]
fn the_worked_example_of_versions_4_to_1_decodes() {
    let body = "05042a00000000000000010003d2090201\
                01612a00000000000000\
                01622900000000000000\
                2900000000000000\
                2a00000000000000";
    let hex = |s: &str| -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    };
    let expected = worked_example(Features::default());
    let version_2 = hex(&format!(
        "4644424d414e49460200000037000000{body}0000e3143997"
    ));
    let version_1 = hex(&format!("4644424d414e49460100000035000000{body}2325bc11"));
    let flags = "00".repeat(24);
    let version_3 = hex(&format!(
        "4644424d414e4946030000004f000000{flags}{body}0000c52bcca4"
    ));
    let version_4 = hex(&format!(
        "4644424d414e4946040000004f000000{flags}{body}00000b92dd53"
    ));
    assert_eq!(
        ManifestState::decode(&version_4, &path()).unwrap(),
        expected
    );
    assert_eq!(
        ManifestState::decode(&version_3, &path()).unwrap(),
        expected
    );
    assert_eq!(
        ManifestState::decode(&version_2, &path()).unwrap(),
        expected
    );
    assert_eq!(
        ManifestState::decode(&version_1, &path()).unwrap(),
        expected
    );
}

#[test]
fn every_truncation_is_corruption() {
    let bytes = sample().encode();
    for cut in 0..bytes.len() {
        let err = ManifestState::decode(&bytes[..cut], &path()).unwrap_err();
        assert!(err.is_corruption(), "cut at {cut}: {err}");
        assert!(err.to_string().contains("/db/MANIFEST"), "{err}");
    }
}

#[test]
fn every_flipped_byte_is_detected() {
    let bytes = sample().encode();
    for i in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x5a;
        let err = ManifestState::decode(&damaged, &path()).unwrap_err();
        assert!(err.is_corruption(), "flip at {i}: {err}");
    }
}

#[test]
fn huge_table_count_is_rejected_without_allocating() {
    let mut state = sample();
    state.tables.clear();
    state.closed_log = None;
    let mut bytes = state.encode();
    // Patch the table count (the body byte before the two of the absent
    // closed log, a one-byte varint 0) to a ten-byte varint claiming
    // u64::MAX tables, then fix lengths and crc.
    let body_end = bytes.len() - format::CHECKSUM_LEN;
    bytes.truncate(body_end - 3);
    bytes.extend_from_slice(&[0xff; 9]);
    bytes.extend_from_slice(&[0x01, 0, 0]);
    let body_len = (bytes.len() - format::HEADER_LEN) as u32;
    bytes[format::BODY_LEN_OFFSET..format::HEADER_LEN].copy_from_slice(&body_len.to_le_bytes());
    let crc = crc32fast::hash(&bytes);
    bytes.extend_from_slice(&crc.to_le_bytes());
    let err = ManifestState::decode(&bytes, &path()).unwrap_err();
    assert!(err.to_string().contains("table count"), "{err}");
}

#[test]
fn numbers_the_engine_cannot_hold_are_rejected() {
    type Breaker = fn(&mut ManifestState);
    let cases: [(&str, Breaker); 4] = [
        ("table level 7", |s| s.tables[1].level = 7),
        ("next file number", |s| {
            s.next_file_number = format::MAX_FILE_NUMBER + 1
        }),
        ("last timestamp", |s| {
            s.last_timestamp = format::MAX_TIMESTAMP + 1
        }),
        ("above the last timestamp", |s| {
            s.tables[0].max_timestamp = s.last_timestamp + 1
        }),
    ];
    for (what, break_it) in cases {
        let mut state = sample();
        break_it(&mut state);
        let err = ManifestState::decode(&state.encode(), &path()).unwrap_err();
        assert!(err.is_corruption(), "{what}: {err}");
        assert!(err.to_string().contains(what), "{what}: {err}");
    }
}

#[test]
fn a_file_that_is_not_a_manifest_says_so() {
    let err = ManifestState::decode(&[b'x'; 64], &path()).unwrap_err();
    assert!(matches!(err, Error::Corruption { offset: 0, .. }), "{err}");
    assert!(err.to_string().contains("not a FerrisDB manifest"), "{err}");
}

#[test]
fn file_numbers_stop_at_their_limits_and_the_last_go_to_open() {
    let dir = Path::new("/db");
    let running_limit = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN;
    let counter = AtomicU64::new(running_limit - 1);
    assert_eq!(
        take_file_number(&counter, dir, false).unwrap(),
        running_limit - 1
    );
    let err = take_file_number(&counter, dir, false).unwrap_err();
    assert!(
        err.is_corruption() && err.to_string().contains("MANIFEST"),
        "{err}"
    );
    assert_eq!(counter.load(Ordering::Relaxed), running_limit);
    assert_eq!(
        take_file_number(&counter, dir, true).unwrap(),
        running_limit
    );

    counter.store(MAX_FILE_NUMBER - 1, Ordering::Relaxed);
    assert_eq!(
        take_file_number(&counter, dir, true).unwrap(),
        MAX_FILE_NUMBER - 1
    );
    assert!(take_file_number(&counter, dir, true).is_err());
    assert_eq!(counter.load(Ordering::Relaxed), MAX_FILE_NUMBER);

    let half = MAX_FILE_NUMBER - FILE_NUMBERS_KEPT_FOR_OPEN / 2;
    check_room_to_open(dir, half - 1).unwrap();
    assert!(check_room_to_open(dir, half).unwrap_err().is_corruption());
}

/// Bug: `store` wrote a manifest larger than `load` reads, so the
/// database could never be opened again.
#[test]
fn regression_store_writes_a_manifest_load_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let fs = OsFileSystem;
    store(&fs, dir.path(), &sample()).unwrap();
    let huge_key = vec![b'k'; 1 << 20];
    let mut state = sample();
    state.next_file_number = 1_000;
    state.tables = (0..130)
        .map(|n| TableRecord {
            file_number: n,
            smallest: InternalKey::new(huge_key.clone(), 2),
            largest: InternalKey::new(huge_key.clone(), 1),
            ..sample().tables[0].clone()
        })
        .collect();
    let err = store(&fs, dir.path(), &state).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(err.to_string().contains("more than"), "{err}");
    assert_eq!(
        load(&fs, dir.path()).unwrap(),
        Some(sample()),
        "the old one stays"
    );
}

#[test]
fn store_then_load_and_replace() {
    let dir = tempfile::tempdir().unwrap();
    let fs = OsFileSystem;
    assert_eq!(load(&fs, dir.path()).unwrap(), None);
    store(&fs, dir.path(), &ManifestState::default()).unwrap();
    store(&fs, dir.path(), &sample()).unwrap();
    assert_eq!(load(&fs, dir.path()).unwrap(), Some(sample()));
    assert_eq!(fs.list(dir.path()).unwrap(), [MANIFEST_FILE_NAME]);
}
