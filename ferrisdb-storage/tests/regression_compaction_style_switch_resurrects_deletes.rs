//! Bug: a database compacted under one [`CompactionStyle`] and reopened
//! under the other brought deleted keys back. Size-tiered assumed every table
//! is a run in level 0, with nothing below: it dropped a run of only
//! tombstones as "the oldest", while the leveled levels below it still held
//! the values those tombstones deleted. Its manual `compact()` also left the
//! deeper levels alone, so the database was not one sorted run afterwards.
//!
//! Each style must open a database any other style wrote and keep its
//! deletes and its snapshots' views, in both directions; a random sequence of
//! writes, flushes, compactions and reopens that switch the style is checked
//! against a `BTreeMap`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::manifest::TableRecord;
use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, Snapshot, StorageConfig, StorageEngine,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Leveled compaction with tiny levels, so it runs every few dozen writes.
const LEVELED: CompactionStyle = CompactionStyle::Leveled(LeveledOptions {
    level0_file_num_compaction_trigger: 2,
    max_bytes_for_level_base: 8 << 10,
    max_bytes_for_level_multiplier: 2,
});

/// Size-tiered compaction merging as few runs as it can.
const SIZE_TIERED: CompactionStyle = CompactionStyle::SizeTiered(SizeTieredOptions {
    min_merge_width: 2,
    max_size_amplification_percent: 200,
});

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// Tiny MemTables and levels, so flushes and compactions of both styles
/// happen every few dozen writes.
fn open(fs: &FaultFileSystem, style: CompactionStyle) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 4 << 10,
        block_size: 256,
        target_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

fn key(i: usize) -> Vec<u8> {
    format!("key{i:04}").into_bytes()
}

fn value(i: usize, round: usize) -> Vec<u8> {
    format!("value {i} of round {round}, long enough to fill tables").into_bytes()
}

/// Everything `db` (or a snapshot) holds, in key order.
fn contents(scan: ferrisdb_storage::Scan) -> Model {
    scan.map(|item| {
        let (k, v) = item.unwrap();
        (k.to_vec(), v.to_vec())
    })
    .collect()
}

fn assert_holds(db: &StorageEngine, model: &Model, context: &str) {
    assert_same(&contents(db.iter().unwrap()), model, context);
    for (k, v) in model.iter().take(5) {
        assert_eq!(
            db.get(k).unwrap().as_deref(),
            Some(&v[..]),
            "{context}: get"
        );
    }
}

fn assert_snapshot_holds(snapshot: &Snapshot, model: &Model, context: &str) {
    let seen = contents(snapshot.iter().unwrap());
    assert_same(&seen, model, &format!("{context}, the snapshot"));
}

/// Fails naming the keys where `got` and `expected` differ.
fn assert_same(got: &Model, expected: &Model, context: &str) {
    let differ: Vec<String> = got
        .keys()
        .chain(expected.keys())
        .filter(|k| got.get(*k) != expected.get(*k))
        .map(|k| {
            let show = |v: Option<&Vec<u8>>| v.map(|v| String::from_utf8_lossy(v).into_owned());
            format!(
                "{}: read {:?}, expected {:?}",
                String::from_utf8_lossy(k),
                show(got.get(k)),
                show(expected.get(k))
            )
        })
        .collect();
    assert!(differ.is_empty(), "{context}: {differ:#?}");
}

/// Whether `tables` form one sorted run: one level-0 table, or tables of one
/// deeper level.
fn one_sorted_run(tables: &[TableRecord]) -> bool {
    match tables.first() {
        None => true,
        Some(first) if first.level == 0 => tables.len() == 1,
        Some(first) => tables.iter().all(|t| t.level == first.level),
    }
}

/// Reopens under `style`, deletes every third key of `0..keys` from
/// `offset`, flushes (a table of only tombstones), compacts, and checks the
/// deletes hold, before and after `compact()`, for readers and a snapshot.
fn delete_under(
    fs: &FaultFileSystem,
    style: CompactionStyle,
    model: &mut Model,
    keys: usize,
    offset: usize,
) {
    let db = open(fs, style);
    let context = format!("reopened {style:?}");
    assert_holds(&db, model, &context);
    let snapshot = db.snapshot().unwrap();
    let before = model.clone();
    for i in (offset..keys).step_by(3) {
        db.delete(key(i)).unwrap();
        model.remove(&key(i));
    }
    db.flush().unwrap();
    db.wait_for_compactions().unwrap();
    assert_holds(&db, model, &format!("{context}, after the deletes' flush"));
    db.compact().unwrap();
    db.wait_for_compactions().unwrap();
    assert_holds(&db, model, &format!("{context}, after compact()"));
    assert_snapshot_holds(&snapshot, &before, &context);
    // Leveled may move tables further down afterwards; size-tiered has
    // nothing left to merge.
    let tables = db.live_tables();
    assert!(
        style == LEVELED || one_sorted_run(&tables),
        "{context}: compact() left more than one sorted run: {tables:?}"
    );
    drop(snapshot);
    db.compact().unwrap();
    assert_holds(
        &db,
        model,
        &format!("{context}, compact() without snapshot"),
    );
    let tombstones: u64 = db.live_tables().iter().map(|t| t.tombstone_count).sum();
    assert_eq!(
        tombstones, 0,
        "{context}: one sorted run needs no tombstone"
    );
    db.close().unwrap();
}

