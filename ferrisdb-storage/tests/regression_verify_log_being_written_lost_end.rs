//! Regression, found by the adversarial review of issue 23: `verify` calls
//! a database intact whose log being written lost its end at a record
//! boundary, or is gone altogether.
//!
//! `verify` reads the log being written up to where the writer stood when
//! it began, and calls damage only what the reader finds damaged before that
//! offset. A log cut exactly at a record boundary (or its name gone) shows
//! the reader no damage at all: it simply ends early, or is not listed. The
//! writes it held are acknowledged, and the next `open` after a crash
//! replays the log as it is on disk, without them, and without an error:
//! nothing after the cut tells that it is missing. The engine knows where
//! its writer stood; what is on disk must reach it.

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{RecoveryMode, WalReader};
use ferrisdb_storage::StorageEngine;

mod common;
mod verify_common;

use common::{dir, log_paths, replace_file};
use verify_common::{config, populated};

/// The database of the `verify_*` scenarios with 20 more writes in the log
/// being written, handed to the OS; returns it and that log's path.
fn with_writes_in_the_newest_log(fs: &FaultFileSystem) -> (StorageEngine, std::path::PathBuf) {
    let db = populated(fs);
    let hot = db.keyspace("hot").unwrap();
    for i in 0..20 {
        hot.put(format!("z{i:02}"), "in the last log").unwrap();
    }
    db.sync_wal().unwrap();
    let newest = log_paths(fs).pop().unwrap();
    (db, newest)
}

#[test]
fn a_log_being_written_cut_at_a_record_boundary_is_damage() {
    let fs = FaultFileSystem::new();
    let (db, newest) = with_writes_in_the_newest_log(&fs);
    let mut reader = WalReader::open(&fs, &newest, RecoveryMode::AbsoluteConsistency).unwrap();
    let offsets: Vec<u64> = reader.by_ref().map(|r| r.unwrap().offset).collect();
    assert!(offsets.len() >= 20, "{} records", offsets.len());
    // The last ten records gone, cut where one starts.
    let cut = offsets[offsets.len() - 10];
    let bytes = fs.read_all(&newest).unwrap();
    replace_file(&fs, &newest, &bytes[..cut as usize]);
    fs.sync_dir(&dir()).unwrap();

    let report = db.verify().unwrap();
    assert_eq!(report.damage.len(), 1, "{report}");
    assert_eq!(report.damage[0].file, newest, "{report}");
    assert_eq!(report.damage[0].offset, cut, "{report}");

    // What verify must call damage: a crash now, and the next open loses
    // the acknowledged writes after the cut, silently.
    let crashed = fs.crash();
    drop(db);
    let reopened = StorageEngine::open(config(&crashed)).unwrap();
    let hot = reopened.keyspace("hot").unwrap();
    assert!(hot.get("z00").unwrap().is_some());
    assert!(hot.get("z19").unwrap().is_none());
}

#[test]
fn a_missing_log_being_written_is_damage() {
    let fs = FaultFileSystem::new();
    let (db, newest) = with_writes_in_the_newest_log(&fs);
    fs.remove(&newest).unwrap();
    let report = db.verify().unwrap();
    assert_eq!(report.damage.len(), 1, "{report}");
    assert_eq!(report.damage[0].file, newest, "{report}");
}
