//! `StorageConfig::create_if_missing` and `error_if_exists`, with RocksDB's
//! meaning, and what counts as a directory without a database.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
use reliability::{config, db_dir, fresh_fs};

fn open_with(
    fs: &FaultFileSystem,
    create_if_missing: bool,
    error_if_exists: bool,
) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(StorageConfig {
        create_if_missing,
        error_if_exists,
        ..config(fs)
    })
}

fn assert_invalid_argument(result: ferrisdb_storage::Result<StorageEngine>, option: &str) {
    match result {
        Ok(_) => panic!("opened despite {option}"),
        Err(Error::InvalidArgument(message)) => {
            assert!(message.contains(option), "{message}");
            assert!(
                message.contains("/db"),
                "the directory is not named: {message}"
            );
        }
        Err(e) => panic!("not an invalid argument: {e}"),
    }
}

fn write_file(fs: &FaultFileSystem, name: &str, bytes: &[u8]) {
    fs.create_dir_all(&db_dir()).unwrap();
    let mut file = fs.create(&db_dir().join(name)).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

#[test]
fn the_defaults_create_a_missing_database_and_open_an_existing_one() {
    let config = StorageConfig::default();
    assert!(config.create_if_missing);
    assert!(!config.error_if_exists);
    let fs = fresh_fs();
    let db = open_with(&fs, true, false).unwrap();
    db.put("k", "v").unwrap();
    drop(db);
    let db = open_with(&fs, true, false).unwrap();
    assert_eq!(db.get("k").unwrap(), Some("v".into()));
}

#[test]
fn without_create_if_missing_a_missing_directory_is_an_error_and_is_not_created() {
    let fs = fresh_fs();
    assert_invalid_argument(open_with(&fs, false, false), "create_if_missing");
    assert!(!fs.exists(&db_dir()).unwrap());
}

#[test]
fn without_create_if_missing_an_empty_directory_is_an_error_and_stays_empty() {
    let fs = fresh_fs();
    fs.create_dir_all(&db_dir()).unwrap();
    assert_invalid_argument(open_with(&fs, false, false), "create_if_missing");
    let names = fs.list(&db_dir()).unwrap();
    assert!(names.iter().all(|n| n == "LOCK"), "{names:?}");
}

#[test]
fn without_create_if_missing_an_existing_database_opens() {
    let fs = fresh_fs();
    open_with(&fs, true, false).unwrap().put("k", "v").unwrap();
    let db = open_with(&fs, false, false).unwrap();
    assert_eq!(db.get("k").unwrap(), Some("v".into()));
}

#[test]
fn with_error_if_exists_an_existing_database_is_an_error_and_is_left_alone() {
    let fs = fresh_fs();
    open_with(&fs, true, false).unwrap().put("k", "v").unwrap();
    let before = fs.list(&db_dir()).unwrap();
    assert_invalid_argument(open_with(&fs, true, true), "error_if_exists");
    assert_eq!(fs.list(&db_dir()).unwrap(), before);
    let db = open_with(&fs, true, false).unwrap();
    assert_eq!(db.get("k").unwrap(), Some("v".into()));
}

#[test]
fn with_error_if_exists_a_new_database_is_created() {
    let fs = fresh_fs();
    let db = open_with(&fs, true, true).unwrap();
    db.put("k", "v").unwrap();
    drop(db);
    assert_invalid_argument(open_with(&fs, true, true), "error_if_exists");
}

/// A crash during the very first manifest write of a new database leaves a
/// `MANIFEST.tmp` and nothing else: still no database.
#[test]
fn a_directory_with_only_a_stray_manifest_tmp_is_a_new_database() {
    let fs = fresh_fs();
    write_file(&fs, "MANIFEST.tmp", b"FDBMANIF half-writ");
    assert_invalid_argument(open_with(&fs, false, false), "create_if_missing");
    let db = open_with(&fs, true, false).unwrap();
    db.put("k", "v").unwrap();
    drop(db);
    let names = fs.list(&db_dir()).unwrap();
    assert!(!names.contains(&"MANIFEST.tmp".to_string()), "{names:?}");
}

#[test]
fn files_ferrisdb_does_not_write_are_left_alone() {
    let fs = fresh_fs();
    write_file(&fs, "README", b"my notes");
    write_file(&fs, "000007.txt", b"not a table");
    let db = open_with(&fs, true, false).unwrap();
    db.put("k", "v").unwrap();
    db.flush().unwrap();
    drop(db);
    drop(open_with(&fs, true, false).unwrap());
    assert_eq!(fs.read_all(&db_dir().join("README")).unwrap(), b"my notes");
    assert_eq!(
        fs.read_all(&db_dir().join("000007.txt")).unwrap(),
        b"not a table"
    );
}

/// A log alone, without a manifest, is a database that lost its manifest,
/// whatever `create_if_missing` says.
#[test]
fn a_log_without_a_manifest_is_corruption_not_a_new_database() {
    for create_if_missing in [true, false] {
        let fs = fresh_fs();
        drop(open_with(&fs, true, false).unwrap());
        fs.remove(&db_dir().join("MANIFEST")).unwrap();
        let before = fs.list(&db_dir()).unwrap();
        assert!(before.iter().any(|n| n.ends_with(".wal")), "{before:?}");
        let Err(err) = open_with(&fs, create_if_missing, false) else {
            panic!("a log without a manifest opened");
        };
        assert!(err.is_corruption(), "{err}");
        assert!(err.to_string().contains("MANIFEST"), "{err}");
        assert_eq!(fs.list(&db_dir()).unwrap(), before);
    }
}
