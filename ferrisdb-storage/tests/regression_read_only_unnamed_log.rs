//! A read-only open of a database whose writer's `open` stopped (crashed,
//! or is still running in another process) between storing the manifest
//! that retires the replayed logs and naming its new log: the manifest
//! names log N, which is there only as `N.wal.tmp` and holds no write.
//! The writer's own `open` accepts that state; the reader refused it as a
//! missing log ("restore it from a backup"), and since the writer does not
//! store a manifest to name its log, the load's retry rule never retried.
//! Its `verify` reported the log missing too.

mod common;

use common::{dir, full_sync_config};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::manifest;
use ferrisdb_storage::{RecoveryMode, StorageEngine};

const WRITES: usize = 8;

fn key(i: usize) -> String {
    format!("key{i:02}")
}

/// Whether the manifest of `fs` names a log that is there under its
/// temporary name only.
fn unnamed(fs: &FaultFileSystem) -> bool {
    let Ok(Some(state)) = manifest::load(fs, &dir()) else {
        return false;
    };
    let names = fs.list(&dir()).unwrap();
    !names.contains(&format!("{:06}.wal", state.log_number))
        && names.contains(&format!("{:06}.wal.tmp", state.log_number))
}

#[test]
fn a_reader_opens_a_database_whose_writer_stopped_before_naming_its_log() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..WRITES {
        db.put(key(i), vec![b'v'; 100]).unwrap();
    }
    let base = fs.crash();
    drop(db);
    let total = {
        let fs = base.fork();
        drop(StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap());
        fs.total_operations()
    };
    let mut states = 0;
    for k in 1..=total {
        let fs = base.fork();
        fs.crash_after(k);
        if let Ok(db) = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())) {
            drop(db);
        }
        let fs = fs.crash();
        if !unnamed(&fs) {
            continue;
        }
        states += 1;
        let reader = StorageEngine::open_read_only(full_sync_config(&fs, RecoveryMode::default()))
            .unwrap_or_else(|e| panic!("lost power after operation {k}: read-only open: {e}"));
        for i in 0..WRITES {
            assert!(
                reader.get(key(i)).unwrap().is_some(),
                "lost power after operation {k}: the reader lost {}",
                key(i)
            );
        }
        reader.catch_up().unwrap();
        let report = reader.verify().unwrap();
        assert!(
            report.damage.is_empty(),
            "lost power after operation {k}: verify: {:?}",
            report.damage
        );
        drop(reader);
        // The writer opens it too, whole.
        let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
        assert!(db.get(key(0)).unwrap().is_some());
    }
    assert!(
        states > 0,
        "no open stopped between its manifest and naming its log"
    );
}
