//! Regression, found by the adversarial review of issue 14 (recovery modes): a log whose header names another
//! file number is replayed as if it were the log its name says.
//!
//! `docs/format/wal.md` ("Why this design") says the header's file number
//! "ties the content to its name", and the header check is where recovery
//! would notice a log that is not the one it expects. Neither `WalReader`
//! nor recovery compares the two. A log replaced by a copy of another one
//! (a mistaken restore, a file system that put the wrong blocks under a
//! name) replays the other log's writes again and silently loses its own,
//! in every mode, `AbsoluteConsistency` included. (When the copy's writes
//! are still in the MemTable being replayed, `open` fails instead, with
//! `InvalidArgument` "duplicate entry", which names neither file nor offset.)

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config};

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_max_file_size: 4 << 10,
        ..fault_config(fs, mode)
    }
}

#[test]
fn a_log_whose_header_names_another_file_is_not_replayed_silently() {
    let fs = FaultFileSystem::new();
    // Session 1 writes one log and closes; keep a copy of that log.
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    for i in 1..=5 {
        db.put(format!("a{i}"), "first session").unwrap();
    }
    db.close().unwrap();
    let (_, first_log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let old_copy = fs.read_all(&first_log).unwrap();
    // Session 2 moves it into a table, deletes it, and writes more logs.
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    for i in 1..=30 {
        db.put(format!("n{i:02}"), vec![i as u8; 500]).unwrap();
    }
    db.close().unwrap();
    let (newest_number, newest) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    // The newest log's name now holds the old log (a mistaken restore).
    let mut file = fs.create(&newest).unwrap();
    file.append(&old_copy).unwrap();
    file.sync().unwrap();
    drop(file);
    // The reader itself refuses it, naming both numbers.
    let err = WalReader::open(&fs, &newest, RecoveryMode::AbsoluteConsistency).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert!(
        err.to_string()
            .contains(&format!("named for log {newest_number}")),
        "{err}"
    );

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        match StorageEngine::open(config(&fs.fork(), mode)) {
            Err(e) => assert!(e.is_corruption(), "{mode:?}: {e}"),
            Ok(db) => panic!(
                "{mode:?} replayed {} although its header names another file; the writes \
                 the log held are gone (n30 present = {})",
                newest.display(),
                db.get("n30").unwrap().is_some()
            ),
        }
    }
}
