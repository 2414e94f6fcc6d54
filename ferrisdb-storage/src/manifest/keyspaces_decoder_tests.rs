//! Every check of the keyspaces record's decoder, each with a crafted
//! manifest whose checksum matches: damage is `Error::Corruption` naming the
//! manifest and an offset inside the record; a later FerrisDB's option is
//! `Error::UnsupportedFormat`.

use std::path::PathBuf;

use ferrisdb_core::coding::put_varint64;
use ferrisdb_core::Unsupported;

use super::features_tests::{body, sealed};
use super::format::{FORMAT_VERSION, HEADER_LEN, INCOMPAT_FLAGS_OFFSET};
use super::keyspaces_tests::{default_options, two_keyspaces};
use super::tests::worked_example;
use super::*;
use crate::Error;

fn path() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

/// The body of the worked example without features, with room for log
/// numbers up to 19 (next file number 20): what the crafted records follow.
fn base_body() -> Vec<u8> {
    let mut state = worked_example(Features::default());
    state.next_file_number = 20;
    body(&state.encode()).to_vec()
}

/// A manifest of the base body, declaring keyspaces if `flag`, with a
/// keyspaces record of each payload in `records`; and the offset of the
/// first record in the file.
fn crafted(flag: bool, records: &[&[u8]]) -> (Vec<u8>, u64) {
    let mut body = base_body();
    body[INCOMPAT_FLAGS_OFFSET] = u8::from(flag);
    let record_at = (HEADER_LEN + body.len()) as u64;
    for payload in records {
        body.extend_from_slice(&[2, 0]);
        put_varint64(&mut body, payload.len() as u64);
        body.extend_from_slice(payload);
    }
    (sealed(FORMAT_VERSION, &body), record_at)
}

/// Option fields: a count, then each tag and value.
fn options(fields: &[(u8, u64)]) -> Vec<u8> {
    let mut out = Vec::new();
    put_varint64(&mut out, fields.len() as u64);
    for &(tag, value) in fields {
        out.push(tag);
        put_varint64(&mut out, value);
    }
    out
}

/// Option fields, as tags and values.
type Fields = Vec<(u8, u64)>;

/// The default options' fields.
const DEFAULTS: [(u8, u64); 9] = [
    (1, 64 << 20),
    (2, 4096),
    (3, 10),
    (4, 1),
    (6, 0),
    (7, 1),
    (16, 4),
    (17, 256 << 20),
    (18, 10),
];

/// A keyspaces payload: next id 3, default log 4, and `keyspace` bytes
/// (id 1 onwards) as given.
fn payload_with(keyspace: &[u8]) -> Vec<u8> {
    let mut out = vec![3, 4, 1];
    out.extend_from_slice(keyspace);
    out
}

/// Keyspace 1, `users`, log 5, with `options` and no tables.
fn keyspace_with_options(options: &[u8]) -> Vec<u8> {
    let mut out = vec![1, 5];
    out.extend_from_slice(b"users");
    out.push(5);
    put_varint64(&mut out, options.len() as u64);
    out.extend_from_slice(options);
    out.push(0);
    out
}

fn corruption_in_record(file: &[u8], record_at: u64, what: &str) {
    let err = ManifestState::decode(file, &path()).unwrap_err();
    assert!(err.is_corruption(), "{what}: {err}");
    assert!(err.to_string().contains(what), "{what}: {err}");
    match err {
        Error::Corruption {
            file: named,
            offset,
            ..
        } => {
            assert_eq!(named, path());
            let crc_at = (file.len() - 4) as u64;
            assert!(
                (record_at..crc_at).contains(&offset),
                "{what}: offset {offset} outside the record {record_at}..{crc_at}"
            );
        }
        other => panic!("{what}: {other}"),
    }
}

#[test]
fn the_crafted_payloads_are_read_when_sound() {
    let sound = payload_with(&keyspace_with_options(&options(&DEFAULTS)));
    let (file, _) = crafted(true, &[&sound]);
    let state = ManifestState::decode(&file, &path()).unwrap();
    assert_eq!(state.keyspaces.records[0].options, default_options());
    assert_eq!(state.keyspaces.records[0].name, "users");
}

