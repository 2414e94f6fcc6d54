//! A power loss in the middle of a repair of a database without a
//! manifest: the tables the repair had written and synced stayed, listed by
//! no manifest, and the next repair read them as the database's own. Their
//! newest timestamp, a write taken from the log, made it skip the log's
//! older writes, a delete among them, and the deleted key came back from the
//! table the delete had hidden it in.
//!
//! Ignored until repair tells its own unfinished output from the database's
//! tables (for example by writing them under temporary names and naming
//! them in one step the next repair can tell done or not): a guard removes
//! them on an error or a panic, not on a power loss.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use repair_common::*;

/// Small tables, so that the repaired run is several, the first written
/// long before the merge ends.
fn small(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        target_file_size: 4 << 10,
        ..config(fs, &dir())
    }
}

/// Each key of `db`'s default keyspace, with its value's first byte.
fn keys(db: &StorageEngine) -> Vec<(String, u8)> {
    contents(db, "default")
        .into_iter()
        .map(|(k, v)| (String::from_utf8(k).unwrap(), v[0]))
        .collect()
}

/// A table of 40 keys of 1000-byte values; then, only in the log, a delete
/// of one of them and a newer value of a key before it; no manifest.
fn without_manifest() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(small(&fs)).unwrap();
    for i in 0..40 {
        db.put(format!("a{i:02}"), vec![b'1'; 1000]).unwrap();
    }
    db.flush().unwrap();
    db.delete("a30").unwrap();
    db.put("a01", vec![b'2'; 1000]).unwrap();
    db.close().unwrap();
    fs.remove(&dir().join("MANIFEST")).unwrap();
    fs.sync_dir(&dir()).unwrap();
    fs
}

#[test]
#[ignore = "fails: a repair cut short without a manifest resurrects a deleted key (issue 23)"]
fn a_repair_cut_short_at_any_step_repairs_again_to_the_same_database() {
    let base = without_manifest();
    let (steps, expected) = {
        let fs = base.fork();
        let start = fs.total_operations();
        StorageEngine::repair(small(&fs)).unwrap();
        let steps = fs.total_operations() - start;
        let db = StorageEngine::open(small(&fs)).unwrap();
        (steps, keys(&db))
    };
    assert!(!expected.iter().any(|(k, _)| k == "a30"));
    for k in 1..steps {
        let fs = base.fork();
        fs.crash_after(fs.total_operations() + k);
        assert!(StorageEngine::repair(small(&fs)).is_err());
        let rebooted = fs.crash();
        let report = StorageEngine::repair(small(&rebooted))
            .unwrap_or_else(|e| panic!("step {k}: the second repair failed: {e}"));
        let db = StorageEngine::open(small(&rebooted)).unwrap();
        assert_eq!(keys(&db), expected, "step {k} of {steps}: {report}");
    }
}
