//! Bug: the WAL writer created a new log under its final name, then wrote
//! and synced its header, then synced the directory. A creation is metadata
//! that reaches the disk on its own schedule, so a power loss between the
//! creation and the header's sync could keep the name while the header's
//! bytes were garbage (as a file system that writes metadata before data,
//! such as ext4 with `data=writeback`, leaves them). `open` then failed in
//! every recovery mode with "not a FerrisDB WAL file", although the log held
//! no write: the database could not be opened until someone deleted the log
//! by hand. Found by the crash model (`FaultFileSystem::crash_with`) in
//! `crash_states_normal.rs`.
//!
//! Now a log is written and synced under a temporary name and renamed, like
//! tables and the manifest, so its name never survives without its header.
//! Checked by losing the power after every operation of opening a database
//! and writing enough to rotate its log twice, each time in 8 crash states.

mod reliability;

use std::collections::BTreeSet;

use ferrisdb_storage::fs::{CrashKind, CrashModel, FaultFileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use reliability::{config, fresh_fs, read_all, State};

const WRITES: usize = 20;
const SEEDS: u64 = 8;

/// Logs of 4 KiB and a MemTable that never fills, so the log rotates on
/// size alone and no background work changes the operations from run to
/// run.
fn open(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(StorageConfig {
        memtable_size: 1 << 20,
        ..config(fs)
    })
}

/// Opens the database and writes until the machine dies; returns the
/// acknowledged writes (under `SyncMode::Full`, durable).
fn run_until_dead(fs: &FaultFileSystem) -> State {
    let mut acknowledged = State::new();
    let Ok(db) = open(fs) else {
        return acknowledged;
    };
    for i in 0..WRITES {
        let key = format!("key{i:02}").into_bytes();
        let value = vec![b'a' + (i % 26) as u8; 400];
        if db.put(&key, &value).is_err() {
            break;
        }
        acknowledged.insert(key, value);
    }
    let _ = db.close();
    acknowledged
}

#[test]
fn regression_new_log_named_before_its_header_is_durable() {
    let operations = {
        let fs = fresh_fs();
        assert_eq!(run_until_dead(&fs).len(), WRITES);
        fs.total_operations()
    };
    let mut garbage_in_a_new_log = false;
    for k in 1..=operations {
        let fs = fresh_fs();
        fs.crash_after(k);
        let acknowledged = run_until_dead(&fs);
        for seed in 0..SEEDS {
            let (rebooted, report) = fs.crash_with(CrashModel::new(seed));
            let context = format!("power lost after operation {k}, crash seed {seed}");
            let db =
                open(&rebooted).unwrap_or_else(|e| panic!("{context}: open failed: {e}\n{report}"));
            let recovered = read_all(&db).unwrap();
            for (key, value) in &acknowledged {
                assert_eq!(
                    recovered.get(key),
                    Some(value),
                    "{context}: an acknowledged write is lost"
                );
            }
            let kinds: BTreeSet<_> = report.file_kinds(".wal");
            garbage_in_a_new_log |= kinds.contains(&CrashKind::Garbage)
                && report.kinds().contains(&CrashKind::UnsyncedNameWithoutData);
        }
    }
    // The crash states covered what the bug needs: a log file whose unsynced
    // name survived, holding garbage.
    assert!(garbage_in_a_new_log);
}
