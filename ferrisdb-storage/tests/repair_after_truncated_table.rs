//! Repair after a table was cut in half (its footer, index and properties
//! lost with its second half): the data blocks before the cut are found by
//! their checksums and kept, the table's key range is reported as affected
//! (its range tombstones, if it had any, are lost too), and the original
//! goes to `lost/`. Every key outside the affected range is as it was; no
//! value is one its key never had. A strict repair refuses and changes
//! nothing.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{Error, RepairOptions, StorageEngine};
use repair_common::*;

#[test]
fn a_truncated_table_keeps_its_readable_blocks_and_names_its_range() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    let table = cut_largest_table(&fs, |len| len / 2);
    let name = format!("{:06}.sst", table.file_number);

    let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
    let range = report
        .affected
        .iter()
        .find(|r| r.file.ends_with(&name))
        .unwrap_or_else(|| panic!("no affected range names {name}: {report}"));
    assert_eq!(range.keyspace.as_deref(), Some("default"), "{report}");
    assert_eq!(
        range.start.as_deref(),
        Some(table.smallest.user_key.as_slice())
    );
    assert_eq!(
        range.end.as_deref(),
        Some(table.largest.user_key.as_slice())
    );
    assert!(
        report.moved.iter().any(|m| m.from.ends_with(&name)),
        "{report}"
    );

    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    check_keyspace(&db, &model, &report, "default", "default");
    check_keyspace(&db, &model, &report, "logs", "logs");
    // Half of the table was readable: some of its keys came back.
    let kept = contents(&db, "default")
        .keys()
        .filter(|k| affected(&report.affected, "default", k))
        .count();
    assert!(
        kept > 0,
        "nothing of the truncated table was kept: {report}"
    );
    check_repaired(&fs, &db, &report);
}

#[test]
fn a_strict_repair_of_a_truncated_table_refuses_and_changes_nothing() {
    let fs = FaultFileSystem::new();
    build(&fs, &dir());
    let table = cut_largest_table(&fs, |len| len / 2);
    let before = snapshot_of(&fs, &dir());

    match StorageEngine::repair_with(config(&fs, &dir()), RepairOptions::strict()) {
        Err(Error::Corruption { file, .. }) => {
            assert!(
                file.ends_with(format!("{:06}.sst", table.file_number)),
                "{file:?}"
            )
        }
        other => panic!("expected the strict refusal, got {other:?}"),
    }
    assert_eq!(
        snapshot_of(&fs, &dir()),
        before,
        "a strict refusal changed files"
    );
    assert!(!fs.exists(&dir().join("lost")).unwrap());
}
