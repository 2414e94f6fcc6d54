//! Model test: random operations on the engine and on a `BTreeMap` must agree.
//!
//! Operations: put, delete, batch, get, scan (both directions, random bounds),
//! snapshot reads, flush, manual compaction and close-and-reopen, with tiny
//! MemTables and levels so that many tables form, background compactions run
//! concurrently, and reads cross MemTables, tables and levels. Both
//! compaction styles are tested.

use std::collections::BTreeMap;
use std::ops::Bound;

use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, Slice, Snapshot, StorageConfig,
    StorageEngine, WriteBatch,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn config(dir: &std::path::Path, style: CompactionStyle) -> StorageConfig {
    StorageConfig {
        memtable_size: 4096,
        block_size: 256,
        max_immutable_memtables: 2,
        compaction_style: style,
        target_file_size: 4 << 10,
        ..StorageConfig::new(dir)
    }
}

/// Leveled compaction with tiny levels, so that it runs often.
const LEVELED: CompactionStyle = CompactionStyle::Leveled(LeveledOptions {
    level0_file_num_compaction_trigger: 2,
    max_bytes_for_level_base: 8 << 10,
    max_bytes_for_level_multiplier: 4,
});

/// Size-tiered compaction merging tiers of 3 runs.
const SIZE_TIERED: CompactionStyle = CompactionStyle::SizeTiered(SizeTieredOptions {
    min_merge_width: 3,
    max_size_amplification_percent: 200,
});

fn random_key(rng: &mut StdRng) -> Vec<u8> {
    // Few keys, so most operations hit existing keys and versions pile up.
    format!("key{:03}", rng.random_range(0..150)).into_bytes()
}

fn random_value(rng: &mut StdRng) -> Vec<u8> {
    let len = rng.random_range(0..40);
    (0..len).map(|_| rng.random_range(b'a'..=b'z')).collect()
}

/// A scan's item as owned bytes, as the model holds them.
fn owned(item: ferrisdb_storage::Result<(Slice, Slice)>) -> (Vec<u8>, Vec<u8>) {
    let (key, value) = item.unwrap();
    (key.to_vec(), value.to_vec())
}

fn random_bound(rng: &mut StdRng) -> Bound<Vec<u8>> {
    match rng.random_range(0..3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(random_key(rng)),
        _ => Bound::Excluded(random_key(rng)),
    }
}

fn model_range(
    model: &Model,
    start: &Bound<Vec<u8>>,
    end: &Bound<Vec<u8>>,
) -> Vec<(Vec<u8>, Vec<u8>)> {
    let in_start = |k: &Vec<u8>| match start {
        Bound::Unbounded => true,
        Bound::Included(s) => k >= s,
        Bound::Excluded(s) => k > s,
    };
    let in_end = |k: &Vec<u8>| match end {
        Bound::Unbounded => true,
        Bound::Included(e) => k <= e,
        Bound::Excluded(e) => k < e,
    };
    model
        .iter()
        .filter(|(k, _)| in_start(k) && in_end(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

fn run(seed: u64, operations: usize, style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut db = StorageEngine::open(config(dir.path(), style)).unwrap();
    let mut model = Model::new();
    let mut snapshots: Vec<(Snapshot, Model)> = Vec::new();
    // Counters start at zero with each open; this sums them over the run.
    let mut compactions = 0;

    for step in 0..operations {
        let context = format!("{style:?}, seed {seed}, step {step}");
        match rng.random_range(0..100) {
            0..=34 => {
                let (key, value) = (random_key(&mut rng), random_value(&mut rng));
                db.put(&key, &value).unwrap();
                model.insert(key, value);
            }
            35..=44 => {
                let key = random_key(&mut rng);
                db.delete(&key).unwrap();
                model.remove(&key);
            }
            45..=52 => {
                let mut batch = WriteBatch::new();
                for _ in 0..rng.random_range(1..8) {
                    let key = random_key(&mut rng);
                    if rng.random_bool(0.3) {
                        batch.delete(&key);
                        model.remove(&key);
                    } else {
                        let value = random_value(&mut rng);
                        batch.put(&key, &value);
                        model.insert(key, value);
                    }
                }
                db.write(batch).unwrap();
            }
            53..=74 => {
                let key = random_key(&mut rng);
                assert_eq!(
                    db.get(&key).unwrap().as_deref(),
                    model.get(&key).map(Vec::as_slice),
                    "{context}: get"
                );
            }
            75..=84 => {
                let (start, end) = (random_bound(&mut rng), random_bound(&mut rng));
                let expected = model_range(&model, &start, &end);
                let scan = db.scan((start.clone(), end.clone())).unwrap();
                let got: Vec<_> = if rng.random_bool(0.5) {
                    scan.map(owned).collect()
                } else {
                    let mut got: Vec<_> = scan.rev().map(owned).collect();
                    got.reverse();
                    got
                };
                assert_eq!(got, expected, "{context}: scan {start:?}..{end:?}");
            }
            85..=88 => {
                if snapshots.len() < 4 {
                    snapshots.push((db.snapshot().unwrap(), model.clone()));
                } else {
                    let (snapshot, frozen) = snapshots.remove(rng.random_range(0..snapshots.len()));
                    let key = random_key(&mut rng);
                    assert_eq!(
                        snapshot.get(&key).unwrap().as_deref(),
                        frozen.get(&key).map(Vec::as_slice),
                        "{context}: snapshot get"
                    );
                    let got: Vec<_> = snapshot.iter().unwrap().map(owned).collect();
                    assert_eq!(
                        got,
                        model_range(&frozen, &Bound::Unbounded, &Bound::Unbounded),
                        "{context}: snapshot scan"
                    );
                }
            }
            89..=92 => db.flush().unwrap(),
            93..=94 => db.compact().unwrap(),
            _ => {
                // Snapshots do not survive a restart.
                snapshots.clear();
                compactions += db.stats().compactions;
                if rng.random_bool(0.5) {
                    db.close().unwrap();
                } else {
                    drop(db);
                }
                db = StorageEngine::open(config(dir.path(), style)).unwrap();
            }
        }
    }
    let all: Vec<_> = db.iter().unwrap().map(owned).collect();
    assert_eq!(
        all,
        model_range(&model, &Bound::Unbounded, &Bound::Unbounded),
        "seed {seed}: final scan"
    );
    let stats = db.stats();
    assert!(
        stats.table_count() > 0,
        "seed {seed}: small MemTables should have produced tables"
    );
    compactions += stats.compactions;
    assert!(
        compactions > 0,
        "{style:?} seed {seed}: compactions should have run"
    );
}

#[test]
fn engine_agrees_with_a_btreemap_model_under_leveled_compaction() {
    for seed in 0..4 {
        run(seed, 2_000, LEVELED);
    }
}

#[test]
fn engine_agrees_with_a_btreemap_model_under_size_tiered_compaction() {
    for seed in 100..104 {
        run(seed, 2_000, SIZE_TIERED);
    }
}
