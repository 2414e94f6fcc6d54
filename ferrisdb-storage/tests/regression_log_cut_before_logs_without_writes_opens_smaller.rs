//! Regression (issue 18, found by the review of the WAL): an older log cut
//! exactly at a record boundary, its seal and its last records gone, opened
//! without those acknowledged writes when the logs after it held no record:
//! the rule that only the newest log may end without its seal looked at the
//! later logs' records, not at the later logs.
//!
//! Rotation syncs and seals a log before it creates the next one, so a later
//! log, even one holding nothing but its header, proves the older log was
//! sealed. Here a `flush` rotates the log (the flush itself is held at the
//! table's sync, so the older log stays needed), the power goes, and the
//! older log is cut where it ended after the first half of the writes. The
//! default mode and absolute consistency refuse it with a corruption error
//! naming the log and the offset where it now ends; point in time opens with
//! the writes before the cut and drops the later log.

mod common;

use std::path::{Path, PathBuf};

use common::{full_sync_config, log_paths, replace_file};
use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::WalReader;
use ferrisdb_storage::{Error, RecoveryMode, StorageEngine};

const WRITES: usize = 10;
const KEPT: usize = 4;

fn key(i: usize) -> String {
    format!("key{i:02}")
}

/// A crashed database of two logs: the first sealed, cut at the record
/// boundary after `KEPT` writes; the second holding only its header. Returns
/// the file system and the path and new length of the cut log.
fn cut_older_log() -> (FaultFileSystem, PathBuf, u64) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    let older = log_paths(&fs).remove(0);
    let mut cut = 0;
    for i in 0..WRITES {
        db.put(key(i), vec![b'v'; 100]).unwrap();
        if i + 1 == KEPT {
            // Where its records end: its file goes on in the zeros its
            // syncs preallocated.
            let mut reader = WalReader::open(&fs, &older, RecoveryMode::default()).unwrap();
            reader.by_ref().for_each(drop);
            cut = reader.data_len() as usize;
        }
    }
    let held = fs.hold_syncs(".sst");
    let crashed = std::thread::scope(|scope| {
        let flush = scope.spawn(|| db.flush());
        // The flush rotated the log and now waits at its table's sync.
        held.wait_until_held(1);
        let crashed = fs.crash();
        drop(held);
        assert!(
            flush.join().unwrap().is_err(),
            "the flush outlived the power"
        );
        crashed
    });
    drop(db);

    let found = log_paths(&crashed);
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0], older);
    let sealed = |fs: &FaultFileSystem, path: &Path| {
        let mut reader = WalReader::open(fs, path, RecoveryMode::AbsoluteConsistency).unwrap();
        let records = reader.by_ref().map(Result::unwrap).count();
        (records, reader.is_sealed())
    };
    assert_eq!(sealed(&crashed, &found[0]), (WRITES, true));
    assert_eq!(sealed(&crashed, &found[1]), (0, false));

    let bytes = crashed.read_all(&older).unwrap();
    replace_file(&crashed, &older, &bytes[..cut]);
    assert_eq!(sealed(&crashed, &older), (KEPT, false));
    (crashed, older, cut as u64)
}

#[test]
fn regression_log_cut_before_logs_without_writes_opens_smaller() {
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let (fs, older, cut) = cut_older_log();
        match StorageEngine::open(full_sync_config(&fs, mode)) {
            Ok(db) => {
                let missing: Vec<String> = (0..WRITES)
                    .map(key)
                    .filter(|k| db.get(k).unwrap().is_none())
                    .collect();
                panic!(
                    "{mode:?}: opened although an older log lost its end: acknowledged writes \
                     {missing:?} are gone"
                );
            }
            Err(Error::Corruption { file, offset, .. }) => {
                assert_eq!(file, older, "{mode:?}");
                assert_eq!(offset, cut, "{mode:?}: reported where the log now ends");
            }
            Err(other) => panic!("{mode:?}: {other}"),
        }
        // Refused having changed nothing: the later log is still there.
        assert_eq!(log_paths(&fs).len(), 2, "{mode:?}");
    }
}

#[test]
fn point_in_time_opens_with_the_writes_before_the_cut() {
    let (fs, _, _) = cut_older_log();
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    for i in 0..WRITES {
        assert_eq!(db.get(key(i)).unwrap().is_some(), i < KEPT, "{}", key(i));
    }
    db.put("after", "ok").unwrap();
    db.close().unwrap();
    // What it opened is a consistent database: it opens in the default mode.
    let db = StorageEngine::open(full_sync_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(
        db.get(key(KEPT - 1)).unwrap().as_deref(),
        Some(&[b'v'; 100][..])
    );
    assert!(db.get(key(KEPT)).unwrap().is_none());
    assert_eq!(db.get("after").unwrap().as_deref(), Some(&b"ok"[..]));
}