#[test]
fn states_the_engine_never_writes_are_damage() {
    type Breaker = fn(&mut ManifestState);
    let cases: [(&str, Breaker); 17] = [
        ("next keyspace id 0", |s| s.keyspaces.next_keyspace_id = 0),
        (
            "keyspace id 3 is not above 1 and below the next keyspace id 3",
            |s| s.keyspaces.next_keyspace_id = 3,
        ),
        ("not above 3", |s| s.keyspaces.records.swap(0, 1)),
        ("keyspace id 0 is not above 0", |s| {
            s.keyspaces.records[0].id = 0
        }),
        ("is empty", |s| s.keyspaces.records[0].name.clear()),
        ("longer than 255", |s| {
            s.keyspaces.records[1].name = "x".repeat(256)
        }),
        ("path separator", |s| {
            s.keyspaces.records[0].name = "a/b".into()
        }),
        ("path separator", |s| {
            s.keyspaces.records[0].name = "a\\b".into()
        }),
        ("control character", |s| {
            s.keyspaces.records[0].name = "a\nb".into()
        }),
        ("named \"default\"", |s| {
            s.keyspaces.records[1].name = "default".into()
        }),
        ("named \"users\"", |s| {
            s.keyspaces.records[1].name = "users".into()
        }),
        ("keyspace 3's log number 3 is outside", |s| {
            s.keyspaces.records[1].log_number = 3
        }),
        ("keyspace 1's log number 20 is outside", |s| {
            s.keyspaces.records[0].log_number = 20
        }),
        ("the default keyspace's log number 2", |s| {
            s.keyspaces.default_log_number = 2
        }),
        (
            "log number 4 is not the oldest log its keyspaces need, 6",
            |s| s.keyspaces.records[0].log_number = 13,
        ),
        ("table 3 is listed twice", |s| {
            s.keyspaces.records[1].tables.push(s.tables[0].clone())
        }),
        ("table 20 is not below the next file number", |s| {
            s.keyspaces.records[0].tables[0].file_number = 20
        }),
    ];
    let none = base_body().len();
    let record_at = (HEADER_LEN + none) as u64;
    for (what, break_it) in cases {
        let mut state = two_keyspaces();
        break_it(&mut state);
        corruption_in_record(&state.encode(), record_at, what);
    }
    // A table of a keyspace is checked as the main list's are.
    let mut state = two_keyspaces();
    state.keyspaces.records[0].tables[1].level = 7;
    corruption_in_record(&state.encode(), record_at, "table level 7");
    state = two_keyspaces();
    state.keyspaces.records[0].tables[1].max_timestamp = 43;
    corruption_in_record(&state.encode(), record_at, "above the last timestamp");
}

#[test]
fn the_record_is_there_exactly_when_the_flag_is() {
    let sound = payload_with(&keyspace_with_options(&options(&DEFAULTS)));
    let (file, _) = crafted(true, &[]);
    let err = ManifestState::decode(&file, &path()).unwrap_err();
    assert!(
        err.to_string().contains("holds no keyspaces record"),
        "{err}"
    );
    assert!(
        matches!(err, Error::Corruption { offset, .. } if offset == (HEADER_LEN + INCOMPAT_FLAGS_OFFSET) as u64),
        "the offset of the incompatible flags: {err}"
    );
    let (file, at) = crafted(false, &[&sound]);
    corruption_in_record(&file, at, "do not declare");
    let (file, at) = crafted(true, &[&sound, &sound]);
    let err = ManifestState::decode(&file, &path()).unwrap_err();
    assert!(err.to_string().contains("a second record"), "{err}");
    let second = at + 3 + sound.len() as u64;
    assert!(
        matches!(err, Error::Corruption { offset, .. } if offset == second),
        "{err}"
    );
    corruption_in_record(&file, at, "a second record");
}

#[test]
fn counts_larger_than_the_bytes_left_are_refused_before_allocating() {
    let huge = [0xff, 0xff, 0xff, 0xff, 0x0f];
    let mut keyspaces = vec![3, 4];
    keyspaces.extend_from_slice(&huge);
    let mut fields = keyspace_with_options(&[]);
    fields.truncate(fields.len() - 2);
    fields.push(5);
    fields.extend_from_slice(&huge);
    fields.push(0);
    let mut tables = keyspace_with_options(&options(&DEFAULTS));
    tables.pop();
    tables.extend_from_slice(&[0xff; 9]);
    tables.push(0x01);
    for (payload, what) in [
        (keyspaces, "keyspace count 4294967295 cannot fit"),
        (
            payload_with(&fields),
            "option field count 4294967295 cannot fit",
        ),
        (payload_with(&tables), "cannot fit"),
    ] {
        let (file, at) = crafted(true, &[&payload]);
        corruption_in_record(&file, at, what);
    }
}

