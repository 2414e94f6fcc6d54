//! The fuzz targets' seed corpora (`fuzz/corpus/<target>/`), fed through the
//! same decoders as the cargo-fuzz targets (`fuzz/src/decoders.rs`) on
//! stable, so every `cargo test` replays them, findings included once they
//! are added to a corpus.
//!
//! `cargo test -p ferrisdb-storage --test fuzz_corpus -- --ignored` rewrites
//! the seeds from valid encodings (see `regenerate_seed_corpus`).

#[path = "../../fuzz/src/decoders.rs"]
mod decoders;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_core::{InternalKey, RangeTombstone};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
use ferrisdb_storage::internals::manifest::{
    Features, KeyspacesState, ManifestState, StoredCompaction, StoredOptions, TableRecord,
};
use ferrisdb_storage::internals::range_del::FragmentedTombstones;
use ferrisdb_storage::internals::sstable::{FilterKind, TableBuilder, TableOptions, TableReader};
use ferrisdb_storage::internals::wal::{WalOptions, WalWriter};
use ferrisdb_storage::{CompressionType, FeatureClass, Operation, WriteBatch};

type Target = (&'static str, fn(&[u8]));

const TARGETS: [Target; 5] = [
    ("wal_reader", decoders::wal_reader),
    ("block_decoder", decoders::block_decoder),
    ("table_reader", decoders::table_reader),
    ("manifest_decoder", decoders::manifest_decoder),
    ("range_del_block", decoders::range_del_block),
];

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

#[test]
fn every_corpus_file_goes_through_its_decoder() {
    let mut files = 0;
    for (target, decode) in TARGETS {
        let dir = corpus_dir(target);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
            .map(|entry| entry.unwrap().path())
            .collect::<Vec<_>>();
        assert!(!entries.is_empty(), "empty corpus {}", dir.display());
        for path in entries {
            let data = std::fs::read(&path).unwrap();
            decode(&data);
            files += 1;
        }
    }
    eprintln!("fuzz corpus files decoded: {files}");
}

/// A log of a few batches, one spanning blocks.
fn wal_seed(batches: &[WriteBatch]) -> Vec<u8> {
    let fs = FaultFileSystem::new();
    let dir = Path::new("/s");
    fs.create_dir_all(dir).unwrap();
    let writer = WalWriter::create(Arc::new(fs.clone()), dir, 1, WalOptions::default()).unwrap();
    for (batch, ts) in batches.iter().zip(1..) {
        writer.append(&[&batch.encode(ts)]).unwrap();
    }
    writer.close().unwrap();
    fs.read_all(&dir.join("000001.wal")).unwrap()
}

/// A table of `n` keys, and its bytes.
fn table_seed(n: u32, compression: CompressionType) -> (Vec<u8>, Arc<TableReader>) {
    table_seed_with(
        n,
        compression,
        &FragmentedTombstones::empty(),
        FilterKind::default(),
    )
}

/// Overlapping range tombstones over some of `table_seed`'s keys.
fn range_seed() -> FragmentedTombstones {
    let t = |start: &str, end: &str, ts| {
        RangeTombstone::new(start.as_bytes(), Some(end.as_bytes().to_vec()), ts)
    };
    FragmentedTombstones::from_tombstones(vec![
        t("key0003", "key0010", 50),
        t("key0007", "key0020", 60),
        t("key0015", "key0016", 2),
        t("zz", "zz\0", 7),
    ])
}

/// A table of `n` keys and `tombstones` with a filter of `filter`, and its
/// bytes.
fn table_seed_with(
    n: u32,
    compression: CompressionType,
    tombstones: &FragmentedTombstones,
    filter: FilterKind,
) -> (Vec<u8>, Arc<TableReader>) {
    let fs = FaultFileSystem::new();
    let dir = Path::new("/s");
    fs.create_dir_all(dir).unwrap();
    let shared: SharedFileSystem = Arc::new(fs.clone());
    let path = dir.join("000001.sst");
    let options = TableOptions {
        block_size: 256,
        compression,
        filter,
        ..TableOptions::default()
    };
    let mut writer = TableBuilder::create(Arc::clone(&shared), &path, options).unwrap();
    for i in 0..n {
        let key = InternalKey::new(format!("key{i:04}"), u64::from(n - i));
        let op = if i % 7 == 3 {
            Operation::Delete
        } else {
            Operation::Put
        };
        writer
            .add(&key, op, format!("value-{i}").as_bytes())
            .unwrap();
    }
    writer.add_range_tombstones(tombstones).unwrap();
    writer.finish().unwrap();
    let reader = TableReader::open(&shared, &path, None).unwrap();
    (fs.read_all(&path).unwrap(), reader)
}

#[test]
#[ignore = "rewrites fuzz/corpus; run by hand after a format change"]
fn regenerate_seed_corpus() {
    let write = |target: &str, name: &str, data: &[u8]| {
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(name), data).unwrap();
    };
    write(
        "wal_reader",
        "small",
        &wal_seed(&[
            WriteBatch::new().put("a", "1").clone(),
            WriteBatch::new().put("b", "2").delete("a").clone(),
        ]),
    );
    write(
        "wal_reader",
        "spanning",
        &wal_seed(&[
            WriteBatch::new().put("big", vec![b'x'; 40_000]).clone(),
            WriteBatch::new().delete("big").clone(),
        ]),
    );
    write("wal_reader", "empty_log", &wal_seed(&[]));
    write(
        "wal_reader",
        "range_deletes",
        &wal_seed(&[
            WriteBatch::new()
                .put("a", "1")
                .delete_range("a".."c")
                .put("b", "2")
                .clone(),
            WriteBatch::new().delete_prefix([0xff]).clone(),
        ]),
    );

    let (table, reader) = table_seed(40, CompressionType::None);
    write("table_reader", "plain", &table);
    let (lz4, _) = table_seed(40, CompressionType::Lz4);
    write("table_reader", "lz4", &lz4);
    let (one, _) = table_seed(1, CompressionType::None);
    write("table_reader", "one_entry", &one);
    // A table of format version 1, its filter the standard one.
    let (standard, _) = table_seed_with(
        40,
        CompressionType::None,
        &FragmentedTombstones::empty(),
        FilterKind::Standard,
    );
    write("table_reader", "standard_filter", &standard);
    let (ranges, ranges_reader) = table_seed_with(
        40,
        CompressionType::None,
        &range_seed(),
        FilterKind::default(),
    );
    write("table_reader", "range_deletes", &ranges);
    let (only, _) = table_seed_with(
        0,
        CompressionType::None,
        &range_seed(),
        FilterKind::default(),
    );
    write("table_reader", "only_range_deletes", &only);
    // Range-delete blocks' contents, less their trailer.
    let range_del_block = |table: &[u8], reader: &TableReader| {
        let block = reader.properties().range_deletes.unwrap().handle;
        table[block.offset as usize..(block.offset + block.size) as usize].to_vec()
    };
    write(
        "range_del_block",
        "several",
        &range_del_block(&ranges, &ranges_reader),
    );
    let apple = RangeTombstone::new(b"apple".to_vec(), Some(b"b".to_vec()), 3);
    let one = FragmentedTombstones::from_tombstones(vec![apple]);
    let (one_table, one_reader) =
        table_seed_with(0, CompressionType::None, &one, FilterKind::default());
    write(
        "range_del_block",
        "one",
        &range_del_block(&one_table, &one_reader),
    );

    // Block contents: the stored bytes less the 5-byte trailer.
    let contents =
        |offset: u64, size: u64| table[offset as usize..(offset + size) as usize].to_vec();
    let index = reader.footer().index;
    write(
        "block_decoder",
        "index",
        &contents(index.offset, index.size),
    );
    for (i, entry) in reader.index().iter().take(2).enumerate() {
        let handle = entry.handle;
        write(
            "block_decoder",
            &format!("data{i}"),
            &contents(handle.offset, handle.size),
        );
    }

    let record = |level, file_number| TableRecord {
        level,
        file_number,
        file_size: 4096,
        entry_count: 10,
        tombstone_count: 2,
        smallest: InternalKey::new("a", 9),
        largest: InternalKey::new("z", 1),
        min_timestamp: 1,
        max_timestamp: 9,
    };
    write(
        "manifest_decoder",
        "empty",
        &ManifestState::default().encode(),
    );
    write(
        "manifest_decoder",
        "two_tables",
        &ManifestState {
            next_file_number: 10,
            log_number: 8,
            last_timestamp: 9,
            tables: vec![record(0, 7), record(1, 3)],
            closed_log: None,
            features: Features::default(),
            keyspaces: KeyspacesState::none(8),
        }
        .encode(),
    );
    let mut features = Features::default();
    features.add_record(FeatureClass::Compatible, 3, b"kept".to_vec());
    features.declare(FeatureClass::Compatible, 9);
    let features = ManifestState {
        next_file_number: 4,
        log_number: 3,
        last_timestamp: 9,
        tables: vec![record(0, 2)],
        closed_log: None,
        features,
        keyspaces: KeyspacesState::none(3),
    };
    write("manifest_decoder", "features", &features.encode());
    // Two keyspaces, one with tables, one size-tiered with zstd; id 2
    // dropped; and the compatible feature's record after theirs.
    let mut keyspaces = ManifestState {
        next_file_number: 12,
        ..features
    };
    let options = StoredOptions {
        memtable_size: 1 << 20,
        block_size: 4096,
        bloom_bits_per_key: 10,
        compression: CompressionType::Lz4,
        compaction: StoredCompaction::Leveled {
            level0_file_num_compaction_trigger: 4,
            max_bytes_for_level_base: 1 << 20,
            max_bytes_for_level_multiplier: 10,
        },
        memtable_filter: true,
    };
    let state = &mut keyspaces.keyspaces;
    state.create("users", options.clone(), 3).unwrap();
    let dropped = state.create("gone", options.clone(), 3).unwrap();
    state.remove(dropped);
    let log = StoredOptions {
        compression: CompressionType::Zstd { level: -3 },
        compaction: StoredCompaction::SizeTiered {
            min_merge_width: 4,
            max_size_amplification_percent: 200,
        },
        memtable_filter: false,
        ..options
    };
    state.create("log", log, 5).unwrap();
    state.records[0].tables = vec![record(0, 8), record(1, 6)];
    state.default_log_number = 4;
    let bytes = keyspaces.encode();
    let path = Path::new("/s/MANIFEST");
    assert_eq!(ManifestState::decode(&bytes, path).unwrap(), keyspaces);
    write("manifest_decoder", "keyspaces", &bytes);
}
