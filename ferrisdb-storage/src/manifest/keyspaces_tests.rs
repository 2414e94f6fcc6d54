//! The keyspaces record: round trips over random states, truncations, the
//! manifest without keyspaces kept byte for byte, and a FerrisDB that does
//! not know the feature.

use std::path::PathBuf;

use ferrisdb_core::coding::put_length_prefixed;
use ferrisdb_core::{CompressionType, FeatureClass, Unsupported};

use super::features::{Support, THIS_CODE};
use super::features_tests::{body, decodes_or_is_refused, sealed};
use super::format::{
    CHECKSUM_LEN, FEATURE_FLAGS_LEN, FORMAT_VERSION, HEADER_LEN, INCOMPAT_FLAGS_OFFSET,
    INCOMPAT_KEYSPACES, MAX_KEYSPACE_NAME_LEN, MAX_TIMESTAMP,
};
use super::tests::worked_example;
use super::*;
use crate::{Error, InternalKey};

fn path() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

/// The options of a keyspace made with the library defaults.
pub(super) fn default_options() -> StoredOptions {
    StoredOptions {
        memtable_size: 64 << 20,
        block_size: 4096,
        bloom_bits_per_key: 10,
        compression: CompressionType::Lz4,
        compaction: StoredCompaction::Leveled {
            level0_file_num_compaction_trigger: 4,
            max_bytes_for_level_base: 256 << 20,
            max_bytes_for_level_multiplier: 10,
        },
        memtable_filter: true,
    }
}

fn table(level: u32, file_number: u64) -> TableRecord {
    TableRecord {
        level,
        file_number,
        file_size: 4096,
        entry_count: 3,
        tombstone_count: 1,
        smallest: InternalKey::new("k", 30),
        largest: InternalKey::new("m", 20),
        min_timestamp: 20,
        max_timestamp: 30,
    }
}

/// The worked example (next file 5, log 4, table 3 in `default`) grown to
/// two keyspaces: `users` (id 1, one table) and `log` (id 3, size-tiered,
/// zstd at a negative level); id 2 was dropped.
pub(super) fn two_keyspaces() -> ManifestState {
    let mut state = worked_example(Features::default());
    state.next_file_number = 20;
    state.keyspaces = KeyspacesState {
        next_keyspace_id: 4,
        default_log_number: 6,
        records: vec![
            KeyspaceRecord {
                id: 1,
                name: "users".into(),
                log_number: 4,
                options: default_options(),
                tables: vec![table(0, 9), table(1, 7)],
            },
            KeyspaceRecord {
                id: 3,
                name: "log".into(),
                log_number: 12,
                options: StoredOptions {
                    compression: CompressionType::Zstd { level: -5 },
                    compaction: StoredCompaction::SizeTiered {
                        min_merge_width: 4,
                        max_size_amplification_percent: 200,
                    },
                    memtable_filter: false,
                    ..default_options()
                },
                tables: Vec::new(),
            },
        ],
    };
    state
}

#[test]
fn the_keyspaces_record_round_trips_and_every_truncation_fails() {
    let state = two_keyspaces();
    let file = state.encode();
    assert_eq!(ManifestState::decode(&file, &path()).unwrap(), state);
    assert_eq!(
        ManifestState::decode(&file, &path()).unwrap().encode(),
        file
    );
    for cut in 0..file.len() {
        let err = ManifestState::decode(&file[..cut], &path()).unwrap_err();
        assert!(err.is_corruption(), "cut at {cut}: {err}");
    }
    // A file cut short fails on its length before the record is read; so
    // also cut the record's payload, in a file whose length, record length
    // and checksum match.
    let none = body(&worked_example(Features::default()).encode()).len();
    let whole = body(&file);
    let payload = state.keyspaces.encode_payload();
    let mut record = vec![2, 0];
    put_length_prefixed(&mut record, &payload);
    assert_eq!(whole[none..], record, "the record ends the body");
    for cut in 0..payload.len() {
        let mut crafted = whole[..none].to_vec();
        crafted.extend_from_slice(&[2, 0]);
        put_length_prefixed(&mut crafted, &payload[..cut]);
        let err = ManifestState::decode(&sealed(FORMAT_VERSION, &crafted), &path()).unwrap_err();
        assert!(err.is_corruption(), "payload cut at {cut}: {err}");
        match err {
            Error::Corruption { offset, .. } => {
                assert!(
                    offset >= (HEADER_LEN + none) as u64,
                    "cut at {cut}: {offset}"
                )
            }
            other => panic!("{other}"),
        }
    }
}

