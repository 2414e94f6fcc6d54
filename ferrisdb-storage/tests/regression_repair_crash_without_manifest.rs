//! A power loss in the middle of a repair of a database without a
//! manifest: the tables the repair had written and synced stayed, listed by
//! no manifest, and the next repair read them as the database's own. Their
//! newest timestamp, a write taken from the log, made it skip the log's
//! older writes, a delete among them, and the deleted key came back from the
//! table the delete had hidden it in.
//!
//! Repair now records the first file number it gives out in its journal,
//! `REPAIR`, before it writes a file (`engine/repair/journal.rs`), and the
//! next repair sets aside what a repair cut short wrote.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
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

/// A journal left by a repair that stored its manifest (a power loss
/// between the two) sets nothing aside: the manifest lists what it names.
/// The next open removes it.
#[test]
fn a_journal_left_after_the_manifest_sets_nothing_aside_and_open_removes_it() {
    let fs = without_manifest();
    StorageEngine::repair(small(&fs)).unwrap();
    let expected = keys(&StorageEngine::open(small(&fs)).unwrap());
    let journal = dir().join("REPAIR");
    assert!(
        !fs.exists(&journal).unwrap(),
        "a finished repair keeps no journal"
    );
    // Every file is numbered from 1 on: the journal names them all.
    rewrite(&fs, &journal, b"1\n");
    let report = StorageEngine::repair(small(&fs)).unwrap();
    assert!(report.is_complete(), "{report}");
    let db = StorageEngine::open(small(&fs)).unwrap();
    assert_eq!(keys(&db), expected);
    db.close().unwrap();
    rewrite(&fs, &journal, b"1\n");
    let db = StorageEngine::open(small(&fs)).unwrap();
    assert!(!fs.exists(&journal).unwrap(), "open removes the journal");
    assert_eq!(keys(&db), expected);
}

/// Two repairs cut short in a row, the second before it moved the first's
/// output: the third sets aside both, since the second's journal starts
/// where the first's did.
#[test]
fn two_repairs_cut_short_in_a_row_leave_both_outputs_set_aside() {
    let base = without_manifest();
    let tables = |fs: &FaultFileSystem| {
        let names = fs.list(&dir()).unwrap();
        names.iter().filter(|n| n.ends_with(".sst")).count()
    };
    let (steps, expected) = {
        let fs = base.fork();
        let start = fs.total_operations();
        StorageEngine::repair(small(&fs)).unwrap();
        let steps = fs.total_operations() - start;
        (steps, keys(&StorageEngine::open(small(&fs)).unwrap()))
    };
    // The first repair cut short where tables it wrote are durable.
    let left_tables: Vec<u64> = (1..steps)
        .filter(|&k| {
            let fs = base.fork();
            fs.crash_after(fs.total_operations() + k);
            let _ = StorageEngine::repair(small(&fs));
            tables(&fs.crash()) > tables(&base)
        })
        .collect();
    assert!(
        !left_tables.is_empty(),
        "no crash point leaves the first repair's tables"
    );
    let mut seconds = 0;
    for first in [left_tables[0], left_tables[left_tables.len() - 1]] {
        for second in 1..steps {
            let fs = base.fork();
            fs.crash_after(fs.total_operations() + first);
            assert!(StorageEngine::repair(small(&fs)).is_err());
            let fs = fs.crash();
            fs.crash_after(fs.total_operations() + second);
            if StorageEngine::repair(small(&fs)).is_ok() {
                continue;
            }
            seconds += 1;
            let fs = fs.crash();
            let report = StorageEngine::repair(small(&fs))
                .unwrap_or_else(|e| panic!("after {first} and {second}: {e}"));
            let db = StorageEngine::open(small(&fs)).unwrap();
            assert_eq!(keys(&db), expected, "after {first} and {second}: {report}");
        }
    }
    assert!(seconds > 0);
}
