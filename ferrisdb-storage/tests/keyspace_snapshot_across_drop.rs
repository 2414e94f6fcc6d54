//! "Scans and snapshots that are already open keep
//! reading [a dropped keyspace] until they end" — the scan half is
//! `keyspace_drop.rs`'s; this is the snapshot half, with the keyspace's
//! data in a table and in its MemTable, the background purge of the drop
//! done, and the name re-created after the snapshot (empty through the
//! snapshot, the old handle still reading the old keyspace). The files stay
//! until the snapshot and the handle are gone.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::filename::table_file_name;
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::string_pairs;

#[test]
fn a_snapshot_taken_before_a_drop_reads_the_dropped_keyspace() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let log = db.keyspace("log").unwrap();
    log.put("e:1", "in a table").unwrap();
    db.flush().unwrap();
    log.put("e:2", "in the MemTable").unwrap();
    let files: Vec<PathBuf> = log
        .live_tables()
        .iter()
        .map(|t| Path::new("/db").join(table_file_name(t.file_number)))
        .collect();
    let snapshot = db.snapshot().unwrap();
    log.put("e:3", "after the snapshot").unwrap();

    db.drop_keyspace("log").unwrap();
    let again = db.keyspace("log").unwrap();
    again.put("e:1", "new keyspace").unwrap();
    db.flush().unwrap();
    db.compact().unwrap();
    db.wait_for_compactions().unwrap();

    let read: Vec<(String, String)> = string_pairs(snapshot.iter_in(&log).unwrap());
    assert_eq!(
        read,
        [
            ("e:1".to_owned(), "in a table".to_owned()),
            ("e:2".to_owned(), "in the MemTable".to_owned())
        ]
    );
    assert_eq!(
        snapshot.get_in(&log, "e:2").unwrap().as_deref(),
        Some(&b"in the MemTable"[..])
    );
    assert_eq!(snapshot.get_in(&again, "e:1").unwrap(), None, "made after");
    assert_eq!(snapshot.iter_in(&again).unwrap().count(), 0);
    assert_eq!(
        again.get("e:1").unwrap().as_deref(),
        Some(&b"new keyspace"[..])
    );
    for file in &files {
        assert!(
            fs.files().contains(file),
            "{} went under the snapshot",
            file.display()
        );
    }
    drop(snapshot);
    drop(log);
    for file in &files {
        assert!(!fs.files().contains(file), "{} stayed", file.display());
    }
    db.close().unwrap();
}
