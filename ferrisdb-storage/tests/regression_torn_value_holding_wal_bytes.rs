//! Regression, found by the adversarial review of issue 14 (recovery modes): a crash that tears a write whose
//! value holds the bytes of a FerrisDB log is refused as corruption.
//!
//! A torn tail is told from corruption by the durable lengths of the valid
//! records found after the damage, and the reader looks for them at every
//! byte offset. Nothing ties a record to its file or its position, so the
//! surviving bytes of a torn record whose value embeds WAL records (a backup
//! of a FerrisDB directory stored in a FerrisDB database, a log shipped as a
//! value) supply records whose durable lengths exceed the damage offset. The
//! format spec calls this "only possible if user data embeds one on
//! purpose"; storing a file is not an attack. The crash state here is the
//! plainest there is, what `FaultFileSystem`'s torn writes produce: every
//! synced byte, then a prefix of the one unacknowledged write. The default
//! mode refuses it.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};

mod common;

use common::log_records;

fn config(fs: &FaultFileSystem, dir: &str) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        wal_recovery_mode: RecoveryMode::TolerateCorruptedTail,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(PathBuf::from(dir))
    }
}

#[test]
fn a_torn_write_of_a_value_holding_log_bytes_is_a_torn_tail() {
    let fs = FaultFileSystem::new();
    // A log of another database, written under SyncMode::Full.
    let other = StorageEngine::open(config(&fs, "/other")).unwrap();
    for i in 0..2000 {
        other.put(format!("o{i:04}"), vec![b'o'; 80]).unwrap();
    }
    drop(other);
    let (_, other_log) = wal_files(&fs, &PathBuf::from("/other"))
        .unwrap()
        .pop()
        .unwrap();
    let backup = fs.read_all(&other_log).unwrap()[..150_000].to_vec();

    // This database acknowledges a small write, then the power goes while
    // it writes the backup as a value: the log keeps a prefix of it.
    let db = StorageEngine::open(config(&fs, "/db")).unwrap();
    db.put("small", "acknowledged").unwrap();
    let (_, log) = wal_files(&fs, &PathBuf::from("/db"))
        .unwrap()
        .pop()
        .unwrap();
    let synced = log_records(&fs, &log).len();
    db.put("backup", &backup).unwrap();
    let written = log_records(&fs, &log);
    // The crash comes before the close, which would seal the log and record
    // its length in the manifest: keep the manifest of before the close.
    let manifest = PathBuf::from("/db/MANIFEST");
    let unclosed = fs.read_all(&manifest).unwrap();
    drop(db);
    let torn = synced + (written.len() - synced) * 3 / 5;
    for (path, bytes) in [(&log, &written[..torn]), (&manifest, &unclosed[..])] {
        let mut file = fs.create(path).unwrap();
        file.append(bytes).unwrap();
        file.sync().unwrap();
    }

    match StorageEngine::open(config(&fs, "/db")) {
        Ok(db) => {
            assert!(db.get("small").unwrap().is_some());
            assert!(db.get("backup").unwrap().is_none());
        }
        Err(e) => {
            panic!("the default mode refused a crash that tore the one unacknowledged write: {e}")
        }
    }
}
