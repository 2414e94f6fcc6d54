//! `verify_with_progress` and `repair_with_progress` tell how many bytes
//! of the database's files they have read, of how many: done never falls
//! back or passes the total, and ends at it, which counts every live table
//! and log (verify) or every table twice and every log once (repair).

mod repair_common;

use std::collections::BTreeMap;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{Progress, RepairOptions, StorageEngine};
use repair_common::*;

/// Checks the steps told and returns the last.
fn check_steps(steps: &[Progress]) -> Progress {
    let last = *steps.last().expect("progress was told");
    for pair in steps.windows(2) {
        assert!(pair[1].done >= pair[0].done, "{steps:?}");
        assert!(pair[1].total >= pair[0].total, "{steps:?}");
    }
    for step in steps {
        assert!(step.done <= step.total, "{steps:?}");
    }
    assert_eq!(last.done, last.total, "{steps:?}");
    last
}

/// The sizes of the files in the database directory, by name.
fn sizes(fs: &FaultFileSystem) -> BTreeMap<String, u64> {
    snapshot_of(fs, &dir())
        .into_iter()
        .map(|(name, bytes)| (name, bytes.len() as u64))
        .collect()
}

#[test]
fn verify_counts_every_live_table_and_log() {
    let fs = FaultFileSystem::new();
    build(&fs, &dir());
    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    let mut steps = Vec::new();
    let report = db.verify_with_progress(&mut |p| steps.push(p)).unwrap();
    assert!(report.is_intact(), "{report}");
    let last = check_steps(&steps);
    assert!(last.total >= report.table_bytes, "{last:?} {report}");
    // The tables, then at least the log being written (its header).
    assert!(last.total > report.table_bytes, "{last:?} {report}");
    assert!(steps.len() > report.tables, "{steps:?}");
}

#[test]
fn repair_counts_every_table_twice_and_every_log_once() {
    for manifest in [true, false] {
        let fs = FaultFileSystem::new();
        build(&fs, &dir());
        if !manifest {
            fs.remove(&dir().join("MANIFEST")).unwrap();
        }
        let before = sizes(&fs);
        let mut steps = Vec::new();
        let report = StorageEngine::repair_with_progress(
            config(&fs, &dir()),
            RepairOptions::default(),
            &mut |p| steps.push(p),
        )
        .unwrap();
        let last = check_steps(&steps);
        let size = |suffix: &str| -> u64 {
            before
                .iter()
                .filter(|(name, _)| name.ends_with(suffix))
                .map(|(_, size)| size)
                .sum()
        };
        if manifest {
            // Only the listed tables and the logs the manifest needs.
            assert!(last.total <= 2 * size(".sst") + size(".wal"), "{last:?}");
            assert!(last.total > 0, "{last:?}");
        } else {
            assert_eq!(last.total, 2 * size(".sst") + size(".wal"), "{report}");
        }
    }
}
