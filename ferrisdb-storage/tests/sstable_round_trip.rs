//! Random tables written and read back: gets at several timestamps, forward
//! and backward iteration, seeks and ranges, against an in-memory model.

use std::collections::BTreeMap;
use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use ferrisdb_core::InternalKey;
use ferrisdb_storage::fs::{os_file_system, SharedFileSystem};
use ferrisdb_storage::internals::sstable::{
    table_file_name, BlockCache, TableBuilder, TableEntry, TableOptions, TableReader,
};
use ferrisdb_storage::sstable::{Cursor, FilterKind};
use ferrisdb_storage::{CompressionType, Error, Operation};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<InternalKey, (Operation, Vec<u8>)>;

/// Keys of 1 to 1000 bytes sharing prefixes, 1 to 5 versions each, some
/// tombstones and empty values.
fn random_model(rng: &mut StdRng, keys: usize) -> Model {
    let mut model = Model::new();
    while model.len() < keys * 2 {
        let len = if rng.random_bool(0.05) {
            rng.random_range(100..=1000)
        } else {
            rng.random_range(1..12)
        };
        let key: Vec<u8> = (0..len).map(|_| rng.random_range(b'a'..=b'd')).collect();
        for _ in 0..rng.random_range(1..=5) {
            let ts = rng.random_range(1..50u64);
            let op = if rng.random_bool(0.2) {
                Operation::Delete
            } else {
                Operation::Put
            };
            let value = match op {
                Operation::Delete => Vec::new(),
                Operation::Put if rng.random_bool(0.1) => Vec::new(),
                Operation::Put => (0..rng.random_range(1..200))
                    .map(|_| rng.random_range(b'0'..=b'3'))
                    .collect(),
            };
            model.insert(InternalKey::new(key.clone(), ts), (op, value));
        }
    }
    model
}

fn write(
    fs: &SharedFileSystem,
    dir: &std::path::Path,
    n: u64,
    model: &Model,
    options: TableOptions,
) -> std::path::PathBuf {
    let path = dir.join(table_file_name(n));
    let mut w = TableBuilder::create(fs.clone(), &path, options).unwrap();
    for (k, (op, v)) in model {
        w.add(k, *op, v).unwrap();
    }
    let meta = w.finish().unwrap();
    assert_eq!(meta.properties.entry_count, model.len() as u64);
    assert_eq!(meta.file_size, std::fs::metadata(&path).unwrap().len());
    path
}

/// The model's answer to get(key, ts).
fn model_get(model: &Model, key: &[u8], ts: u64) -> Option<TableEntry> {
    model
        .range(InternalKey::new(key, ts)..)
        .next()
        .filter(|(k, _)| k.user_key == key)
        .map(|(k, (op, v))| TableEntry {
            timestamp: k.timestamp,
            operation: *op,
            value: v.clone().into(),
        })
}

