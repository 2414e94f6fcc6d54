//! Bug: `open` created a new database directory (and a checkpoint its target
//! directory) without syncing the directory holding it, so on a file system
//! that keeps to POSIX a power loss could lose the directory itself, with
//! every write acknowledged in it.
//!
//! Checked with `FaultFileSystem::enable_strict_directories`, under which a
//! new directory survives a crash only once its parent is synced.

mod reliability;

use std::path::PathBuf;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use reliability::{config, fresh_fs, open};

#[test]
fn regression_new_database_directory_not_durable() {
    let fs = fresh_fs();
    fs.enable_strict_directories();
    let db = open(&fs).unwrap();
    db.put("acknowledged", "under Full").unwrap();
    let checkpoint = PathBuf::from("/backups/monday");
    db.checkpoint(&checkpoint).unwrap();
    let rebooted = fs.crash();
    drop(db);

    let db = open(&rebooted).unwrap();
    assert_eq!(
        db.get("acknowledged").unwrap(),
        Some("under Full".into()),
        "the database directory was lost"
    );
    let copy = StorageEngine::open(StorageConfig {
        data_dir: checkpoint,
        ..config(&rebooted)
    })
    .unwrap();
    assert_eq!(
        copy.get("acknowledged").unwrap(),
        Some("under Full".into()),
        "the checkpoint directory was lost"
    );
}
