//! Bad input gives a clear error, never a panic or lost data.

use ferrisdb_storage::{Error, StorageConfig, StorageEngine, WriteBatch};

#[test]
fn keys_and_values_over_the_limits_are_refused_with_their_length_and_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        max_key_size: 16,
        max_value_size: 64,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    let err = db.put(vec![b'k'; 17], "v").unwrap_err();
    assert!(
        matches!(err, Error::KeyTooLarge { len: 17, limit: 16 }),
        "{err}"
    );
    assert!(err.to_string().contains("max_key_size"), "{err}");
    let err = db.put("k", vec![0; 65]).unwrap_err();
    assert!(
        matches!(err, Error::ValueTooLarge { len: 65, limit: 64 }),
        "{err}"
    );
    assert!(err.to_string().contains("max_value_size"), "{err}");
    // Nothing was written by the rejected calls; the limits themselves pass.
    assert_eq!(db.get("k").unwrap(), None);
    db.put(vec![b'k'; 16], vec![0; 64]).unwrap();
    // A layer above reads the limits it is held to.
    assert_eq!(db.max_key_size().unwrap(), 16);
    assert_eq!(db.max_value_size().unwrap(), 64);
}

/// The engine checks the limits once, before the batch is logged: a batch
/// with one entry over them writes none of its entries, not even to the log
/// a reopen replays.
#[test]
fn a_batch_with_one_entry_over_the_limits_is_not_logged() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig {
        max_value_size: 64,
        ..StorageConfig::new(dir.path())
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    let mut batch = WriteBatch::new();
    batch.put("fits", "v").put("too long", vec![0; 65]);
    let err = db.write(batch).unwrap_err();
    assert!(
        matches!(err, Error::ValueTooLarge { len: 65, limit: 64 }),
        "{err}"
    );
    db.put("after", "v").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(config).unwrap();
    assert_eq!(db.get("fits").unwrap(), None);
    assert_eq!(db.get("too long").unwrap(), None);
    assert_eq!(db.get("after").unwrap().unwrap(), "v");
}

#[test]
fn opening_a_file_instead_of_a_directory_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"hello").unwrap();
    let err = StorageEngine::open(StorageConfig::new(&file)).unwrap_err();
    assert!(err.to_string().contains("not-a-dir"), "{err}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        b"hello",
        "the file was left alone"
    );
}

#[test]
fn a_second_open_of_a_locked_directory_fails_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let first = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let err = StorageEngine::open(StorageConfig::new(dir.path())).unwrap_err();
    assert!(matches!(err, Error::DatabaseLocked { .. }), "{err}");
    first.close().unwrap();
    StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
}

#[test]
fn invalid_settings_are_rejected_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let err = StorageEngine::open(StorageConfig {
        memtable_size: 1,
        ..StorageConfig::new(dir.path())
    })
    .unwrap_err();
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
}

fn database_with_a_table(dir: &std::path::Path) -> std::path::PathBuf {
    let db = StorageEngine::open(StorageConfig::new(dir)).unwrap();
    for i in 0..100 {
        db.put(format!("k{i:03}"), "value").unwrap();
    }
    db.flush().unwrap();
    db.close().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sst"))
        .expect("a table")
}

#[test]
fn a_corrupt_table_is_a_corruption_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let table = database_with_a_table(dir.path());
    let mut bytes = std::fs::read(&table).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    std::fs::write(&table, &bytes).unwrap();
    // Opening reads footer, index and filter; the flipped byte may be in a
    // data block, found by the first read that touches it.
    let result = StorageEngine::open(StorageConfig::new(dir.path()))
        .and_then(|db| (0..100).try_for_each(|i| db.get(format!("k{i:03}")).map(drop)));
    let err = result.unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(
        err.to_string()
            .contains(table.file_name().unwrap().to_str().unwrap()),
        "{err}"
    );
}

#[test]
fn a_corrupt_manifest_is_a_corruption_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    database_with_a_table(dir.path());
    let manifest = dir.path().join("MANIFEST");
    let mut bytes = std::fs::read(&manifest).unwrap();
    bytes[20] ^= 0x01;
    std::fs::write(&manifest, &bytes).unwrap();
    let err = StorageEngine::open(StorageConfig::new(dir.path())).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(err.to_string().contains("MANIFEST"), "{err}");
}

#[test]
fn a_listed_table_replaced_by_another_is_a_corruption_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let table = database_with_a_table(dir.path());
    let other = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(other.path())).unwrap();
    db.put("another", "database").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    let foreign = std::fs::read_dir(other.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.extension().is_some_and(|e| e == "sst"))
        .expect("a table");
    std::fs::copy(&foreign, &table).unwrap();

    let Err(err) = StorageEngine::open(StorageConfig::new(dir.path())) else {
        panic!("a database whose table was replaced by another opened");
    };
    assert!(err.is_corruption(), "{err}");
    assert!(
        err.to_string()
            .contains(table.file_name().unwrap().to_str().unwrap()),
        "{err}"
    );
}
