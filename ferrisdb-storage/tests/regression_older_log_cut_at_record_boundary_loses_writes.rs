//! Regression (issue 15, found by `wal_older_log_damage.rs`): an older log
//! cut short exactly at a record boundary, its seal and its last records
//! gone, was replayed as if complete. `open` succeeded without those
//! acknowledged writes while the writes of the later logs were there: a
//! database with a hole, and no error.
//!
//! A log is sealed, in full and durably, before the next one starts, so only
//! the newest log holding writes may end without its seal (a crash). An
//! older log without one is corruption, reported at the offset where its
//! seal should be.

use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::OsFileSystem;
use ferrisdb_storage::internals::wal::wal_files;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

/// The database's logs, oldest first.
fn logs(dir: &Path) -> Vec<PathBuf> {
    wal_files(&OsFileSystem, dir)
        .unwrap()
        .into_iter()
        .map(|(_, path)| path)
        .collect()
}

fn key(i: usize) -> String {
    format!("key{i:03}")
}

#[test]
fn regression_older_log_cut_at_record_boundary_loses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let config = StorageConfig {
        // Small logs, so the puts below fill several; the MemTable never
        // fills, so every log stays until the next open.
        wal_max_file_size: 8 << 10,
        ..StorageConfig::new(dir.path())
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    for i in 0..5 {
        db.put(key(i), vec![b'v'; 500]).unwrap();
    }
    // The first log as it was after five puts: a prefix ending at a record
    // boundary (every put is handed to the OS before it returns).
    let first = logs(dir.path()).remove(0);
    let cut = std::fs::read(&first).unwrap();
    for i in 5..60 {
        db.put(key(i), vec![b'v'; 500]).unwrap();
    }
    db.close().unwrap();
    assert!(logs(dir.path()).len() >= 3, "{:?}", logs(dir.path()));
    let whole = std::fs::read(&first).unwrap();
    assert!(
        whole.len() > cut.len() + 1_000,
        "later puts went to the first log too"
    );
    std::fs::write(&first, &cut).unwrap();

    match StorageEngine::open(config) {
        Ok(db) => {
            let missing: Vec<String> = (0..60)
                .map(key)
                .filter(|k| db.get(k).unwrap().is_none())
                .collect();
            panic!(
                "opened although an older log lost its end: acknowledged writes {missing:?} \
                 are gone while later ones are there"
            );
        }
        Err(err) => {
            assert!(err.is_corruption(), "{err}");
            let name = first.file_name().unwrap().to_str().unwrap();
            assert!(err.to_string().contains(name), "{err}");
            let offset = match err {
                Error::Corruption { offset, .. } => offset,
                other => panic!("{other}"),
            };
            assert_eq!(offset, cut.len() as u64, "reported where the log now ends");
        }
    }
}
