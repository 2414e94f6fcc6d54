//! Repair after the MANIFEST was deleted: every table and log of the
//! directory is read, the newest version of each key decided by its
//! timestamp, and the database opens again holding exactly what it held,
//! its second keyspace under the name `recovered-1` (names live only in
//! the manifest). Nothing is affected, so a strict repair does the same.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{ManifestUse, RepairOptions, StorageEngine};
use repair_common::*;

#[test]
fn a_database_whose_manifest_was_deleted_is_rebuilt_whole() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    fs.remove(&dir().join("MANIFEST")).unwrap();
    assert!(StorageEngine::open(config(&fs, &dir())).is_err());

    let report = StorageEngine::repair_with(config(&fs, &dir()), RepairOptions::strict()).unwrap();
    assert!(
        matches!(report.manifest, ManifestUse::Rebuilt(_)),
        "{report}"
    );
    assert!(report.is_complete(), "{report}");
    assert!(report.tables_read >= 2 && report.logs_read >= 1, "{report}");
    assert!(!report.moved.is_empty(), "{report}");

    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    assert_eq!(db.keyspaces(), ["default", "recovered-1"]);
    assert_eq!(contents(&db, "default"), model.contents["default"]);
    assert_eq!(contents(&db, "recovered-1"), model.contents["logs"]);
    check_repaired(&fs, &db, &report);
}

#[test]
fn a_repaired_database_repairs_again_to_the_same_contents() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    fs.remove(&dir().join("MANIFEST")).unwrap();
    StorageEngine::repair(config(&fs, &dir())).unwrap();
    // With its manifest this time: its keyspaces' names are kept.
    let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
    assert_eq!(report.manifest, ManifestUse::Read);
    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    assert_eq!(contents(&db, "default"), model.contents["default"]);
    assert_eq!(contents(&db, "recovered-1"), model.contents["logs"]);
    // The second repair's moves did not overwrite the first's.
    check_repaired(&fs, &db, &report);
}

#[test]
fn a_directory_without_a_database_is_refused_and_left_as_it_was() {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    let error = StorageEngine::repair(config(&fs, &dir())).unwrap_err();
    assert!(
        error.to_string().contains("no database to repair"),
        "{error}"
    );
    assert!(!fs.exists(&dir().join("MANIFEST")).unwrap());
}
