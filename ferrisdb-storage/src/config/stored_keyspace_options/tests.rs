//! A keyspace's options through a manifest and back: every style, compression
//! and filter, every field alone, and every stored value the checks refuse.

use std::path::PathBuf;

use super::*;
use crate::manifest::{Features, KeyspacesState, ManifestState};
use crate::CompressionType;

fn manifest() -> PathBuf {
    PathBuf::from("/db/MANIFEST")
}

/// `options` stored in a manifest's keyspaces record, the manifest
/// encoded and decoded, and the record's options read back.
fn through_the_manifest(options: &KeyspaceOptions) -> KeyspaceOptions {
    let mut state = ManifestState {
        next_file_number: 5,
        log_number: 4,
        last_timestamp: 0,
        tables: Vec::new(),
        closed_log: None,
        features: Features::default(),
        keyspaces: KeyspacesState::none(4),
    };
    let stored = StoredOptions::from(options);
    state.keyspaces.create("users", stored.clone(), 4).unwrap();
    let decoded = ManifestState::decode(&state.encode(), &manifest()).unwrap();
    let record = &decoded.keyspaces.records[0];
    assert_eq!(record.options, stored);
    keyspace_options_from_stored(&record.options, &record.name, &manifest()).unwrap()
}

/// Every compression, zstd at its edges, either sign and its default.
fn compressions() -> Vec<CompressionType> {
    let levels = zstd::compression_level_range();
    let mut all = vec![CompressionType::None, CompressionType::Lz4];
    for level in [*levels.start(), -1, 1, 3, *levels.end()] {
        all.push(CompressionType::Zstd { level });
    }
    all
}

#[test]
fn every_style_compression_and_filter_round_trips() {
    let mut seen = 0;
    for compaction_style in [CompactionStyle::leveled(), CompactionStyle::size_tiered()] {
        for compression in compressions() {
            for memtable_filter in [false, true] {
                let options = KeyspaceOptions {
                    compaction_style,
                    compression,
                    memtable_filter,
                    ..KeyspaceOptions::default()
                };
                assert_eq!(through_the_manifest(&options), options);
                seen += 1;
            }
        }
    }
    assert_eq!(seen, 2 * 7 * 2);
}

/// The defaults with `edit` made.
fn changed(edit: fn(&mut KeyspaceOptions)) -> KeyspaceOptions {
    let mut options = KeyspaceOptions::default();
    edit(&mut options);
    options
}

/// The defaults, leveled with the style's defaults and `edit` made.
fn leveled(edit: fn(&mut LeveledOptions)) -> KeyspaceOptions {
    let mut leveled = LeveledOptions::default();
    edit(&mut leveled);
    KeyspaceOptions {
        compaction_style: CompactionStyle::Leveled(leveled),
        ..KeyspaceOptions::default()
    }
}

/// The defaults, size-tiered with the style's defaults and `edit` made.
fn tiered(edit: fn(&mut SizeTieredOptions)) -> KeyspaceOptions {
    let mut tiered = SizeTieredOptions::default();
    edit(&mut tiered);
    KeyspaceOptions {
        compaction_style: CompactionStyle::SizeTiered(tiered),
        ..KeyspaceOptions::default()
    }
}

/// Each field, changed alone to another valid value, is stored (the stored
/// options differ from those of the options it was changed from) and read
/// back: no field is dropped, or taken for another.
#[test]
fn each_field_changed_alone_round_trips() {
    let defaults = KeyspaceOptions::default();
    let tiered_defaults = tiered(|_| {});
    let cases = [
        (
            "memtable_size",
            &defaults,
            changed(|o| o.memtable_size = 4 << 10),
        ),
        (
            "memtable_size",
            &defaults,
            changed(|o| o.memtable_size = 1 << 40),
        ),
        (
            "memtable_filter",
            &defaults,
            changed(|o| o.memtable_filter = false),
        ),
        ("block_size", &defaults, changed(|o| o.block_size = 256)),
        ("block_size", &defaults, changed(|o| o.block_size = 4 << 20)),
        (
            "bloom_filter_bits_per_key",
            &defaults,
            changed(|o| o.bloom_filter_bits_per_key = 0),
        ),
        (
            "bloom_filter_bits_per_key",
            &defaults,
            changed(|o| o.bloom_filter_bits_per_key = 64),
        ),
        (
            "compression",
            &defaults,
            changed(|o| o.compression = CompressionType::None),
        ),
        (
            "compression",
            &defaults,
            changed(|o| o.compression = CompressionType::Zstd { level: 3 }),
        ),
        ("compaction_style", &defaults, tiered_defaults.clone()),
        (
            "level0_file_num_compaction_trigger",
            &defaults,
            leveled(|l| l.level0_file_num_compaction_trigger = 1),
        ),
        (
            "max_bytes_for_level_base",
            &defaults,
            leveled(|l| l.max_bytes_for_level_base = u64::MAX),
        ),
        (
            "max_bytes_for_level_multiplier",
            &defaults,
            leveled(|l| l.max_bytes_for_level_multiplier = 2),
        ),
        (
            "min_merge_width",
            &tiered_defaults,
            tiered(|t| t.min_merge_width = 2),
        ),
        (
            "max_size_amplification_percent",
            &tiered_defaults,
            tiered(|t| t.max_size_amplification_percent = 0),
        ),
    ];
    for (what, base, options) in cases {
        assert_ne!(&options, base, "{what}");
        assert_ne!(
            StoredOptions::from(&options),
            StoredOptions::from(base),
            "{what}"
        );
        assert_eq!(through_the_manifest(&options), options, "{what}");
    }
}

