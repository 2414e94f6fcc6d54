//! The manifest's keyspaces record, attacked.
//!
//! Random keyspaces states, with edge values, round trip through
//! `ManifestState::encode` and `decode`; every truncation and byte mutation
//! of the keyspaces record (checksum fixed up, so the decoder reads the
//! damage) is an error naming the manifest and an offset inside it, never a
//! panic.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use ferrisdb_core::InternalKey;
use ferrisdb_storage::internals::manifest::{
    KeyspaceRecord, KeyspacesState, ManifestState, StoredCompaction, StoredOptions, TableRecord,
};
use ferrisdb_storage::{CompressionType, Error};
use rand::{Rng, SeedableRng};

const PATH: &str = "/db/MANIFEST";

fn options(rng: &mut impl Rng) -> StoredOptions {
    let big = |rng: &mut dyn rand::RngCore| match rng.random_range(0..3) {
        0 => 0,
        1 => u64::MAX,
        _ => rng.random(),
    };
    StoredOptions {
        memtable_size: big(rng),
        block_size: big(rng),
        bloom_bits_per_key: big(rng),
        compression: match rng.random_range(0..5) {
            0 => CompressionType::None,
            1 => CompressionType::Lz4,
            2 => CompressionType::Zstd { level: i32::MIN },
            3 => CompressionType::Zstd { level: i32::MAX },
            _ => CompressionType::Zstd {
                level: rng.random(),
            },
        },
        compaction: if rng.random() {
            StoredCompaction::Leveled {
                level0_file_num_compaction_trigger: big(rng),
                max_bytes_for_level_base: big(rng),
                max_bytes_for_level_multiplier: big(rng),
            }
        } else {
            StoredCompaction::SizeTiered {
                min_merge_width: big(rng),
                max_size_amplification_percent: big(rng),
            }
        },
        memtable_filter: rng.random(),
    }
}

/// A valid name: up to 255 bytes, multi-byte UTF-8 included.
fn name(rng: &mut impl Rng, i: usize) -> String {
    let alphabet = ['a', 'é', '€', '𝄞', 'z', '.', ' ', '日'];
    let mut name = format!("{i}");
    loop {
        let c = alphabet[rng.random_range(0..alphabet.len())];
        if name.len() + c.len_utf8() > 255 || rng.random_range(0..40) == 0 {
            break;
        }
        name.push(c);
    }
    name
}

fn table(file_number: u64, rng: &mut impl Rng) -> TableRecord {
    TableRecord {
        level: rng.random_range(0..7),
        file_number,
        file_size: rng.random(),
        entry_count: u64::MAX,
        tombstone_count: u64::MAX,
        smallest: InternalKey::new("a", 1),
        largest: InternalKey::new(vec![0xff; 300], 2),
        min_timestamp: 0,
        max_timestamp: 7,
    }
}

fn random_state(rng: &mut impl Rng) -> ManifestState {
    let next_file_number = (i64::MAX as u64) - rng.random_range(0..3);
    let log_number = rng.random_range(1..1000);
    let next_keyspace_id = match rng.random_range(0..3) {
        0 => u32::MAX,
        1 => 2 + rng.random_range(0..50),
        _ => rng.random_range(2..u32::MAX),
    };
    let mut ids: Vec<u32> = (0..rng.random_range(0..6))
        .map(|_| rng.random_range(1..next_keyspace_id))
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if next_keyspace_id == u32::MAX && rng.random() {
        // The largest id ever given out.
        ids.retain(|&id| id != u32::MAX - 1);
        ids.push(u32::MAX - 1);
    }
    let mut file = 1000u64;
    let mut state = ManifestState {
        next_file_number,
        log_number,
        last_timestamp: 7,
        tables: (0..rng.random_range(0..3))
            .map(|_| {
                file += 1;
                table(file, rng)
            })
            .collect(),
        keyspaces: KeyspacesState {
            next_keyspace_id,
            default_log_number: log_number + rng.random_range(0..3),
            records: Vec::new(),
        },
        ..ManifestState::default()
    };
    for (i, id) in ids.into_iter().enumerate() {
        let tables = (0..rng.random_range(0..3))
            .map(|_| {
                file += 1;
                table(file, rng)
            })
            .collect();
        state.keyspaces.records.push(KeyspaceRecord {
            id,
            name: name(rng, i),
            log_number: log_number + rng.random_range(0..3),
            options: options(rng),
            tables,
        });
    }
    // The manifest's log number is the smallest any keyspace needs.
    state.log_number = state.keyspaces.oldest_log_number();
    state
}

#[test]
fn random_keyspaces_states_round_trip() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(19);
    for round in 0..400 {
        let state = random_state(&mut rng);
        let bytes = state.encode();
        let back = ManifestState::decode(&bytes, Path::new(PATH))
            .unwrap_or_else(|e| panic!("round {round}: {e}\n{state:#?}"));
        assert_eq!(back, state, "round {round}");
    }
}

/// `file` with its body replaced by `body`: the length and the checksum
/// made to match, so the decoder reads what was changed.
fn with_body(file: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = file[..16].to_vec();
    out[12..16].copy_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(body);
    let crc = crc32fast::hash(&out);
    out.extend_from_slice(&crc.to_le_bytes());
    out
}

fn check_refused_or_read(bytes: &[u8], what: &str) {
    let result = catch_unwind(AssertUnwindSafe(|| {
        ManifestState::decode(bytes, Path::new(PATH))
    }));
    let Ok(result) = result else {
        panic!("{what}: the decoder panicked");
    };
    match result {
        Ok(_) => {}
        Err(Error::Corruption { file, offset, .. }) => {
            assert_eq!(file, Path::new(PATH), "{what}");
            assert!(offset <= bytes.len() as u64, "{what}: offset {offset}");
        }
        Err(Error::UnsupportedFormat { file, .. }) => assert_eq!(file, Path::new(PATH), "{what}"),
        Err(other) => panic!("{what}: {other}"),
    }
}

#[test]
fn every_truncation_and_mutation_of_the_record_is_refused_without_a_panic() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(1919);
    for _ in 0..6 {
        let state = random_state(&mut rng);
        let file = state.encode();
        let body = &file[16..file.len() - 4];
        // The body up to the keyspaces record is the state without it.
        let plain = ManifestState {
            keyspaces: KeyspacesState::none(state.log_number),
            ..state.clone()
        }
        .encode();
        let start = plain.len() - 4 - 16;
        for cut in start..body.len() {
            check_refused_or_read(&with_body(&file, &body[..cut]), &format!("cut {cut}"));
        }
        for at in start..body.len() {
            for value in [
                0x00,
                0x01,
                0x7f,
                0x80,
                0xff,
                body[at] ^ 0x01,
                body[at].wrapping_add(1),
            ] {
                let mut mutated = body.to_vec();
                mutated[at] = value;
                check_refused_or_read(&with_body(&file, &mutated), &format!("byte {at} = {value}"));
            }
        }
    }
}
