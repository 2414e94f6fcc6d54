//! The format version and feature flags of a manifest: what a FerrisDB does
//! with a newer version, with each class of feature it does not know, and
//! with crafted feature records.

use std::path::PathBuf;

use ferrisdb_core::{FeatureClass, Unsupported};

use super::features::{Support, THIS_CODE};
use super::format::{
    BODY_LEN_OFFSET, CHECKSUM_LEN, FEATURE_FLAGS_LEN, FORMAT_VERSION, HEADER_LEN,
    INCOMPAT_SUPPORTED, MAGIC, RO_COMPAT_SUPPORTED, VERSION_OFFSET,
};
use super::tests::worked_example;
use super::*;
use crate::Error;

fn path() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

/// A manifest of `version` around `body`, with a matching length and
/// checksum: what a crafted or newer file looks like once its checksum is
/// right.
pub(super) fn sealed(version: u32, body: &[u8]) -> Vec<u8> {
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(&version.to_le_bytes());
    file.extend_from_slice(&(body.len() as u32).to_le_bytes());
    file.extend_from_slice(body);
    let crc = crc32fast::hash(&file);
    file.extend_from_slice(&crc.to_le_bytes());
    file
}

/// Whether a manifest of this version around the `crafted` body, sealed,
/// decodes (and then round trips through its encoding); if not, it must be
/// refused as corruption or as a newer format, never otherwise.
pub(super) fn decodes_or_is_refused(crafted: &[u8]) -> bool {
    match ManifestState::decode(&sealed(FORMAT_VERSION, crafted), &path()) {
        Ok(state) => {
            let again = ManifestState::decode(&state.encode(), &path()).unwrap();
            assert_eq!(again, state);
            true
        }
        Err(err) => {
            assert!(
                err.is_corruption() || matches!(err, Error::UnsupportedFormat { .. }),
                "{err}"
            );
            false
        }
    }
}

/// The body of a manifest file.
pub(super) fn body(file: &[u8]) -> &[u8] {
    &file[HEADER_LEN..file.len() - CHECKSUM_LEN]
}

/// Feature flags: compatible, read-only compatible, incompatible.
fn flags(compat: u64, ro_compat: u64, incompat: u64) -> Vec<u8> {
    [compat, ro_compat, incompat]
        .iter()
        .flat_map(|f| f.to_le_bytes())
        .collect()
}

fn unsupported(err: Error) -> Unsupported {
    match err {
        Error::UnsupportedFormat { file, unsupported } => {
            assert_eq!(file, path());
            unsupported
        }
        other => panic!("expected UnsupportedFormat, got {other}"),
    }
}

#[test]
fn a_newer_version_needs_a_newer_ferrisdb_whatever_its_body() {
    for version in [FORMAT_VERSION + 1, u32::MAX] {
        // A newer version may lay out its body in any way: none of it is
        // read.
        let file = sealed(version, b"\xffbody of a format from the future");
        let err = ManifestState::decode(&file, &path()).unwrap_err();
        assert!(!err.is_corruption(), "{err}");
        let msg = err.to_string();
        assert!(
            msg.contains("/db/MANIFEST") && msg.contains("newer FerrisDB"),
            "{msg}"
        );
        assert_eq!(
            unsupported(err),
            Unsupported::Version {
                found: version,
                newest_supported: FORMAT_VERSION
            }
        );
    }
}

#[test]
fn a_damaged_version_is_damage_not_a_newer_format() {
    let mut file = worked_example(Features::default()).encode();
    file[VERSION_OFFSET] ^= 0x40;
    let err = ManifestState::decode(&file, &path()).unwrap_err();
    assert!(matches!(err, Error::ChecksumMismatch { .. }), "{err}");

    let file = sealed(0, body(&worked_example(Features::default()).encode()));
    let err = ManifestState::decode(&file, &path()).unwrap_err();
    assert!(
        matches!(err, Error::Corruption { offset, .. } if offset == VERSION_OFFSET as u64),
        "{err}"
    );
}

#[test]
fn an_unknown_incompatible_feature_is_refused_before_the_rest_is_read() {
    // Everything after the flags is what the feature made of the body,
    // which this code cannot read.
    let mut crafted = flags(0, 0, 1 << 7);
    crafted.extend_from_slice(b"\xff\xff\xff a layout this code does not know");
    let err = ManifestState::decode(&sealed(FORMAT_VERSION, &crafted), &path()).unwrap_err();
    assert!(!err.is_corruption(), "{err}");
    assert!(
        err.to_string().contains("incompatible feature bits 7"),
        "{err}"
    );
    assert_eq!(
        unsupported(err),
        Unsupported::Features {
            class: FeatureClass::Incompatible,
            unknown: 1 << 7,
            supported: INCOMPAT_SUPPORTED
        }
    );

    // Code that knows the feature reads the database, and its records.
    let mut features = Features::default();
    features.add_record(FeatureClass::Incompatible, 7, b"payload".to_vec());
    let state = worked_example(features);
    let knows = Support {
        incompat: 1 << 7,
        ..THIS_CODE
    };
    assert_eq!(
        ManifestState::decode_for(&state.encode(), &path(), &knows).unwrap(),
        state
    );
    let err = ManifestState::decode(&state.encode(), &path()).unwrap_err();
    assert!(matches!(err, Error::UnsupportedFormat { .. }), "{err}");
}

