//! Repair after a log was damaged in the middle: the records before the
//! damage and those after it are kept (each was an acknowledged write), the
//! damaged record's writes are lost, and the report names the log, as
//! affecting any key (a lost record's keys are unknown). Every key the
//! damaged records did not write is as it was.

mod common;
mod repair_common;

use common::newest_log;
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use repair_common::*;

#[test]
fn a_log_damaged_in_the_middle_keeps_the_records_on_both_sides() {
    let fs = FaultFileSystem::new();
    let model = build(&fs, &dir());
    let (_, log) = newest_log(&fs);
    let mut bytes = fs.read_all(&log).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x55;
    rewrite(&fs, &log, &bytes);
    // The engine refuses the damaged log rather than lose what follows.
    let refused = StorageEngine::open(StorageConfig {
        create_if_missing: false,
        ..config(&fs, &dir())
    });
    assert!(refused.is_err());

    let report = StorageEngine::repair(config(&fs, &dir())).unwrap();
    let damage = report
        .affected
        .iter()
        .find(|r| r.file == log)
        .unwrap_or_else(|| panic!("the damaged log is not reported: {report}"));
    assert_eq!(damage.keyspace, None);
    assert!(report.moved.iter().any(|m| m.from == log), "{report}");

    let db = StorageEngine::open(config(&fs, &dir())).unwrap();
    for name in ["default", "logs"] {
        let repaired = contents(&db, name);
        let mut expected = model.contents[name].clone();
        // The tail's writes the damage took: one batch, or two if the
        // damage is where one record's fragment meets the next.
        let lost: Vec<&Vec<u8>> = model
            .tail
            .iter()
            .filter(|(k, key)| k == name && !repaired.contains_key(key))
            .map(|(_, key)| key)
            .collect();
        assert!(lost.len() <= 2, "{name}: {} tail writes lost", lost.len());
        for key in lost {
            expected.remove(key);
        }
        // The range delete written last in the log, after the damage, holds.
        assert_eq!(repaired, expected, "{name}\n{report}");
    }
    check_repaired(&fs, &db, &report);
}
