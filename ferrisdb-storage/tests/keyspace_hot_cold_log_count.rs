//! A hot and a cold keyspace share the log: the cold one's few writes must
//! not pin every log written since. `max_total_wal_size` freezes the
//! keyspaces holding the oldest live log once the live logs pass it, so the
//! log count stays bounded; with the limit off it grows without bound (so
//! the bound can fail). The cold keyspace's writes are all there after a
//! power loss (risk R3: a log is deleted only once the durable manifest no
//! longer needs it). No log passes `wal_max_file_size`, also when another
//! keyspace filled it and the writing one's MemTable is empty (the trap of
//! the plan's §1.5). A writer stalled on a flush while the flush retires
//! logs does not deadlock (risk R12).

use std::thread;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode};
use ferrisdb_storage::{StorageConfig, StorageEngine};

mod common;

use common::{dir, fault_config};

const LOG_SIZE: u64 = 32 << 10;
const LIMIT: u64 = 256 << 10;
const HOT_WRITES: usize = 2000;
const VALUE: [u8; 500] = [b'h'; 500];

fn config(fs: &FaultFileSystem, max_total_wal_size: u64) -> StorageConfig {
    StorageConfig {
        wal_max_file_size: LOG_SIZE,
        max_total_wal_size,
        max_immutable_memtables: 4,
        // Tables stay as flushed, so the cold keyspace's count its flushes.
        disable_auto_compactions: true,
        ..fault_config(fs, RecoveryMode::default())
    }
}

/// The live `.wal` files and the length of each. A log the flush thread
/// deletes between the listing and its opening is no longer live.
fn logs(fs: &FaultFileSystem) -> Vec<(u64, u64)> {
    wal_files(fs, &dir())
        .unwrap()
        .into_iter()
        .filter_map(|(number, path)| Some((number, fs.open(&path).ok()?.len())))
        .collect()
}

fn assert_no_log_past_its_size(fs: &FaultFileSystem, context: &str) {
    for (number, len) in logs(fs) {
        assert!(len <= LOG_SIZE, "{context}: log {number} is {len} bytes");
    }
}

/// Writes 2000 times to `hot` and, every 500 writes, once to `cold`;
/// returns the most live logs seen after a `wait_for_compactions`, every
/// 100 writes.
fn hot_and_cold(fs: &FaultFileSystem, db: &StorageEngine) -> usize {
    let hot = db.keyspace("hot").unwrap();
    let cold = db.keyspace("cold").unwrap();
    let mut most = 0;
    for i in 0..HOT_WRITES {
        if i % 500 == 0 {
            cold.put(format!("c{i:04}"), "cold").unwrap();
        }
        hot.put(format!("h{i:04}"), VALUE).unwrap();
        if i % 100 == 99 {
            db.wait_for_compactions().unwrap();
            most = most.max(logs(fs).len());
            assert_no_log_past_its_size(fs, &format!("after {i}"));
        }
    }
    most
}

#[test]
fn the_live_logs_stay_within_max_total_wal_size() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, LIMIT)).unwrap();
    let most = hot_and_cold(&fs, &db);
    assert!(most <= 10, "{most} live logs");
    let stats = db.stats();
    assert!(
        stats.live_wal_bytes <= LIMIT + LOG_SIZE,
        "{} live log bytes",
        stats.live_wal_bytes
    );
    assert_eq!(stats.live_wal_files, logs(&fs).len());
    // The cold keyspace was flushed for the logs at most once per write it
    // took (risk R13: no storm of tiny tables), and at least once.
    let cold_tables = db.keyspace("cold").unwrap().live_tables().len();
    assert!((1..=4).contains(&cold_tables), "{cold_tables} cold tables");

    // Risk R3: every cold write survives a power loss, though the logs
    // that held the early ones are gone (the sync makes the newest log's
    // writes durable too, which `SyncMode::Normal` leaves to rotations).
    db.sync_wal().unwrap();
    let crashed = fs.crash();
    drop(db);
    let db = StorageEngine::open(config(&crashed, LIMIT)).unwrap();
    let cold = db.keyspace("cold").unwrap();
    let hot = db.keyspace("hot").unwrap();
    for i in (0..HOT_WRITES).step_by(500) {
        assert_eq!(cold.get(format!("c{i:04}")).unwrap().unwrap(), "cold");
    }
    for i in 0..HOT_WRITES {
        assert!(hot.get(format!("h{i:04}")).unwrap().is_some(), "h{i:04}");
    }
}

#[test]
fn without_the_limit_a_cold_keyspace_pins_every_log() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, u64::MAX)).unwrap();
    let most = hot_and_cold(&fs, &db);
    assert!(most > 10, "only {most} live logs: the bound proves nothing");
    let stats = db.stats();
    assert!(stats.live_wal_bytes > LIMIT + LOG_SIZE);
    assert_eq!(stats.live_wal_files, logs(&fs).len());
}

#[test]
fn a_log_another_keyspace_filled_rotates_for_an_empty_memtable() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, u64::MAX)).unwrap();
    let hot = db.keyspace("hot").unwrap();
    let fresh = db.keyspace("fresh").unwrap();
    // Fill a log with hot's writes until one rotates it: `full` is how
    // long the log was when the next record no longer fit.
    let mut i = 0;
    let full = loop {
        let before = logs(&fs);
        hot.put(format!("h{i:04}"), VALUE).unwrap();
        i += 1;
        if logs(&fs).last().unwrap().0 != before.last().unwrap().0 {
            break before.last().unwrap().1;
        }
    };
    // Fill the new log as far, with records of the same size.
    while logs(&fs).last().unwrap().1 < full {
        hot.put(format!("h{i:04}"), VALUE).unwrap();
        i += 1;
    }
    let before = logs(&fs);
    assert_eq!(before.last().unwrap().1, full, "the logs filled unevenly");

    // A record of the same size for a keyspace whose MemTable is empty: it
    // does not fit this log either, so it starts the next one.
    fresh.put("f0000", VALUE).unwrap();
    let after = logs(&fs);
    assert!(
        after.last().unwrap().0 > before.last().unwrap().0,
        "no rotation: {before:?} -> {after:?}"
    );
    assert_no_log_past_its_size(&fs, "after the fresh write");
    assert_eq!(fresh.get("f0000").unwrap().unwrap(), VALUE.as_slice());
}

#[test]
fn a_writer_stalled_on_a_flush_lets_it_retire_logs() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        max_total_wal_size: 64 << 10,
        max_immutable_memtables: 1,
        ..config(&fs, 0)
    })
    .unwrap();
    db.keyspace("cold").unwrap().put("c", "cold").unwrap();
    let held = fs.hold_syncs(".sst");
    let writer = {
        let hot = db.keyspace("hot").unwrap();
        thread::spawn(move || {
            for i in 0..400 {
                hot.put(format!("h{i:04}"), VALUE).unwrap();
            }
        })
    };
    // A flush is held, so the writer soon waits for it under the write
    // mutex; the flush then retires logs, which must not need that mutex.
    held.wait_until_held(1);
    while db.stats().stalls == 0 && !writer.is_finished() {
        thread::yield_now();
    }
    held.release();
    writer.join().unwrap();
    db.wait_for_compactions().unwrap();
    assert!(db.stats().stalls > 0);
    assert_eq!(
        db.keyspace("cold").unwrap().get("c").unwrap().unwrap(),
        "cold"
    );
}
