//! A database with more tables than `max_open_files` keeps at most that many
//! table files open, and reads every key, by point reads and scans in both
//! directions, as a model says, before and after a reopen, and from a scan
//! that outlives `close`.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

const MAX_OPEN_FILES: usize = 3;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        max_open_files: MAX_OPEN_FILES,
        // Every flush stays its own level-0 table.
        disable_auto_compactions: true,
        ..StorageConfig::new("/db")
    }
}

fn check(db: &StorageEngine, model: &BTreeMap<Vec<u8>, Vec<u8>>) {
    for (key, value) in model {
        assert_eq!(db.get(key).unwrap().as_deref(), Some(&value[..]));
    }
    assert_eq!(db.get("missing").unwrap(), None);
    let forward: Vec<(Vec<u8>, Vec<u8>)> = db
        .iter()
        .unwrap()
        .map(|item| item.map(|(k, v)| (k.to_vec(), v.to_vec())))
        .collect::<Result<_, Error>>()
        .unwrap();
    let expected: Vec<(Vec<u8>, Vec<u8>)> =
        model.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    assert_eq!(forward, expected);
    let backward: Vec<Vec<u8>> = db
        .iter()
        .unwrap()
        .rev()
        .map(|item| item.map(|(k, _)| k.to_vec()))
        .collect::<Result<_, Error>>()
        .unwrap();
    assert!(backward.iter().rev().eq(model.keys()));
    let open = db.stats().open_table_files;
    assert!(open <= MAX_OPEN_FILES, "{open} table files open");
}

#[test]
fn more_tables_than_max_open_files_read_back_in_full() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let mut model = BTreeMap::new();
    // Ten tables; later ones overwrite and delete keys of earlier ones.
    for round in 0..10u32 {
        for i in (round..60).step_by(3) {
            let key = format!("key{i:03}").into_bytes();
            if round % 4 == 3 && i % 2 == 0 {
                db.delete(&key).unwrap();
                model.remove(&key);
            } else {
                let value = format!("value {i} of round {round}").into_bytes();
                db.put(&key, &value).unwrap();
                model.insert(key, value);
            }
        }
        db.flush().unwrap();
    }
    assert_eq!(db.stats().levels[0].tables, 10);
    check(&db, &model);

    // A scan started before close keeps reading after it, reopening the
    // tables the cache closed (they are still the tables it read).
    let scan = db.iter().unwrap();
    db.close().unwrap();
    let after_close: Vec<Vec<u8>> = scan
        .map(|item| item.map(|(k, _)| k.to_vec()))
        .collect::<Result<_, Error>>()
        .unwrap();
    assert!(after_close.iter().eq(model.keys()));

    let db = StorageEngine::open(config(&fs)).unwrap();
    check(&db, &model);
    db.compact().unwrap();
    check(&db, &model);
}

#[test]
fn max_open_files_of_zero_is_refused() {
    let fs = FaultFileSystem::new();
    let error = StorageEngine::open(StorageConfig {
        max_open_files: 0,
        ..config(&fs)
    })
    .unwrap_err();
    assert!(error.to_string().contains("max_open_files"), "{error}");
}
