//! Review (a passing test backing a claim no test checked): a database
//! written before range deletes (`tests/fixtures/db-231dc6f`: `default` at
//! levels 0, 1 and 2, `users` with its last round only in the oldest log,
//! `events` size-tiered with six level-0 runs) takes range and prefix
//! deletes in every keyspace, within a batch and alone, declares the
//! feature, and reads as the model says before and after a flush, a
//! compaction and a reopen. `format_db_231dc6f_opens.rs` writes only points.

mod common;

use std::collections::BTreeMap;

use common::keyspace_rounds::{model, KEY_COUNT};
use common::old_database::{assert_keyspaces_read_as, copy_fixture, key, Model};
use ferrisdb_storage::internals::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use ferrisdb_storage::internals::manifest::load;
use ferrisdb_storage::{FeatureClass, StorageConfig, StorageEngine, WriteBatch};

fn remove_range(model: &mut Model, start: u32, end: u32) {
    model.retain(|k, _| !(key(start) <= *k && *k < key(end)));
}

fn declares(dir: &std::path::Path) -> bool {
    let fs = ferrisdb_storage::fs::os_file_system();
    load(fs.as_ref(), dir)
        .unwrap()
        .unwrap()
        .features
        .declares(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT)
}

#[test]
fn an_old_database_takes_range_deletes_in_every_keyspace() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture("db-231dc6f", dir.path());
    let mut expected: BTreeMap<&str, Model> = model();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert!(!declares(dir.path()));
    let users = db.keyspace("users").unwrap();
    let events = db.keyspace("events").unwrap();

    db.delete_range(key(20)..key(140)).unwrap();
    remove_range(expected.get_mut("default").unwrap(), 20, 140);
    assert!(declares(dir.path()));
    events.delete_prefix(b"key01").unwrap();
    remove_range(expected.get_mut("events").unwrap(), 100, 200);
    let mut batch = WriteBatch::new();
    batch
        .delete_range_in(&users, key(50)..=key(60))
        .put_in(&users, key(55), b"after")
        .delete_range_in(&events, key(230)..)
        .put_in(&events, key(231), b"after");
    db.write(batch).unwrap();
    let u = expected.get_mut("users").unwrap();
    remove_range(u, 50, 61);
    u.insert(key(55), b"after".to_vec());
    let e = expected.get_mut("events").unwrap();
    remove_range(e, 230, 10_000);
    e.insert(key(231), b"after".to_vec());
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);

    db.flush().unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    drop((users, events));
    db.close().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    db.compact().unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
    db.close().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    assert_keyspaces_read_as(&db, &expected, KEY_COUNT);
}
