//! `keyspace_with` re-configures a live keyspace, its
//! compaction style included, without a reopen. The reopen case is pinned
//! by `regression_compaction_style_switch_resurrects_deletes`; this checks
//! the live switch, while compactions of the old style may still run:
//! random puts, deletes, flushes, compactions, snapshots and style switches
//! in one keyspace, checked against a `BTreeMap`, with `default` written
//! beside it so its reads never show the other keyspace's keys.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, Keyspace, KeyspaceOptions, LeveledOptions, SizeTieredOptions, Snapshot,
    StorageConfig, StorageEngine,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const LEVELED: CompactionStyle = CompactionStyle::Leveled(LeveledOptions {
    level0_file_num_compaction_trigger: 2,
    max_bytes_for_level_base: 8 << 10,
    max_bytes_for_level_multiplier: 2,
});

const SIZE_TIERED: CompactionStyle = CompactionStyle::SizeTiered(SizeTieredOptions {
    min_merge_width: 2,
    max_size_amplification_percent: 200,
});

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn options(style: CompactionStyle) -> KeyspaceOptions {
    KeyspaceOptions {
        compaction_style: style,
        memtable_size: 4 << 10,
        block_size: 256,
        ..KeyspaceOptions::default()
    }
}

fn contents(scan: ferrisdb_storage::Scan) -> Model {
    scan.map(|item| {
        let (k, v) = item.unwrap();
        (k.to_vec(), v.to_vec())
    })
    .collect()
}

fn key(i: usize) -> Vec<u8> {
    format!("key{i:04}").into_bytes()
}

fn check(ks: &Keyspace, model: &Model, context: &str) {
    let got = contents(ks.iter().unwrap());
    let differ: Vec<_> = got
        .keys()
        .chain(model.keys())
        .filter(|k| got.get(*k) != model.get(*k))
        .map(|k| String::from_utf8_lossy(k).into_owned())
        .collect();
    assert!(differ.is_empty(), "{context}: keys differ: {differ:?}");
}

fn run(seed: u64, steps: usize) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 4 << 10,
        target_file_size: 4 << 10,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let mut style = LEVELED;
    let ks = db.keyspace_with("data", options(style)).unwrap();
    let mut model = Model::new();
    let mut snapshot: Option<(Snapshot, Model)> = None;
    let mut rng = StdRng::seed_from_u64(seed);
    for step in 0..steps {
        let context = format!("seed {seed}, step {step}, {style:?}");
        match rng.random_range(0..100) {
            0..=49 => {
                let k = key(rng.random_range(0..80));
                let v = format!("value {step} long enough to fill a few tables quickly");
                ks.put(&k, &v).unwrap();
                db.put(&k, "default").unwrap();
                model.insert(k, v.into_bytes());
            }
            50..=69 => {
                for _ in 0..rng.random_range(1..8) {
                    let k = key(rng.random_range(0..80));
                    ks.delete(&k).unwrap();
                    model.remove(&k);
                }
                if rng.random_bool(0.5) {
                    db.flush().unwrap();
                }
            }
            70..=79 => db.flush().unwrap(),
            80..=84 => db.compact().unwrap(),
            85..=89 => {
                style = if style == LEVELED {
                    SIZE_TIERED
                } else {
                    LEVELED
                };
                db.keyspace_with("data", options(style)).unwrap();
                // A write and a flush after the switch: the new style
                // sees a fresh level-0 table.
                let k = key(rng.random_range(0..80));
                ks.put(&k, "switched").unwrap();
                model.insert(k, b"switched".to_vec());
                db.flush().unwrap();
            }
            90..=94 => match snapshot.take() {
                Some((s, frozen)) => {
                    let seen = contents(s.iter_in(&ks).unwrap());
                    assert_eq!(seen, frozen, "{context}: the snapshot");
                }
                None => snapshot = Some((db.snapshot().unwrap(), model.clone())),
            },
            _ => {
                db.wait_for_compactions().unwrap();
                check(&ks, &model, &context);
            }
        }
    }
    db.wait_for_compactions().unwrap();
    check(&ks, &model, &format!("seed {seed}, the end"));
    db.compact().unwrap();
    check(&ks, &model, &format!("seed {seed}, after compact()"));
    db.close().unwrap();
}

#[test]
fn live_style_switches_keep_every_delete() {
    for seed in 0..4 {
        run(seed, 400);
    }
}
