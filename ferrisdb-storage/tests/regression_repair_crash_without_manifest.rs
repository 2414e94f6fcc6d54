//! A power loss in the middle of a repair of a database without a
//! manifest: the tables the repair had written and synced stayed, listed by
//! no manifest, and the next repair read them as the database's own. Their
//! newest timestamp, a write taken from the log, made it skip the log's
//! older writes, a delete among them, and the deleted key came back from the
//! table the delete had hidden it in.
//!
//! Repair now records the first file number it gives out in its journal,
//! `REPAIR`, before it writes a file (`engine/repair/journal.rs`), and the
//! next repair sets aside what a repair cut short wrote. Two repairs cut
//! short in a row: `regression_repair_journal_overwritten.rs`.

mod repair_common;

use ferrisdb_storage::fs::FileSystem;
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
fn a_repair_cut_short_at_any_step_repairs_again_to_the_same_database() {
    let base = without_manifest();
    let (repaired, steps) = repaired_whole(&base, small);
    let expected = keys(&StorageEngine::open(small(&repaired)).unwrap());
    assert!(!expected.iter().any(|(k, _)| k == "a30"));
    for k in 1..steps {
        let rebooted = cut_short_at(&base, k, small);
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
