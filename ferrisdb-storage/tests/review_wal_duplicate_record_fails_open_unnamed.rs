//! Review of issue 14 (recovery modes): a log holding one record twice makes
//! `open` fail in every mode with an error that names neither the log nor
//! the offset.
//!
//! Every fragment of the copy checks out, so no mode sees damage; replaying
//! the second copy inserts an entry the MemTable already holds, and `open`
//! returns the MemTable's `InvalidArgument` ("duplicate entry"). The project
//! rule is that crafted or damaged input gives a clear error naming the file
//! and offset; and point-in-time recovery, which "always opens", cannot open
//! this database either.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::wal::{wal_files, RecoveryMode, WALReader};
use ferrisdb_storage::{StorageConfig, StorageEngine};

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_recovery_mode: mode,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(PathBuf::from("/db"))
    }
}

#[test]
fn a_record_logged_twice_is_reported_against_the_log() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, RecoveryMode::default())).unwrap();
    for i in 0..5 {
        db.put(format!("k{i}"), "v").unwrap();
    }
    db.close().unwrap();
    let (_, log) = wal_files(&fs, &PathBuf::from("/db"))
        .unwrap()
        .pop()
        .unwrap();
    let offsets: Vec<u64> = WALReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect();
    // The third record again, right after the fifth (before the seal).
    let mut bytes = fs.read_all(&log).unwrap();
    let copy = bytes[offsets[2] as usize..offsets[3] as usize].to_vec();
    // Records 2 to 4 have one size (same key and value sizes, the same
    // durable length), so the seal starts where record 4 ends.
    let seal_at = (offsets[4] + (offsets[3] - offsets[2])) as usize;
    assert!(bytes.len() - seal_at < 16, "only the seal follows");
    bytes.splice(seal_at..seal_at, copy);
    let mut file = fs.create(&log).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    drop(file);
    assert_eq!(
        WALReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency)
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap()
            .len(),
        6,
        "every fragment checks out"
    );

    let name = log.file_name().unwrap().to_string_lossy().into_owned();
    let err = StorageEngine::open(config(&fs.fork(), RecoveryMode::default())).unwrap_err();
    let mut problems = Vec::new();
    if !err.is_corruption() || !err.to_string().contains(&name) {
        problems.push(format!(
            "default mode: not a corruption error naming {name}: {err}"
        ));
    }
    if let Err(e) = StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery)) {
        problems.push(format!("PointInTimeRecovery did not open: {e}"));
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}