/// A small xorshift generator: the states below are the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// A random state the engine could write: unique table numbers below the
/// next file number, ascending ids below the next id, unique valid names,
/// log numbers in range whose smallest is the manifest's.
fn random_state(rng: &mut Rng) -> ManifestState {
    let next_file_number = 50 + rng.below(1000);
    let log_number = 1 + rng.below(40);
    let last_timestamp = rng.below(MAX_TIMESTAMP);
    let mut numbers: Vec<u64> = (1..next_file_number).collect();
    let mut random_table = |rng: &mut Rng| {
        let i = rng.below(numbers.len() as u64) as usize;
        let entry_count = rng.next() >> rng.below(64);
        let max_timestamp = last_timestamp - rng.below(last_timestamp.max(1));
        TableRecord {
            level: rng.below(7) as u32,
            file_number: numbers.swap_remove(i),
            file_size: rng.next() >> rng.below(64),
            entry_count,
            tombstone_count: entry_count / (1 + rng.below(4)),
            smallest: InternalKey::new(
                rng.next().to_be_bytes()[..rng.below(8) as usize].to_vec(),
                rng.next(),
            ),
            largest: InternalKey::new(vec![0xff; rng.below(4) as usize], rng.next()),
            min_timestamp: max_timestamp / 2,
            max_timestamp,
        }
    };
    let mut state = ManifestState {
        next_file_number,
        log_number,
        last_timestamp,
        tables: (0..rng.below(4)).map(|_| random_table(rng)).collect(),
        closed_log: None,
        features: Features::default(),
        keyspaces: KeyspacesState::none(log_number),
    };
    let mut id = 0;
    for _ in 0..rng.below(5) {
        id += 1 + rng.below(3) as u32;
        let compression = match rng.below(3) {
            0 => CompressionType::None,
            1 => CompressionType::Lz4,
            _ => CompressionType::Zstd {
                level: rng.next() as i32,
            },
        };
        let compaction = if rng.below(2) == 0 {
            StoredCompaction::Leveled {
                level0_file_num_compaction_trigger: rng.below(100),
                max_bytes_for_level_base: rng.next(),
                max_bytes_for_level_multiplier: rng.next() >> 60,
            }
        } else {
            StoredCompaction::SizeTiered {
                min_merge_width: rng.next() >> rng.below(64),
                max_size_amplification_percent: rng.next(),
            }
        };
        let names = [
            "users",
            "ü-ñ",
            "a",
            "log:2024",
            &"x".repeat(MAX_KEYSPACE_NAME_LEN - 4),
        ];
        state.keyspaces.records.push(KeyspaceRecord {
            id,
            name: format!("{}{id}", names[rng.below(5) as usize]),
            log_number: log_number + rng.below(next_file_number - log_number),
            options: StoredOptions {
                memtable_size: rng.next() >> rng.below(64),
                block_size: rng.below(1 << 20),
                bloom_bits_per_key: rng.below(30),
                compression,
                compaction,
                memtable_filter: rng.below(2) == 0,
            },
            tables: (0..rng.below(3)).map(|_| random_table(rng)).collect(),
        });
    }
    let keyspaces = &mut state.keyspaces;
    keyspaces.next_keyspace_id = id + 1 + rng.below(3) as u32;
    if keyspaces.is_declared() {
        keyspaces.default_log_number = log_number + rng.below(next_file_number - log_number);
        // The smallest of them is the manifest's log number.
        let which = rng.below(keyspaces.records.len() as u64 + 1) as usize;
        match keyspaces.records.get_mut(which) {
            Some(keyspace) => keyspace.log_number = log_number,
            None => keyspaces.default_log_number = log_number,
        }
    }
    state
}

#[test]
fn random_states_round_trip_byte_for_byte() {
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let (mut declared, mut none) = (0, 0);
    for _ in 0..1_000 {
        let state = random_state(&mut rng);
        let file = state.encode();
        let decoded =
            ManifestState::decode(&file, &path()).unwrap_or_else(|e| panic!("{e}\n{state:#?}"));
        assert_eq!(decoded, state);
        assert_eq!(decoded.encode(), file);
        if state.keyspaces.is_declared() {
            declared += 1;
        } else {
            none += 1;
        }
    }
    assert!(declared > 100 && none > 20, "{declared} {none}");
}

