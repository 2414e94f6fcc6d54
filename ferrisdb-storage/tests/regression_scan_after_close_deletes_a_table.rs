//! `close` releases the directory's lock and documents that a `Scan` still
//! alive "keeps working after close, and blocks nothing ... A reopened
//! instance may meanwhile write, flush and compact". But the old instance
//! still deletes files in the directory after its lock is gone: a table a
//! compaction made obsolete while the scan held it is removed by name
//! (engine/version.rs, `Drop for Table`) when the scan is dropped, whenever
//! that is.
//!
//! Restoring a checkpoint into the directory after the close (a checkpoint
//! "open accepts as a database of its own") brings that table back under the
//! same name as a live table of the new instance; dropping the old scan then
//! deletes it, and the restored database no longer opens.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn copy_dir(fs: &FaultFileSystem, from: &Path, to: &Path) {
    for name in fs.list(from).unwrap() {
        let bytes = fs.read_all(&from.join(&name)).unwrap();
        let mut file = fs.create(&to.join(&name)).unwrap();
        file.append(&bytes).unwrap();
        file.sync().unwrap();
    }
    fs.sync_dir(to).unwrap();
}

#[test]
fn regression_scan_after_close_deletes_a_table() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.put("k1", "v1").unwrap();
    db.flush().unwrap();
    db.checkpoint("/backup").unwrap();
    let backup_tables: Vec<u64> = db.live_tables().iter().map(|t| t.file_number).collect();

    // A scan holds the table; a compaction replaces it.
    let scan = db.iter().unwrap();
    db.put("k2", "v2").unwrap();
    db.flush().unwrap();
    db.compact().unwrap();
    assert!(db
        .live_tables()
        .iter()
        .all(|t| !backup_tables.contains(&t.file_number)));
    db.close().unwrap();

    // Restore the backup into the database's directory and open it.
    for name in fs.list(Path::new("/db")).unwrap() {
        fs.remove(&Path::new("/db").join(name)).unwrap();
    }
    copy_dir(&fs, Path::new("/backup"), Path::new("/db"));
    let restored = StorageEngine::open(config(&fs)).unwrap();
    assert_eq!(restored.get("k1").unwrap(), Some("v1".into()));

    // The old instance's reader goes away.
    drop(scan);

    restored.close().unwrap();
    let reopened = StorageEngine::open(config(&fs))
        .unwrap_or_else(|e| panic!("the restored database no longer opens: {e}"));
    assert_eq!(reopened.get("k1").unwrap(), Some("v1".into()));
}
