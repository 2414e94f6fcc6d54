//! The worked examples of `docs/format/manifest.md`, byte for byte: a
//! manifest as version 5 writes it, the same one declaring a compatible
//! feature with a record, the same one with a keyspace besides the default
//! one, and the same one declaring range deletes. Each decodes to its state
//! and encodes back to its bytes.

mod common;

use common::hex_lines;
use ferrisdb_core::InternalKey;
use ferrisdb_storage::internals::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use ferrisdb_storage::internals::manifest::{
    Features, KeyspacesState, ManifestState, StoredCompaction, StoredOptions, TableRecord,
};
use ferrisdb_storage::{CompressionType, FeatureClass, KeyspaceOptions};

/// The example database: next file number 5, log 4 still needed, and the
/// level-0 table `000003.sst` of 1234 bytes holding `a@42` (a tombstone) and
/// `b@41`.
fn example(features: Features) -> ManifestState {
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

/// The hex lines between `marker` and the end of its code block in the spec.
fn spec_hex(marker: &str) -> &'static str {
    let doc = include_str!("../../docs/format/manifest.md");
    let start = doc.find(marker).expect("marker in the doc") + marker.len() + "\n```text\n".len();
    let end = start + doc[start..].find("```").unwrap();
    &doc[start..end]
}

fn check(state: &ManifestState, marker: &str) {
    let bytes = state.encode();
    let got = hex_lines(&bytes);
    assert_eq!(
        got,
        spec_hex(marker),
        "the example {marker} in docs/format/manifest.md is out of date:\n{got}"
    );
    let path = std::path::Path::new("/db/MANIFEST");
    let decoded = ManifestState::decode(&bytes, path).unwrap();
    assert_eq!(&decoded, state);
    assert_eq!(
        decoded.encode(),
        bytes,
        "what is read is written back as it was"
    );
}

#[test]
fn a_manifest_of_this_version_matches_the_specification() {
    check(
        &example(Features::default()),
        "<!-- manifest-example-hex -->",
    );
}

#[test]
fn a_manifest_with_a_feature_record_matches_the_specification() {
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 5, b"hi".to_vec());
    check(&example(features), "<!-- manifest-feature-example-hex -->");
}

#[test]
fn a_manifest_with_a_keyspace_matches_the_specification() {
    let mut state = example(Features::default());
    // The library defaults, as `KeyspaceOptions::default()` stores them: the
    // values the spec's table lists.
    let options = StoredOptions::from(&KeyspaceOptions::default());
    assert_eq!(
        options,
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
    );
    let id = state.keyspaces.create("users", options, 4).unwrap();
    assert_eq!(id, 1);
    check(&state, "<!-- manifest-keyspaces-example-hex -->");
}

#[test]
fn a_manifest_declaring_range_deletes_matches_the_specification() {
    let mut features = Features::default();
    features.declare(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT);
    check(
        &example(features),
        "<!-- manifest-range-deletes-example-hex -->",
    );
}
