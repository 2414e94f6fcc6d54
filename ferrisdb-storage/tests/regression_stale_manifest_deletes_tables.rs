//! Bug: `open` trusted whatever `MANIFEST` it found and deleted every table
//! the manifest did not list. With a manifest older than the directory's
//! other files (put back from a backup, say), the tables written since were
//! deleted as leftovers of a crash, and the database silently lost the writes
//! in them.
//!
//! Now `open` checks the manifest against the directory before deleting
//! anything: the log it needs first (`log_number`) exists as long as it is
//! the newest manifest. A stale one fails to open with a corruption error
//! naming that log, and the failed open deletes nothing.

mod reliability;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use reliability::{config, db_dir, fresh_fs};

/// The scenarios' database, without compactions: a compaction would delete
/// the stale manifest's table, which `open` already reported as missing.
fn open(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        ..config(fs)
    })
}

#[test]
fn regression_stale_manifest_deletes_tables() {
    let fs = fresh_fs();
    let db = open(&fs).unwrap();
    db.put("first", "1").unwrap();
    db.flush().unwrap();
    db.close().unwrap();
    let manifest = db_dir().join("MANIFEST");
    let stale = fs.read_all(&manifest).unwrap();

    let db = open(&fs).unwrap();
    db.put("second", "2").unwrap();
    db.flush().unwrap();
    db.close().unwrap();

    let mut file = fs.create(&manifest).unwrap();
    file.append(&stale).unwrap();
    file.sync().unwrap();
    drop(file);
    let before = fs.list(&db_dir()).unwrap();

    let err = match open(&fs) {
        Ok(db) => {
            let second = db.get("second").unwrap();
            drop(db);
            panic!(
                "a stale manifest was opened: \"second\" is {second:?}; the directory held \
                 {before:?}, now {:?}",
                fs.list(&db_dir()).unwrap()
            )
        }
        Err(err) => err,
    };
    assert!(err.is_corruption(), "{err:?}");
    assert!(err.to_string().contains(".wal"), "{err}");
    assert_eq!(
        fs.list(&db_dir()).unwrap(),
        before,
        "the failed open changed the directory"
    );
}