#[test]
fn an_unknown_read_only_compatible_feature_is_refused() {
    let mut features = Features::default();
    features.declare(FeatureClass::ReadOnlyCompatible, 63);
    let state = worked_example(features);
    let err = ManifestState::decode(&state.encode(), &path()).unwrap_err();
    assert!(err.to_string().contains("must not write"), "{err}");
    assert_eq!(
        unsupported(err),
        Unsupported::Features {
            class: FeatureClass::ReadOnlyCompatible,
            unknown: 1 << 63,
            supported: RO_COMPAT_SUPPORTED
        }
    );
    let knows = Support {
        ro_compat: 1 << 63,
        ..THIS_CODE
    };
    assert_eq!(
        ManifestState::decode_for(&state.encode(), &path(), &knows).unwrap(),
        state
    );

    // With unknown features of both classes, the incompatible ones are
    // named: they are the reason a read-only open would fail too.
    let mut features = Features::default();
    features.declare(FeatureClass::ReadOnlyCompatible, 1);
    features.declare(FeatureClass::Incompatible, 2);
    let err = ManifestState::decode(&worked_example(features).encode(), &path()).unwrap_err();
    assert!(matches!(
        unsupported(err),
        Unsupported::Features {
            class: FeatureClass::Incompatible,
            ..
        }
    ));
}

#[test]
fn unknown_compatible_features_and_their_records_are_kept_byte_for_byte() {
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 3, b"abc".to_vec());
    features.declare(FeatureClass::Compatible, 9);
    features.add_record(FeatureClass::Compatible, 63, Vec::new());
    features.add_record(FeatureClass::Compatible, 3, vec![0xff; 300]);
    let file = worked_example(features).encode();
    let state = ManifestState::decode(&file, &path()).unwrap();
    assert_eq!(
        state.features.flags(FeatureClass::Compatible),
        1 << 3 | 1 << 9 | 1 << 63
    );
    assert_eq!(state.features.records().len(), 3);
    assert_eq!(
        state.encode(),
        file,
        "what this code writes back keeps them"
    );
}

#[test]
fn a_record_of_a_feature_the_flags_do_not_declare_is_damage() {
    let fields = body(&worked_example(Features::default()).encode())[FEATURE_FLAGS_LEN..].to_vec();
    let record_at = (HEADER_LEN + FEATURE_FLAGS_LEN + fields.len()) as u64;
    let cases: [(&str, &[u8], &str); 5] = [
        ("undeclared", b"\x00\x03\x01x", "do not declare"),
        ("bit past 63", b"\x00\x40\x00", "do not declare"),
        ("class 3", b"\x03\x00\x00", "class 3"),
        ("cut short", b"\x00\x03", "truncated"),
        // A length of u64::MAX is refused before anything is allocated.
        (
            "too long",
            b"\x00\x03\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01",
            "claims",
        ),
    ];
    for (name, record, what) in cases {
        // Compatible feature 3 is declared only for the last two cases.
        let compat = if what == "do not declare" { 0 } else { 1 << 3 };
        let mut crafted = flags(compat, 0, 0);
        crafted.extend_from_slice(&fields);
        crafted.extend_from_slice(record);
        let err = ManifestState::decode(&sealed(FORMAT_VERSION, &crafted), &path()).unwrap_err();
        assert!(err.is_corruption(), "{name}: {err}");
        assert!(err.to_string().contains(what), "{name}: {err}");
        match err {
            Error::Corruption { offset, .. } => assert!(offset >= record_at, "{name}: {offset}"),
            other => panic!("{name}: {other}"),
        }
    }
}

#[test]
fn every_truncation_and_flipped_byte_of_a_manifest_with_features_is_damage() {
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 0, b"kept".to_vec());
    let file = worked_example(features).encode();
    for cut in 0..file.len() {
        let err = ManifestState::decode(&file[..cut], &path()).unwrap_err();
        assert!(err.is_corruption(), "cut at {cut}: {err}");
    }
    for i in 0..file.len() {
        let mut damaged = file.clone();
        damaged[i] ^= 0x21;
        let err = ManifestState::decode(&damaged, &path()).unwrap_err();
        assert!(err.is_corruption(), "flip at {i}: {err}");
    }
}

/// Crafted bodies whose checksum matches: every one decodes to a state that
/// round-trips, or gives an error; none panics.
#[test]
fn crafted_bodies_give_errors_not_panics() {
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 1, b"abc".to_vec());
    features.declare(FeatureClass::Compatible, 2);
    let valid = body(&worked_example(features).encode()).to_vec();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut decoded, mut refused) = (0, 0);
    for _ in 0..4_000 {
        let mut crafted = valid.clone();
        for _ in 0..=next() % 3 {
            let i = (next() as usize) % crafted.len();
            crafted[i] = next() as u8;
        }
        match next() % 4 {
            0 => crafted.truncate((next() as usize) % crafted.len()),
            1 => crafted.extend((0..next() % 8).map(|_| next() as u8)),
            _ => {}
        }
        if decodes_or_is_refused(&crafted) {
            decoded += 1;
        } else {
            refused += 1;
        }
    }
    assert!(
        decoded > 0 && refused > 0,
        "{decoded} decoded, {refused} refused"
    );
}

#[test]
fn store_writes_what_load_reads_back_with_its_features() {
    let fs = crate::fs::FaultFileSystem::new();
    let dir = std::path::Path::new("/db");
    fs.create_dir_all(dir).unwrap();
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 4, b"data".to_vec());
    let state = worked_example(features);
    store(&fs, dir, &state).unwrap();
    assert_eq!(load(&fs, dir).unwrap(), Some(state));
    let bytes = fs.read_all(&dir.join("MANIFEST")).unwrap();
    assert_eq!(
        u32::from_le_bytes(bytes[VERSION_OFFSET..BODY_LEN_OFFSET].try_into().unwrap()),
        FORMAT_VERSION
    );
}
