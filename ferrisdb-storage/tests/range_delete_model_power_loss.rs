//! Model test: range deletes mixed into a random workload through flushes,
//! both compaction styles, snapshots held and released, reopens and power
//! losses, against a `BTreeMap`.
//!
//! The issue asks for the engine model test with range and prefix deletes,
//! overlapping and nested ranges, snapshots, reopen and compaction in both
//! styles, and for crash scenarios with range deletes in the workload;
//! `engine_model.rs` and the crash tests write none. Here tiny MemTables,
//! tables and levels make a key's versions, point tombstones and range
//! tombstones land in different tables and levels, so flushes clip
//! unbounded tombstones, merges cut tombstones between output tables, drop
//! covered entries under the live snapshots and drop tombstones at the
//! bottom, and whole tables go unread under newer tombstones, while two
//! background threads compact. Every write is durable (`SyncMode::Full`),
//! so a power loss keeps the model whole. Each snapshot keeps a copy of
//! the model it must read.
//!
//! `FERRISDB_MODEL_SEEDS` (default 4) sets the number of seeds per style.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, Snapshot, StorageConfig, StorageEngine,
    SyncMode,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

const KEYS: u32 = 400;
const STEPS: usize = 1500;

/// Leveled compaction with tiny levels, so that keys reach level 3.
const LEVELED: CompactionStyle = CompactionStyle::Leveled(LeveledOptions {
    level0_file_num_compaction_trigger: 2,
    max_bytes_for_level_base: 4 << 10,
    max_bytes_for_level_multiplier: 2,
});

/// Size-tiered compaction merging pairs of runs.
const SIZE_TIERED: CompactionStyle = CompactionStyle::SizeTiered(SizeTieredOptions {
    min_merge_width: 2,
    max_size_amplification_percent: 150,
});

fn config(fs: &FaultFileSystem, style: &CompactionStyle) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4096,
        block_size: 256,
        max_immutable_memtables: 2,
        compaction_style: *style,
        target_file_size: 4096,
        background_threads: 2,
        wal_sync_mode: SyncMode::Full,
        ..StorageConfig::new("/db")
    }
}

fn key(i: u32) -> Vec<u8> {
    format!("k{i:04}").into_bytes()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Every pair a scan yields, owned.
fn collect(scan: ferrisdb_storage::Result<ferrisdb_storage::Scan>) -> Vec<(Vec<u8>, Vec<u8>)> {
    scan.unwrap()
        .map(|item| {
            let (k, v) = item.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// Panics naming the first key where `got` and `model` differ.
fn same(got: Vec<(Vec<u8>, Vec<u8>)>, model: &Model, what: &str) {
    let got: Model = got.into_iter().collect();
    for (k, v) in &got {
        assert_eq!(
            model.get(k).map(|v| text(v)),
            Some(text(v)),
            "{what}: key {} read but the model holds otherwise",
            text(k)
        );
    }
    for k in model.keys() {
        assert!(got.contains_key(k), "{what}: key {} lost", text(k));
    }
}

/// Point reads of every third key, and a full scan, of `read` against `model`.
fn check_reads(
    get: impl Fn(&[u8]) -> Option<Vec<u8>>,
    scan: Vec<(Vec<u8>, Vec<u8>)>,
    model: &Model,
    what: &str,
) {
    same(scan, model, what);
    for i in (0..KEYS + 5).step_by(3) {
        let k = key(i);
        assert_eq!(get(&k), model.get(&k).cloned(), "{what}: get {}", text(&k));
    }
}

fn run(seed: u64, style: &CompactionStyle) {
    let mut fs = FaultFileSystem::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut db = StorageEngine::open(config(&fs, style)).unwrap();
    let mut model = Model::new();
    let mut snapshots: Vec<(Snapshot, Model)> = Vec::new();
    for step in 0..STEPS {
        let what = format!("{style:?} seed {seed} step {step}");
        match rng.random_range(0..100) {
            0..=55 => {
                let k = key(rng.random_range(0..KEYS));
                let v = format!("v{step}-{}", "x".repeat(rng.random_range(0..400)));
                db.put(&k, &v).unwrap();
                model.insert(k, v.into_bytes());
            }
            56..=59 => {
                let k = key(rng.random_range(0..KEYS));
                db.delete(&k).unwrap();
                model.remove(&k);
            }
            60..=64 => {
                let a = rng.random_range(0..KEYS + 5);
                let start = key(a);
                if rng.random_range(0..8) == 0 {
                    db.delete_range(start.clone()..).unwrap();
                    model.retain(|k, _| *k < start);
                } else {
                    let end = key(a + rng.random_range(1..25));
                    db.delete_range(start.clone()..end.clone()).unwrap();
                    model.retain(|k, _| *k < start || *k >= end);
                }
            }
            65 => {
                let prefix = format!("k00{}", rng.random_range(0..40)).into_bytes();
                db.delete_prefix(&prefix).unwrap();
                model.retain(|k, _| !k.starts_with(&prefix));
            }
            66..=72 => {
                if snapshots.len() < 4 {
                    snapshots.push((db.snapshot().unwrap(), model.clone()));
                }
            }
            73..=77 => {
                if !snapshots.is_empty() {
                    snapshots.remove(rng.random_range(0..snapshots.len()));
                }
            }
            78..=83 => db.flush().unwrap(),
            84 => db.compact().unwrap(),
            85..=91 => db.wait_for_compactions().unwrap(),
            92 => {
                snapshots.clear();
                db.close().unwrap();
                db = StorageEngine::open(config(&fs, style)).unwrap();
            }
            93 | 94 => {
                // Power loss: the database is what the disk held.
                snapshots.clear();
                let after = fs.crash();
                drop(db);
                fs = after;
                db = StorageEngine::open(config(&fs, style)).unwrap();
            }
            _ => {
                let k = key(rng.random_range(0..KEYS + 5));
                let got = db.get(&k).unwrap().map(|v| v.to_vec());
                assert_eq!(got, model.get(&k).cloned(), "{what}: get {}", text(&k));
            }
        }
        if step % 23 == 0 {
            let get = |k: &[u8]| db.get(k).unwrap().map(|v| v.to_vec());
            check_reads(get, collect(db.iter()), &model, &what);
            for (i, (snapshot, seen)) in snapshots.iter().enumerate() {
                let get = |k: &[u8]| snapshot.get(k).unwrap().map(|v| v.to_vec());
                let what = format!("{what} snapshot {i}");
                check_reads(get, collect(snapshot.iter()), seen, &what);
            }
        }
    }
    snapshots.clear();
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs, style)).unwrap();
    let get = |k: &[u8]| db.get(k).unwrap().map(|v| v.to_vec());
    let what = format!("{style:?} seed {seed} reopened");
    check_reads(get, collect(db.iter()), &model, &what);
}

fn seeds() -> u64 {
    std::env::var("FERRISDB_MODEL_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(4)
}

#[test]
fn leveled_agrees_with_the_model() {
    for seed in 0..seeds() {
        run(seed, &LEVELED);
    }
}

#[test]
fn size_tiered_agrees_with_the_model() {
    for seed in 0..seeds() {
        run(seed, &SIZE_TIERED);
    }
}
