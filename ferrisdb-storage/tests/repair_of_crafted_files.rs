//! Repair among files that are not what their names say (a table of zero
//! bytes, a log with only garbage, a table of garbage, a MANIFEST that is a
//! directory), and of a database whose dropped keyspace's writes are still
//! in its log: never a panic, nothing of another file lost, nothing of the
//! dropped keyspace back when the manifest says it was dropped; a file
//! numbered at or near the limit of file numbers refused, changing nothing.

mod repair_common;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::StorageEngine;
use repair_common::*;

#[test]
fn garbage_named_like_tables_and_logs_is_moved_and_the_rest_kept() {
    for manifest in [true, false] {
        let fs = FaultFileSystem::new();
        let model = build(&fs, &dir());
        if !manifest {
            fs.remove(&dir().join("MANIFEST")).unwrap();
        }
        rewrite(&fs, &dir().join("000900.sst"), b"");
        rewrite(&fs, &dir().join("000901.sst"), &[0xff; 5000]);
        rewrite(&fs, &dir().join("000902.wal"), b"");
        rewrite(&fs, &dir().join("000903.wal"), &[0x17; 300]);
        let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
        let db = StorageEngine::open(config(&fs, &dir())).unwrap();
        let logs = if manifest { "logs" } else { "recovered-1" };
        assert_eq!(
            contents(&db, "default"),
            model.contents["default"],
            "{report}"
        );
        assert_eq!(contents(&db, logs), model.contents["logs"], "{report}");
        for name in ["000900.sst", "000901.sst", "000902.wal", "000903.wal"] {
            assert!(
                report.moved.iter().any(|m| m.from.ends_with(name)),
                "{name}: {report}"
            );
        }
        check_repaired(&fs, &db, &report);
    }
}

#[test]
fn a_manifest_that_is_a_directory_is_an_error_not_a_panic() {
    let fs = FaultFileSystem::new();
    build(&fs, &dir());
    fs.remove(&dir().join("MANIFEST")).unwrap();
    fs.create_dir_all(&dir().join("MANIFEST")).unwrap();
    let before = snapshot_of_files(&fs);
    // Either refused, changing nothing, or repaired whole.
    match StorageEngine::repair(config(&fs, &dir())) {
        Err(_) => assert_eq!(snapshot_of_files(&fs), before),
        Ok(report) => {
            let db = StorageEngine::open(config(&fs, &dir())).unwrap();
            check_repaired(&fs, &db, &report);
        }
    }
}

fn snapshot_of_files(fs: &FaultFileSystem) -> Vec<(String, Vec<u8>)> {
    fs.list(&dir())
        .unwrap()
        .into_iter()
        .filter_map(|n| fs.read_all(&dir().join(&n)).ok().map(|b| (n, b)))
        .collect()
}

#[test]
fn a_dropped_keyspace_stays_dropped_when_the_manifest_is_read() {
    let built = FaultFileSystem::new();
    build(&built, &dir());
    let db = StorageEngine::open(config(&built, &dir())).unwrap();
    let gone = db.keyspace("gone").unwrap();
    gone.put("g1", "v").unwrap();
    db.put("after", "v").unwrap();
    db.sync_wal().unwrap();
    drop(gone);
    db.drop_keyspace("gone").unwrap();
    db.sync_wal().unwrap();
    // The files as the running process has them: the writes in the log.
    let fs = built.fork();
    drop(db);
    let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    assert_eq!(db.keyspaces(), ["default", "logs"], "{report}");
    assert!(db.get("after").unwrap().is_some(), "{report}");
    check_repaired(&fs, &db, &report);
}

#[test]
fn a_file_numbered_at_or_near_the_limit_is_refused_changing_nothing() {
    // i64::MAX is MAX_FILE_NUMBER, a number FerrisDB never gives out; a
    // thousand below it leaves the numbers `open` keeps for itself too few:
    // a repair numbering on from there would write a database that `open`
    // refuses.
    for (name, names_the_file) in [
        ("9223372036854775807.sst", true),
        ("9223372036854774807.wal", false),
    ] {
        for manifest in [true, false] {
            let fs = FaultFileSystem::new();
            build(&fs, &dir());
            if !manifest {
                fs.remove(&dir().join("MANIFEST")).unwrap();
            }
            rewrite(&fs, &dir().join(name), b"not a table");
            let before = snapshot_of_files(&fs);
            let error = StorageEngine::repair(config(&fs, &dir())).unwrap_err();
            let message = error.to_string();
            assert!(message.contains("used up") || names_the_file, "{message}");
            if names_the_file {
                assert!(message.contains(name), "{message}");
            }
            assert_eq!(snapshot_of_files(&fs), before, "{name}: {message}");
        }
    }
}