#[test]
fn a_manifest_without_keyspaces_is_written_as_before_them() {
    let state = worked_example(Features::default());
    assert!(!state.keyspaces.is_declared());
    let file = state.encode();
    let flags = &body(&file)[INCOMPAT_FLAGS_OFFSET..FEATURE_FLAGS_LEN];
    assert_eq!(flags, [0; 8], "no incompatible feature declared");
    assert_eq!(state.feature_flags(FeatureClass::Incompatible), 0);
    // What a FerrisDB that does not know keyspaces reads.
    let before = Support {
        incompat: 0,
        ..THIS_CODE
    };
    assert_eq!(
        ManifestState::decode_for(&file, &path(), &before).unwrap(),
        state
    );
    // Whatever `features` says of keyspaces, the keyspaces field decides.
    let mut stale = state.clone();
    stale.features.declare(FeatureClass::Incompatible, 0);
    stale
        .features
        .add_record(FeatureClass::Incompatible, 0, b"junk".to_vec());
    assert_eq!(stale.encode(), file);
}

#[test]
fn a_ferrisdb_that_does_not_know_keyspaces_refuses_them_by_feature() {
    let file = two_keyspaces().encode();
    assert_eq!(
        body(&file)[INCOMPAT_FLAGS_OFFSET],
        1,
        "incompatible feature 0 declared"
    );
    let before = Support {
        incompat: 0,
        ..THIS_CODE
    };
    let err = ManifestState::decode_for(&file, &path(), &before).unwrap_err();
    assert!(
        err.to_string().contains("incompatible feature bits 0"),
        "{err}"
    );
    match err {
        Error::UnsupportedFormat { file, unsupported } => {
            assert_eq!(file, path());
            assert_eq!(
                unsupported,
                Unsupported::Features {
                    class: FeatureClass::Incompatible,
                    unknown: INCOMPAT_KEYSPACES,
                    supported: 0
                }
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn store_and_load_keep_the_keyspaces() {
    let fs = crate::fs::FaultFileSystem::new();
    let dir = std::path::Path::new("/db");
    fs.create_dir_all(dir).unwrap();
    store(&fs, dir, &two_keyspaces()).unwrap();
    assert_eq!(load(&fs, dir).unwrap(), Some(two_keyspaces()));
    let bytes = fs.read_all(&dir.join("MANIFEST")).unwrap();
    assert_eq!(bytes.len() - CHECKSUM_LEN, HEADER_LEN + body(&bytes).len());
}

#[test]
fn store_refuses_a_keyspaces_manifest_that_would_not_open() {
    let fs = crate::fs::FaultFileSystem::new();
    let dir = std::path::Path::new("/db");
    fs.create_dir_all(dir).unwrap();
    store(&fs, dir, &two_keyspaces()).unwrap();
    let mut stale = two_keyspaces();
    // The default keyspace flushed, and the log number was not recomputed.
    stale.keyspaces.records[0].log_number = 7;
    let err = store(&fs, dir, &stale).unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(
        err.to_string()
            .contains("not the oldest log its keyspaces need"),
        "{err}"
    );
    assert_eq!(
        load(&fs, dir).unwrap(),
        Some(two_keyspaces()),
        "the old one stays"
    );
    assert_eq!(fs.list(dir).unwrap(), ["MANIFEST"], "nothing else written");
}

/// Crafted keyspaces records whose checksum matches: each decodes to a state
/// that round-trips, or gives an error; none panics.
#[test]
fn crafted_keyspaces_records_give_errors_not_panics() {
    let valid = body(&two_keyspaces().encode()).to_vec();
    let record_at = body(&worked_example(Features::default()).encode()).len();
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let (mut decoded, mut refused) = (0, 0);
    for _ in 0..4_000 {
        let mut crafted = valid.clone();
        for _ in 0..=rng.below(3) {
            let i = record_at + rng.below((crafted.len() - record_at) as u64) as usize;
            crafted[i] = rng.next() as u8;
        }
        if rng.below(4) == 0 {
            crafted.truncate(record_at + rng.below((crafted.len() - record_at) as u64) as usize);
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
