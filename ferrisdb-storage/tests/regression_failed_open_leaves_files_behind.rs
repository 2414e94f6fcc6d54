//! `open` creates its new log before it replays the old ones, and replay
//! writes a table each time its MemTable fills. When replay then failed (a
//! damaged record under `AbsoluteConsistency`), the open returned the error
//! but left the empty new log and the tables in the directory: a failed
//! open changed the directory, and every retry added another log.
//!
//! Now a failed open removes what it wrote that no manifest records.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine, SyncMode};

mod common;

use common::{writes_left_in_logs, Ending};

fn files(fs: &FaultFileSystem) -> BTreeSet<String> {
    fs.list(Path::new("/db")).unwrap().into_iter().collect()
}

#[test]
fn regression_failed_open_leaves_files_behind() {
    let fs = FaultFileSystem::new();
    let config = StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_sync_mode: SyncMode::Full,
        // Several logs, all kept by `writes_left_in_logs`.
        wal_max_file_size: 16 << 10,
        ..StorageConfig::new("/db")
    };
    let fs = writes_left_in_logs(&fs, config, Ending::Crash, |db| {
        for i in 0..100 {
            db.put(format!("key{i:03}"), vec![b'v'; 1000]).unwrap();
        }
    });
    // The crash may leave the half-written table of the held flush, which
    // every open removes first: it was never part of the database.
    let before: BTreeSet<String> = files(&fs)
        .into_iter()
        .filter(|name| !name.ends_with(".tmp"))
        .collect();
    let logs: Vec<&String> = before.iter().filter(|n| n.ends_with(".wal")).collect();
    assert!(logs.len() >= 4, "{before:?}");
    // Damage in the newest log, after replay has filled MemTables with the
    // older ones.
    let newest = Path::new("/db").join(logs.last().unwrap());
    fs.corrupt_reads(&newest, 200);

    let config = StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_recovery_mode: RecoveryMode::AbsoluteConsistency,
        // Replay writes a table every few records.
        memtable_size: 8 << 10,
        ..StorageConfig::new("/db")
    };
    for attempt in 0..2 {
        let error = StorageEngine::open(config.clone()).unwrap_err();
        assert!(error.is_corruption(), "{error}");
        assert_eq!(
            files(&fs),
            before,
            "attempt {attempt} changed the directory"
        );
    }
}