/// Writes `rounds` overwrites of `0..keys` under `style`, deleting a few
/// keys after each round, letting compactions run as they will.
fn build(fs: &FaultFileSystem, style: CompactionStyle, keys: usize, rounds: usize) -> Model {
    let db = open(fs, style);
    let mut model = Model::new();
    for round in 0..rounds {
        for i in 0..keys {
            db.put(key(i), value(i, round)).unwrap();
            model.insert(key(i), value(i, round));
        }
        for i in (round..keys).step_by(7) {
            db.delete(key(i)).unwrap();
            model.remove(&key(i));
        }
    }
    db.wait_for_compactions().unwrap();
    assert_holds(&db, &model, &format!("built under {style:?}"));
    db.close().unwrap();
    model
}

#[test]
fn leveled_then_size_tiered_keeps_deletes() {
    let fs = FaultFileSystem::new();
    let mut model = build(&fs, LEVELED, 300, 2);
    let db = open(&fs, LEVELED);
    db.compact().unwrap();
    assert!(db.live_tables().iter().all(|t| t.level > 0));
    db.close().unwrap();

    delete_under(&fs, SIZE_TIERED, &mut model, 300, 0);
    delete_under(&fs, LEVELED, &mut model, 300, 1);
    delete_under(&fs, SIZE_TIERED, &mut model, 300, 2);
}

#[test]
fn size_tiered_then_leveled_keeps_deletes() {
    let fs = FaultFileSystem::new();
    // Several rounds of overwrites, so leveled takes over runs size-tiered
    // merged, newer ones holding tombstones over older ones.
    let mut model = build(&fs, SIZE_TIERED, 300, 4);

    delete_under(&fs, LEVELED, &mut model, 300, 0);
    delete_under(&fs, SIZE_TIERED, &mut model, 300, 1);
    delete_under(&fs, LEVELED, &mut model, 300, 2);
}

/// One random sequence: puts, deletes (alone and in runs that flush a table
/// of only tombstones), flushes, compactions, snapshots, and reopens that
/// switch the style, checked against the model throughout.
fn random_switches(seed: u64, operations: usize) {
    let fs = FaultFileSystem::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut style = if seed.is_multiple_of(2) {
        LEVELED
    } else {
        SIZE_TIERED
    };
    let mut db = open(&fs, style);
    let mut model = Model::new();
    let mut snapshot: Option<(Snapshot, Model)> = None;
    let random_key = |rng: &mut StdRng| key(rng.random_range(0..60));
    for step in 0..operations {
        let context = format!("seed {seed}, step {step}, {style:?}");
        match rng.random_range(0..100) {
            0..=44 => {
                let k = random_key(&mut rng);
                let v = value(rng.random_range(0..1000), step);
                db.put(&k, &v).unwrap();
                model.insert(k, v);
            }
            45..=59 => {
                let k = random_key(&mut rng);
                db.delete(&k).unwrap();
                model.remove(&k);
            }
            60..=64 => {
                for _ in 0..rng.random_range(1..10) {
                    let k = random_key(&mut rng);
                    db.delete(&k).unwrap();
                    model.remove(&k);
                }
                db.flush().unwrap();
            }
            65..=79 => {
                let k = random_key(&mut rng);
                assert_eq!(
                    db.get(&k).unwrap().as_deref(),
                    model.get(&k).map(Vec::as_slice),
                    "{context}"
                );
            }
            80..=85 => db.flush().unwrap(),
            86..=88 => db.compact().unwrap(),
            89..=92 => match snapshot.take() {
                Some((s, frozen)) => assert_snapshot_holds(&s, &frozen, &context),
                None => snapshot = Some((db.snapshot().unwrap(), model.clone())),
            },
            _ => {
                if let Some((s, frozen)) = snapshot.take() {
                    assert_snapshot_holds(&s, &frozen, &context);
                }
                db.wait_for_compactions().unwrap();
                assert_holds(&db, &model, &context);
                db.close().unwrap();
                style = if style == LEVELED {
                    SIZE_TIERED
                } else {
                    LEVELED
                };
                db = open(&fs, style);
            }
        }
    }
    db.wait_for_compactions().unwrap();
    assert_holds(&db, &model, &format!("seed {seed}: at the end"));
}

#[test]
fn random_style_switches_agree_with_a_btreemap() {
    for seed in 0..8 {
        random_switches(seed, 1_000);
    }
}
