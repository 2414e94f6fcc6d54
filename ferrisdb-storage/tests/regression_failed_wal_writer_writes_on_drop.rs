//! Regression (issue 14, bug 7): a failed WAL writer still wrote.
//!
//! While one thread's group-commit sync was failing, another thread framed
//! its record into the writer's buffer. The sync failure marked the writer
//! failed and the second thread got an error, but `WalWriter::drop` then
//! handed the buffered record to the OS: after a hole where the failed sync's
//! bytes may be lost, a valid record of a write that was refused.

use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
use ferrisdb_storage::internals::wal::{RecoveryMode, WalOptions, WalReader, WalWriter};
use ferrisdb_storage::{SyncMode, WriteBatch};

#[test]
fn a_record_buffered_while_a_sync_fails_never_reaches_the_file() {
    let fs = FaultFileSystem::new();
    let dir = PathBuf::from("/db");
    fs.create_dir_all(&dir).unwrap();
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        &dir,
        1,
        WalOptions {
            sync_mode: SyncMode::Full,
        },
    )
    .unwrap();
    // The next sync of the log fails, once.
    fs.fail_path_at(1, false, &[OpKind::Sync], FaultKind::Io, ".wal");

    let first = WriteBatch::new().put("first", "1").encode(1);
    std::thread::scope(|s| {
        let held = fs.hold_syncs(".wal");
        // The first writer leads a sync, which waits, held.
        let leader = s.spawn(|| writer.append(&[&first]));
        held.wait_until_held(1);
        // Meanwhile a second write is framed into the buffer.
        let position = writer
            .append_no_sync(&[&WriteBatch::new().put("second", "2").encode(2)])
            .unwrap();
        // The sync fails: both writers are refused.
        held.release();
        assert!(leader.join().unwrap().is_err());
        assert!(writer.sync_to(position).is_err());
    });
    drop(writer);

    let log = dir.join("000001.wal");
    let timestamps: Vec<u64> = WalReader::open(&fs, &log, RecoveryMode::PointInTimeRecovery)
        .unwrap()
        .map(|r| WriteBatch::decode(&r.unwrap().payload).unwrap().0)
        .collect();
    assert!(
        !timestamps.contains(&2),
        "the refused second write reached the log after the failure: {timestamps:?}"
    );
}
