//! Regression, found by the adversarial review of issue 14 (bug 4): the end of a cleanly closed log, cut off at
//! a record boundary, is not noticed in any mode.
//!
//! Bug 4 asks that "a log that was closed or synced to a known length has
//! no torn tail inside that length". The fix writes that length into the log
//! itself, as the seal at its end, so losing the end of the file loses the
//! evidence with it: a closed log whose last records and seal are gone (a
//! truncated copy or restore, a file system that lost synced bytes) reads as
//! a crashed log with no damage at all. Every mode opens it, even
//! `AbsoluteConsistency` ("any damage is an error"), without the last
//! acknowledged writes and without a warning or a count in `stats()`. Here
//! the lost record is a delete, so the deleted value comes back. (The issue's
//! second candidate, the final length of each closed log kept where
//! recovery finds it, would catch this.)

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::StorageEngine;

mod common;

use common::{dir, fault_config};

#[test]
fn a_closed_log_cut_at_a_record_boundary_is_damage() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    db.put("victim", "old value").unwrap();
    db.flush().unwrap();
    for i in 0..5 {
        db.put(format!("k{i}"), "v").unwrap();
    }
    db.delete("victim").unwrap();
    db.close().unwrap();

    let (_, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let mut reader = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency).unwrap();
    let last = reader.by_ref().last().unwrap().unwrap();
    assert!(reader.is_sealed(), "close sealed the log");
    // The delete's record and the seal after it are cut off.
    let mut bytes = fs.read_all(&log).unwrap();
    bytes.truncate(last.offset as usize);
    let mut file = fs.create(&log).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);

    let mut problems = Vec::new();
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
        RecoveryMode::PointInTimeRecovery,
    ] {
        match StorageEngine::open(fault_config(&fs.fork(), mode)) {
            Err(e) if mode != RecoveryMode::PointInTimeRecovery => {
                assert!(e.is_corruption(), "{mode:?}: {e}")
            }
            Err(e) => panic!("{mode:?}: {e}"),
            Ok(db) => {
                let victim = db.get("victim").unwrap();
                let dropped = db.stats().recovery_dropped_wal_bytes;
                if mode != RecoveryMode::PointInTimeRecovery || dropped == 0 {
                    problems.push(format!(
                        "{mode:?} opened a closed log missing its last record and seal, \
                         reporting {dropped} dropped bytes; victim = {:?} (its delete was \
                         acknowledged before close)",
                        victim.map(|v| String::from_utf8_lossy(&v).into_owned())
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
