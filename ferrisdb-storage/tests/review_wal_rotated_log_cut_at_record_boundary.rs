//! Review of issue 14 (bug 4, recovery modes): a rotated log that lost its
//! end at a record boundary replays as if whole, leaving a hole.
//!
//! A rotated log is sealed before the next log is created, so a log followed
//! by a newer log holding writes must end with its seal (`docs/format/wal.md`,
//! "The seal": "a log not followed by a newer log holding writes may lack its
//! seal only after a crash"). Recovery never checks this. When such a log is
//! cut at a record boundary (its last records and its seal gone: a truncated
//! copy, a file system that lost synced bytes), the reader sees no damage at
//! all, so every mode, `AbsoluteConsistency` included, opens with the lost
//! records missing while the writes after them, in the later logs, are there:
//! not a prefix of the log. Here the lost record is a delete, so the deleted
//! value comes back.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::wal::{wal_files, RecoveryMode, WALReader};
use ferrisdb_storage::{Operation, StorageConfig, StorageEngine};

fn dir() -> PathBuf {
    PathBuf::from("/db")
}

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_recovery_mode: mode,
        // Small logs, so the writes below span several of them.
        wal_max_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(dir())
    }
}

/// A closed database whose logs hold `n01`..`n30` with a delete of `victim`
/// after `n05`, and `victim` in a table; returns the file system.
fn closed_database() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    db.put("victim", "old value").unwrap();
    db.flush().unwrap();
    for i in 1..=30 {
        db.put(format!("n{i:02}"), vec![i as u8; 500]).unwrap();
        if i == 5 {
            db.delete("victim").unwrap();
        }
    }
    db.close().unwrap();
    fs
}

#[test]
fn a_rotated_log_cut_at_a_record_boundary_is_not_replayed_as_whole() {
    let fs = closed_database();
    let logs = wal_files(&fs, &dir()).unwrap();
    // The log holding the delete, and where its record starts.
    let (index, cut) = logs
        .iter()
        .enumerate()
        .find_map(|(index, (_, path))| {
            WALReader::open(&fs, path, RecoveryMode::AbsoluteConsistency)
                .unwrap()
                .map(|r| r.unwrap())
                .find(|r| r.batch.iter().any(|(op, _, _)| op == Operation::Delete))
                .map(|r| (index, r.offset))
        })
        .expect("a log holds the delete");
    assert!(index + 1 < logs.len(), "later logs hold later writes");
    // Cut the log at the start of the delete's record: the delete, the
    // records after it and the seal are gone; what is left reads cleanly.
    let path = &logs[index].1;
    let mut bytes = fs.read_all(path).unwrap();
    bytes.truncate(cut as usize);
    let mut file = fs.create(path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);

    let mut problems = Vec::new();
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        match StorageEngine::open(config(&fs.fork(), mode)) {
            Err(err) => assert!(err.is_corruption(), "{mode:?}: {err}"),
            Ok(db) => problems.push(format!(
                "{mode:?} opened although a log followed by logs holding writes lacks its \
                 seal: {}",
                outcome(&db)
            )),
        }
    }
    // Point in time may open, but not with a hole: if anything written after
    // the cut is there, the delete must be too.
    let db = StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    if db.get("n30").unwrap().is_some() && db.get("victim").unwrap().is_some() {
        problems.push(format!(
            "PointInTimeRecovery opened a state that is no prefix of the log: {}",
            outcome(&db)
        ));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

fn outcome(db: &StorageEngine) -> String {
    let victim = db.get("victim").unwrap();
    format!(
        "victim = {:?} (deleted right after n05), n06 present = {}, n30 present = {}",
        victim.map(|v| String::from_utf8_lossy(&v).into_owned()),
        db.get("n06").unwrap().is_some(),
        db.get("n30").unwrap().is_some(),
    )
}