fn check_table(table: &Arc<TableReader>, model: &Model, rng: &mut StdRng) {
    // Gets of every key at several timestamps, and of absent keys.
    let user_keys: Vec<&[u8]> = model.keys().map(|k| k.user_key.as_slice()).collect();
    for key in &user_keys {
        for ts in [0, 1, 10, 25, 49, 50, u64::MAX] {
            assert_eq!(
                table.get(key, ts).unwrap(),
                model_get(model, key, ts),
                "get {key:?}@{ts}"
            );
        }
    }
    for _ in 0..200 {
        let key: Vec<u8> = (0..rng.random_range(1..12))
            .map(|_| rng.random_range(b'a'..=b'e'))
            .collect();
        let ts = rng.random_range(0..60);
        assert_eq!(table.get(&key, ts).unwrap(), model_get(model, &key, ts));
    }

    // Forward and backward over everything.
    let all: Vec<(InternalKey, Operation, Vec<u8>)> = model
        .iter()
        .map(|(k, (o, v))| (k.clone(), *o, v.clone()))
        .collect();
    let mut it = table.iter();
    assert!(!it.valid());
    it.seek_to_first().unwrap();
    let mut forward = Vec::new();
    while it.valid() {
        forward.push((it.internal_key(), it.operation(), it.value().to_vec()));
        it.next().unwrap();
    }
    assert_eq!(forward, all);
    it.seek_to_last().unwrap();
    let mut backward = Vec::new();
    while it.valid() {
        backward.push((it.internal_key(), it.operation(), it.value().to_vec()));
        it.prev().unwrap();
    }
    backward.reverse();
    assert_eq!(backward, all);

    // Seeks and seek_for_prev to random targets, then a few steps each way.
    let keys: Vec<&InternalKey> = model.keys().collect();
    for _ in 0..300 {
        let target = if rng.random_bool(0.5) {
            let k = keys[rng.random_range(0..keys.len())];
            InternalKey::new(k.user_key.clone(), k.timestamp + rng.random_range(0..2))
        } else {
            let key: Vec<u8> = (0..rng.random_range(0..12))
                .map(|_| rng.random_range(b'a'..=b'e'))
                .collect();
            InternalKey::new(key, rng.random_range(0..60))
        };
        let pos = keys.partition_point(|k| **k < target);
        it.seek(&target.user_key, target.timestamp).unwrap();
        match keys.get(pos) {
            Some(k) => assert_eq!(&it.internal_key(), *k, "seek {target}"),
            None => assert!(!it.valid()),
        }
        if it.valid() {
            for step in 1..4 {
                it.next().unwrap();
                match keys.get(pos + step) {
                    Some(k) => assert_eq!(&it.internal_key(), *k),
                    None => {
                        assert!(!it.valid());
                        break;
                    }
                }
            }
        }
        let prev_pos = keys.partition_point(|k| **k <= target);
        it.seek_for_prev(&target.user_key, target.timestamp)
            .unwrap();
        if prev_pos == 0 {
            assert!(!it.valid(), "seek_for_prev {target}");
        } else {
            assert_eq!(
                &it.internal_key(),
                keys[prev_pos - 1],
                "seek_for_prev {target}"
            );
            for step in 1..4 {
                it.prev().unwrap();
                if step > prev_pos - 1 {
                    assert!(!it.valid());
                    break;
                }
                assert_eq!(&it.internal_key(), keys[prev_pos - 1 - step]);
            }
        }
    }

    // Ranges over user keys.
    for _ in 0..50 {
        let a = user_keys[rng.random_range(0..user_keys.len())];
        let b = user_keys[rng.random_range(0..user_keys.len())];
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        for (start, end) in [
            (Bound::Included(lo), Bound::Excluded(hi)),
            (Bound::Excluded(lo), Bound::Included(hi)),
            (Bound::Unbounded, Bound::Included(lo)),
            (Bound::Included(hi), Bound::Unbounded),
        ] {
            let got: Vec<(InternalKey, TableEntry)> =
                table.range(start, end).map(Result::unwrap).collect();
            let want: Vec<(InternalKey, TableEntry)> = model
                .iter()
                .filter(|(k, _)| {
                    RangeBounds::<&[u8]>::contains(&(start, end), &k.user_key.as_slice())
                })
                .map(|(k, (op, v))| {
                    (
                        k.clone(),
                        TableEntry {
                            timestamp: k.timestamp,
                            operation: *op,
                            value: v.clone().into(),
                        },
                    )
                })
                .collect();
            assert_eq!(got, want, "range {start:?}..{end:?}");
        }
    }
}

#[test]
fn random_tables_round_trip_with_every_layout() {
    let dir = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    let mut rng = StdRng::seed_from_u64(0x55_7ab1e);
    let cache = Arc::new(BlockCache::new(1 << 20));
    let layouts = [
        (64, 1, CompressionType::None),
        (256, 4, CompressionType::Lz4),
        (4096, 16, CompressionType::None),
        (4096, 16, CompressionType::Lz4),
        (1 << 16, 3, CompressionType::Lz4),
        (4096, 16, CompressionType::zstd()),
        (1 << 16, 3, CompressionType::Zstd { level: 19 }),
        (256, 4, CompressionType::Zstd { level: -5 }),
    ];
    for (n, (block_size, restart_interval, compression)) in layouts.into_iter().enumerate() {
        let model = random_model(&mut rng, 150);
        let options = TableOptions {
            block_size,
            restart_interval,
            compression,
            bloom_bits_per_key: 10,
            // Both kinds of filter, in turn.
            filter: if n % 2 == 0 {
                FilterKind::CacheLocal
            } else {
                FilterKind::Standard
            },
            keyspace: 0,
        };
        let path = write(&fs, dir.path(), n as u64, &model, options);
        let with_cache = TableReader::open(&fs, &path, Some(cache.clone())).unwrap();
        check_table(&with_cache, &model, &mut rng);
        let without_cache = TableReader::open(&fs, &path, None).unwrap();
        check_table(&without_cache, &model, &mut rng);
        assert_eq!(with_cache.verify().unwrap(), model.len() as u64);
        let props = with_cache.properties();
        assert_eq!(props.smallest_key, *model.keys().next().unwrap());
        assert_eq!(props.largest_key, *model.keys().last().unwrap());
        let tombstones = model
            .values()
            .filter(|(op, _)| *op == Operation::Delete)
            .count();
        assert_eq!(props.tombstone_count, tombstones as u64);
        if block_size == 64 {
            assert!(props.data_block_count > 20, "tiny blocks make many blocks");
        }
    }
    assert!(cache.hits() > 0 && cache.misses() > 0);
}