#[test]
fn bytes_no_encoder_writes_are_damage() {
    let with = |edit: &dyn Fn(&mut Fields)| {
        let mut fields = DEFAULTS.to_vec();
        edit(&mut fields);
        payload_with(&keyspace_with_options(&options(&fields)))
    };
    let mut not_utf8 = payload_with(&keyspace_with_options(&options(&DEFAULTS)));
    not_utf8[5] = 0xff;
    let mut trailing_options = keyspace_with_options(&options(&DEFAULTS));
    trailing_options[8] += 1;
    trailing_options.insert(9 + options(&DEFAULTS).len(), 0);
    let mut trailing = payload_with(&keyspace_with_options(&options(&DEFAULTS)));
    trailing.push(0);
    let cases: [(Vec<u8>, &str); 10] = [
        (not_utf8, "not UTF-8"),
        (with(&|f| f.swap(0, 1)), "option tag 1 follows tag 2"),
        (with(&|f| f.insert(1, (1, 3))), "option tag 1 follows tag 1"),
        (
            with(&|f| {
                f.remove(1);
            }),
            "lack their block size (tag 2)",
        ),
        (
            with(&|f| {
                f.remove(7);
            }),
            "max_bytes_for_level_base (tag 17)",
        ),
        (
            with(&|f| {
                f.remove(5);
            }),
            "lack their memtable filter (tag 7)",
        ),
        (with(&|f| f.insert(4, (5, 6))), "hold tag 5"),
        (with(&|f| f.push((32, 4))), "hold tag 32"),
        (
            payload_with(&trailing_options),
            "after the options' last field",
        ),
        (trailing, "after the last keyspace"),
    ];
    for (payload, what) in cases {
        let (file, at) = crafted(true, &[&payload]);
        corruption_in_record(&file, at, what);
    }
    let (file, at) = crafted(
        true,
        &[&with(&|f| {
            f[3].1 = 2;
            f.insert(4, (5, 1 << 32));
        })],
    );
    corruption_in_record(&file, at, "no zigzag-encoded 32-bit level");
}

/// The MemTable filter flag is 0 or 1: a flag has no third value a later
/// FerrisDB could mean, so any other is damage, at the value's byte.
#[test]
fn the_memtable_filter_flag_is_0_or_1_and_anything_else_is_damage() {
    let fields = |value| {
        let mut fields = DEFAULTS.to_vec();
        assert_eq!(fields[5].0, 7);
        fields[5].1 = value;
        fields
    };
    for (value, on) in [(0, false), (1, true)] {
        let payload = payload_with(&keyspace_with_options(&options(&fields(value))));
        let (file, _) = crafted(true, &[&payload]);
        let state = ManifestState::decode(&file, &path()).unwrap();
        assert_eq!(state.keyspaces.records[0].options.memtable_filter, on);
    }
    for value in [2, 0x80, u64::MAX] {
        let fields = fields(value);
        let bytes = options(&fields);
        let payload = payload_with(&keyspace_with_options(&bytes));
        let (file, record_at) = crafted(true, &[&payload]);
        let what = format!("memtable filter flag {value} is neither 0 (off) nor 1 (on)");
        corruption_in_record(&file, record_at, &what);
        // The count and the five fields before it, then the tag.
        let options_at = file.windows(bytes.len()).position(|w| w == bytes).unwrap();
        let value_at = options_at + options(&fields[..5]).len() + 1;
        match ManifestState::decode(&file, &path()).unwrap_err() {
            Error::Corruption { offset, .. } => assert_eq!(offset, value_at as u64, "{value}"),
            other => panic!("{value}: {other}"),
        }
    }
}

#[test]
fn a_later_ferrisdb_s_option_is_unsupported_not_damage() {
    let with = |fields: &[(u8, u64)]| payload_with(&keyspace_with_options(&options(fields)));
    let mut unknown_tag = DEFAULTS.to_vec();
    unknown_tag.insert(6, (8, 1));
    let mut unknown_compression = DEFAULTS.to_vec();
    unknown_compression[3].1 = 9;
    let mut unknown_style = DEFAULTS.to_vec();
    unknown_style[4].1 = 2;
    for (fields, what) in [
        (unknown_tag, "option of tag 8"),
        (unknown_compression, "compression code 9"),
        (unknown_style, "compaction style code 2"),
    ] {
        let (file, at) = crafted(true, &[&with(&fields)]);
        let err = ManifestState::decode(&file, &path()).unwrap_err();
        assert!(!err.is_corruption(), "{what}: {err}");
        assert!(err.to_string().contains("newer FerrisDB"), "{what}: {err}");
        match err {
            Error::UnsupportedFormat {
                file,
                unsupported: Unsupported::Record { offset, what: held },
            } => {
                assert_eq!(file, path());
                assert!(held.contains(what), "{held}");
                assert!(offset > at, "{what}: {offset}");
            }
            other => panic!("{what}: {other}"),
        }
    }
}
