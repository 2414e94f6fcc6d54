//! A power loss at every step of a repair (of a database with a truncated
//! table): repair again, and the database holds what an uninterrupted
//! repair gives, and the damaged table's bytes are still somewhere (in the
//! directory or in `lost/`): repair deletes nothing, even cut short.

mod repair_common;

use std::path::Path;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use repair_common::*;

/// Whether a file of `dir` or of its `lost/` holds exactly `bytes`.
fn kept_somewhere(fs: &FaultFileSystem, dir: &Path, bytes: &[u8]) -> bool {
    [dir.to_path_buf(), dir.join("lost")].iter().any(|d| {
        fs.list(d)
            .unwrap_or_default()
            .iter()
            .any(|n| fs.read_all(&d.join(n)).is_ok_and(|b| b == bytes))
    })
}

/// The built database with its largest table cut 8 bytes short, and the
/// bytes that table has left.
fn damaged() -> (FaultFileSystem, Vec<u8>) {
    let fs = FaultFileSystem::new();
    build(&fs, &dir());
    let table = cut_largest_table(&fs, |len| len - 8);
    fs.sync_dir(&dir()).unwrap();
    let cut = fs.read_all(&table_path(&table)).unwrap();
    (fs, cut)
}

/// The configuration of these scenarios.
fn settings(fs: &FaultFileSystem) -> StorageConfig {
    config(fs, &dir())
}

#[test]
fn a_repair_cut_short_at_any_step_repairs_again_to_the_same_database() {
    let (base, table) = damaged();
    let (steps, default, logs) = {
        let (fs, steps) = repaired_whole(&base, settings);
        let db = StorageEngine::open(config(&fs, &dir())).unwrap();
        (steps, contents(&db, "default"), contents(&db, "logs"))
    };
    for k in 1..steps {
        let rebooted = cut_short_at(&base, k, settings);
        assert!(
            kept_somewhere(&rebooted, &dir(), &table),
            "step {k}: the damaged table is gone"
        );
        let report = StorageEngine::repair(config(&rebooted, &dir()))
            .unwrap_or_else(|e| panic!("step {k}: the second repair failed: {e}"));
        let db = StorageEngine::open(config(&rebooted, &dir())).unwrap();
        assert_eq!(contents(&db, "default"), default, "step {k}\n{report}");
        assert_eq!(contents(&db, "logs"), logs, "step {k}\n{report}");
        assert!(db.verify().unwrap().is_intact(), "step {k}");
        assert!(kept_somewhere(&rebooted, &dir(), &table), "step {k}");
    }
}

#[test]
fn a_repair_cut_short_then_opened_keeps_the_damaged_table() {
    let (base, table) = damaged();
    let (_, steps) = repaired_whole(&base, settings);
    for k in 1..steps {
        let rebooted = cut_short_at(&base, k, settings);
        // Opened as it is, when it opens: repair said it deletes nothing.
        if let Ok(db) = StorageEngine::open(config(&rebooted, &dir())) {
            db.close().unwrap();
        }
        assert!(
            kept_somewhere(&rebooted, &dir(), &table),
            "step {k} of {steps}: the open after a repair cut short deleted the damaged table"
        );
    }
}