#[test]
fn versions_of_one_key_spanning_blocks_are_found_in_one_block() {
    let dir = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    let path = dir.path().join(table_file_name(1));
    let options = TableOptions {
        block_size: 48,
        ..TableOptions::default()
    };
    let mut w = TableBuilder::create(fs.clone(), &path, options).unwrap();
    w.add_parts(b"a", 1, Operation::Put, b"a1").unwrap();
    for ts in (1..=40u64).rev() {
        w.add_parts(b"key", ts * 10, Operation::Put, format!("v{ts}").as_bytes())
            .unwrap();
    }
    w.add_parts(b"z", 1, Operation::Put, b"z1").unwrap();
    w.finish().unwrap();
    let cache = Arc::new(BlockCache::new(1 << 20));
    let table = TableReader::open(&fs, &path, Some(cache.clone())).unwrap();
    assert!(table.index().len() > 5);
    for ts in [400, 399, 255, 10, 11] {
        let before = cache.hits() + cache.misses();
        let got = table.get(b"key", ts).unwrap().unwrap();
        assert_eq!(got.timestamp, ts / 10 * 10);
        assert_eq!(got.value, format!("v{}", ts / 10).into_bytes());
        assert_eq!(
            cache.hits() + cache.misses(),
            before + 1,
            "one block per get"
        );
    }
    assert_eq!(table.get(b"key", 9).unwrap(), None);
    assert_eq!(table.get(b"key", 0).unwrap(), None);
}

#[test]
fn absent_keys_mostly_read_no_block() {
    let dir = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    let path = dir.path().join(table_file_name(2));
    let mut w = TableBuilder::create(fs.clone(), &path, TableOptions::default()).unwrap();
    for i in 0..5000u32 {
        w.add_parts(format!("key{i:06}").as_bytes(), 1, Operation::Put, b"v")
            .unwrap();
    }
    w.finish().unwrap();
    let cache = Arc::new(BlockCache::new(1 << 20));
    let table = TableReader::open(&fs, &path, Some(cache.clone())).unwrap();
    for i in 0..5000u32 {
        assert_eq!(
            table.get(format!("nokey{i}").as_bytes(), u64::MAX).unwrap(),
            None
        );
    }
    let reads = cache.hits() + cache.misses();
    assert!(reads < 100, "{reads} block reads for 5000 absent keys");
}

#[test]
fn out_of_order_keys_are_invalid_argument_and_writer_stays_usable() {
    let dir = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    let path = dir.path().join(table_file_name(3));
    let mut w = TableBuilder::create(fs.clone(), &path, TableOptions::default()).unwrap();
    w.add_parts(b"b", 5, Operation::Put, b"x").unwrap();
    for (key, ts) in [(&b"b"[..], 5), (b"b", 6), (b"a", 1)] {
        let err = w.add_parts(key, ts, Operation::Put, b"y").unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
    w.add_parts(b"b", 4, Operation::Delete, b"").unwrap();
    let meta = w.finish().unwrap();
    assert_eq!(meta.properties.entry_count, 2);
    assert_eq!(meta.properties.tombstone_count, 1);
}

#[test]
fn temp_file_until_finish_and_empty_tables_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let fs = os_file_system();
    let path = dir.path().join(table_file_name(4));
    let temp = dir.path().join("000004.sst.tmp");
    let w = TableBuilder::create(fs.clone(), &path, TableOptions::default()).unwrap();
    assert!(temp.exists() && !path.exists());
    let err = w.finish().unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    assert!(
        !temp.exists() && !path.exists(),
        "an empty table leaves no file"
    );

    let mut w = TableBuilder::create(fs.clone(), &path, TableOptions::default()).unwrap();
    w.add_parts(b"k", 1, Operation::Put, b"v").unwrap();
    drop(w);
    assert!(
        !temp.exists() && !path.exists(),
        "an abandoned writer leaves no file"
    );

    let mut w = TableBuilder::create(fs.clone(), &path, TableOptions::default()).unwrap();
    w.add_parts(b"k", 1, Operation::Put, b"v").unwrap();
    w.finish().unwrap();
    assert!(!temp.exists() && path.exists());
}
