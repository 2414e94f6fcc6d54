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

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

mod common;

use common::{fault_config, log_paths, writes_left_in_logs, Ending};

/// The database's logs, oldest first.
fn key(i: usize) -> String {
    format!("key{i:03}")
}

#[test]
fn regression_older_log_cut_at_record_boundary_loses_writes() {
    let fs = FaultFileSystem::new();
    let config = StorageConfig {
        // Small logs, so the puts below fill several, all kept by
        // `writes_left_in_logs`.
        wal_max_file_size: 8 << 10,
        ..fault_config(&fs, RecoveryMode::default())
    };
    let mut cut = Vec::new();
    let fs = writes_left_in_logs(&fs, config.clone(), Ending::Close, |db| {
        for i in 0..5 {
            db.put(key(i), vec![b'v'; 500]).unwrap();
        }
        // The first log as it was after five puts: a prefix ending at a
        // record boundary (every put is handed to the file system before it
        // returns).
        cut = fs.read_all(&log_paths(&fs)[0]).unwrap();
        for i in 5..60 {
            db.put(key(i), vec![b'v'; 500]).unwrap();
        }
    });
    let first = log_paths(&fs).remove(0);
    assert!(log_paths(&fs).len() >= 3, "{:?}", log_paths(&fs));
    let whole = fs.read_all(&first).unwrap();
    assert!(
        whole.len() > cut.len() + 1_000,
        "later puts went to the first log too"
    );
    let mut file = fs.create(&first).unwrap();
    file.append(&cut).unwrap();
    file.sync().unwrap();

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