/// The default options with `compaction`, as stored.
fn stored_style(compaction: StoredCompaction) -> StoredOptions {
    StoredOptions {
        compaction,
        ..StoredOptions::from(&KeyspaceOptions::default())
    }
}

fn leveled_style(level0: u64, base: u64, multiplier: u64) -> StoredCompaction {
    StoredCompaction::Leveled {
        level0_file_num_compaction_trigger: level0,
        max_bytes_for_level_base: base,
        max_bytes_for_level_multiplier: multiplier,
    }
}

fn tiered_style(min_merge_width: u64) -> StoredCompaction {
    StoredCompaction::SizeTiered {
        min_merge_width,
        max_size_amplification_percent: 200,
    }
}

fn refused(stored: &StoredOptions) -> String {
    let err = keyspace_options_from_stored(stored, "users", &manifest()).unwrap_err();
    match &err {
        Error::Corruption { file, offset, .. } => {
            assert_eq!(file, &manifest());
            assert_eq!(*offset, 0);
        }
        other => panic!("not corruption: {other}"),
    }
    err.to_string()
}

/// A stored value `validate` refuses is damage of the manifest, named
/// with the keyspace and the setting, in `validate`'s words.
#[test]
fn each_stored_value_validate_refuses_is_corruption_of_the_manifest() {
    let levels = zstd::compression_level_range();
    let leveled = |edit: fn(&mut StoredOptions)| {
        let mut stored = StoredOptions::from(&KeyspaceOptions::default());
        edit(&mut stored);
        stored
    };
    let zstd = |level| StoredOptions {
        compression: CompressionType::Zstd { level },
        ..leveled(|_| {})
    };
    let cases = [
        ("memtable_size 0", leveled(|s| s.memtable_size = 0)),
        ("memtable_size 4095", leveled(|s| s.memtable_size = 4095)),
        ("block_size 0", leveled(|s| s.block_size = 0)),
        ("block_size 255", leveled(|s| s.block_size = 255)),
        (
            "block_size 4194305",
            leveled(|s| s.block_size = (4 << 20) + 1),
        ),
        (
            "block_size 18446744073709551615",
            leveled(|s| s.block_size = u64::MAX),
        ),
        (
            "bloom_filter_bits_per_key 65",
            leveled(|s| s.bloom_bits_per_key = 65),
        ),
        ("zstd level", zstd(levels.start() - 1)),
        ("zstd level", zstd(levels.end() + 1)),
        ("zstd level -2147483648", zstd(i32::MIN)),
        ("zstd level 2147483647", zstd(i32::MAX)),
        (
            "level0_file_num_compaction_trigger is 0",
            stored_style(leveled_style(0, 256 << 20, 10)),
        ),
        (
            "max_bytes_for_level_base 4095",
            stored_style(leveled_style(4, 4095, 10)),
        ),
        (
            "max_bytes_for_level_multiplier 1",
            stored_style(leveled_style(4, 256 << 20, 1)),
        ),
        (
            "max_bytes_for_level_multiplier 0",
            stored_style(leveled_style(4, 256 << 20, 0)),
        ),
        ("min_merge_width 1", stored_style(tiered_style(1))),
        ("min_merge_width 0", stored_style(tiered_style(0))),
    ];
    for (what, stored) in cases {
        let message = refused(&stored);
        assert!(message.contains("keyspace \"users\""), "{what}: {message}");
        assert!(message.contains(what), "{what}: {message}");
        // In the words `validate` has for the same value given to the
        // engine.
        let given = from_stored(&stored).unwrap().validate().unwrap_err();
        let Error::InvalidArgument(reason) = given else {
            panic!("{what}: {given}")
        };
        assert!(message.contains(&reason), "{what}: {message}");
    }
}

/// A stored value a narrower integer cannot hold is refused, never
/// truncated: a `usize` of 32 bits for a `u64` setting.
#[test]
fn a_stored_value_too_large_for_the_field_is_refused_not_truncated() {
    assert_eq!(narrow::<u32>(u64::from(u32::MAX), "x"), Ok(u32::MAX));
    let err = narrow::<u32>(1 << 32, "memtable_size").unwrap_err();
    assert_eq!(
        err,
        "memtable_size 4294967296 is more than this machine's 32-bit integer for it holds"
    );
}
