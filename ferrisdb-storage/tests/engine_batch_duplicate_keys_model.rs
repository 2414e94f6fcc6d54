//! A batch that writes a key several times keeps the
//! last write of the key, on the write path (MemTable), after a flush, after
//! a clean reopen and after a crash (replay), against a `BTreeMap`. Batches
//! span `apply`'s runs of 256 entries, use the empty key, mix puts and
//! deletes of one key, and some are larger than a whole MemTable.

mod common;

use std::collections::BTreeMap;

use common::{dir, fault_config};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine, SyncMode, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 16 << 10,
        ..fault_config(fs, RecoveryMode::default())
    }
}

/// A batch of `len` entries over few keys (the empty key among them), so
/// most keys repeat, in other runs of 256 too.
fn batch(rng: &mut StdRng, len: usize, model: &mut Model) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for i in 0..len {
        let key = if rng.random_bool(0.1) {
            Vec::new()
        } else {
            vec![b'k', rng.random_range(0..30u8)]
        };
        if rng.random_bool(0.35) {
            batch.delete(&key);
            model.remove(&key);
        } else {
            let value = format!("{i}-{}", rng.random::<u32>()).into_bytes();
            let value = if rng.random_bool(0.05) {
                // Some large values: a batch larger than a MemTable.
                value.repeat(400)
            } else {
                value
            };
            batch.put(&key, &value);
            model.insert(key, value);
        }
    }
    batch
}

fn check(db: &StorageEngine, model: &Model, context: &str) {
    let scanned: Model = db
        .iter()
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect();
    assert_eq!(scanned.len(), model.len(), "{context}: scan");
    assert!(scanned == *model, "{context}: scan differs from the model");
    for i in 0..30u8 {
        let key = vec![b'k', i];
        let got = db.get(&key).unwrap().map(|v| v.to_vec());
        assert_eq!(got.as_ref(), model.get(&key), "{context}: get {key:?}");
    }
    let got = db.get(b"").unwrap().map(|v| v.to_vec());
    assert_eq!(
        got.as_ref(),
        model.get(&b""[..]),
        "{context}: get of the empty key"
    );
}

#[test]
fn the_last_write_of_a_key_in_a_batch_wins_everywhere() {
    for seed in 0..6u64 {
        let mut rng = StdRng::seed_from_u64(seed);
        let fs = FaultFileSystem::new();
        let mut model = Model::new();
        let mut db = StorageEngine::open(config(&fs)).unwrap();
        for round in 0..12 {
            let len =
                [1, 2, 255, 256, 257, 511, 512, 513, 1000, 2 * 256 + 1][rng.random_range(0..10)];
            let b = batch(&mut rng, len, &mut model);
            db.write(&b).unwrap();
            let context = format!("seed {seed}, round {round}, {len} entries");
            check(&db, &model, &format!("{context}, in the MemTable"));
            match rng.random_range(0..4) {
                0 => {
                    db.flush().unwrap();
                    check(&db, &model, &format!("{context}, after a flush"));
                }
                1 => {
                    db.close().unwrap();
                    db = StorageEngine::open(config(&fs)).unwrap();
                    check(&db, &model, &format!("{context}, after a reopen"));
                }
                2 => {
                    // Power loss: every write was acknowledged under Full,
                    // so replay must give them all back.
                    let rebooted = fs.crash();
                    drop(db);
                    let fs2 = rebooted;
                    db = StorageEngine::open(config(&fs2)).unwrap();
                    check(&db, &model, &format!("{context}, after a crash"));
                    // Continue on the rebooted file system.
                    return_on(&fs2, &mut rng, &mut model, db, seed);
                    break;
                }
                _ => {}
            }
        }
    }
    let _ = dir();
}

/// Goes on writing on a rebooted file system, then reopens it twice.
fn return_on(
    fs: &FaultFileSystem,
    rng: &mut StdRng,
    model: &mut Model,
    db: StorageEngine,
    seed: u64,
) {
    for round in 0..4 {
        let len = [257, 300, 700][rng.random_range(0..3)];
        let b = batch(rng, len, model);
        db.write(&b).unwrap();
        check(
            &db,
            model,
            &format!("seed {seed}, after the crash, round {round}"),
        );
    }
    let rebooted = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&rebooted)).unwrap();
    check(&db, model, &format!("seed {seed}, after a second crash"));
    db.compact().unwrap();
    check(&db, model, &format!("seed {seed}, after a compaction"));
    db.close().unwrap();
    let db = StorageEngine::open(config(&rebooted)).unwrap();
    check(&db, model, &format!("seed {seed}, after the last reopen"));
}
