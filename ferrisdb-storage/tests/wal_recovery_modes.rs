//! The three WAL recovery modes on a database, with damage before and after
//! the log's durable length, and with valid records after the damage.
//!
//! The log of a crashed database (no seal) holds ten puts, `k01` to `k10`;
//! `sync_wal()` ran after `k05`, so every record from `k06` on claims the
//! first five records durable. Damage past that claim is what a crash leaves:
//! the default mode cuts the log there, even though valid records follow.
//! Damage inside it is corruption.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalOptions, WalReader, WalWriter};
use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};

mod common;

use common::{dir, error_offset, fault_config, writes_left_in_logs, Ending};

const MODES: [RecoveryMode; 3] = [
    RecoveryMode::TolerateCorruptedTail,
    RecoveryMode::PointInTimeRecovery,
    RecoveryMode::AbsoluteConsistency,
];

fn key(i: usize) -> String {
    format!("k{i:02}")
}

/// A database whose process died after ten puts (`sync_wal` after the
/// fifth): its one log, as the crash left it, and the offset of each record.
fn crashed() -> (FaultFileSystem, PathBuf, Vec<u64>) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    for i in 1..=10 {
        db.put(key(i), vec![i as u8; 300]).unwrap();
        if i == 5 {
            db.sync_wal().unwrap();
        }
    }
    let (_, log) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    // Every byte was handed to the OS (SyncMode::Normal); the crash comes
    // before the seal a clean close appends.
    let unsealed = fs.read_all(&log).unwrap();
    let manifest = dir().join("MANIFEST");
    let unclosed = fs.read_all(&manifest).unwrap();
    drop(db);
    // Nor did the close record the log's final length in the manifest.
    replace(&fs, &log, unsealed);
    replace(&fs, &manifest, unclosed);
    let offsets = WalReader::open(&fs, &log, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect();
    (fs, log, offsets)
}

fn replace(fs: &FaultFileSystem, path: &Path, bytes: Vec<u8>) {
    let mut file = fs.create(path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
}

fn damage(fs: &FaultFileSystem, path: &Path, at: std::ops::Range<u64>, zero: bool) {
    let mut bytes = fs.read_all(path).unwrap();
    for byte in &mut bytes[at.start as usize..at.end as usize] {
        *byte = if zero { 0 } else { *byte ^ 0x20 };
    }
    replace(fs, path, bytes);
}

fn present(db: &StorageEngine) -> Vec<usize> {
    (1..=10)
        .filter(|&i| db.get(key(i)).unwrap().is_some())
        .collect()
}

#[test]
fn an_undamaged_crashed_log_opens_whole_in_every_mode() {
    let (fs, _, offsets) = crashed();
    assert_eq!(offsets.len(), 10);
    for mode in MODES {
        let fs = fs.fork();
        let db = StorageEngine::open(fault_config(&fs, mode)).unwrap();
        assert_eq!(present(&db), (1..=10).collect::<Vec<_>>(), "{mode:?}");
        assert_eq!(db.stats().recovery_dropped_wal_bytes, 0);
    }
}

#[test]
fn damage_past_the_durable_length_is_cut_off_although_valid_records_follow() {
    let (fs, log, offsets) = crashed();
    // Where the records end: the file goes on in the zeros `sync_wal`
    // preallocated, which hold nothing to drop.
    let len = common::log_records(&fs, &log).len() as u64;
    // Record 7 zeroed, as a lost page: records 8 to 10 are intact after it.
    damage(&fs, &log, offsets[6]..offsets[7], true);
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::PointInTimeRecovery,
    ] {
        let fs = fs.fork();
        let db = StorageEngine::open(fault_config(&fs, mode)).unwrap();
        assert_eq!(present(&db), (1..=6).collect::<Vec<_>>(), "{mode:?}");
        let stats = db.stats();
        assert_eq!(stats.recovery_dropped_wal_records, 3, "{mode:?}");
        assert_eq!(
            stats.recovery_dropped_wal_bytes,
            len - offsets[6],
            "{mode:?}"
        );
    }
    let err =
        StorageEngine::open(fault_config(&fs, RecoveryMode::AbsoluteConsistency)).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert_eq!(error_offset(&err), Some(offsets[6]));
}

#[test]
fn damage_inside_the_durable_length_is_corruption() {
    let (fs, log, offsets) = crashed();
    // One flipped byte in record 3, which `sync_wal` had made durable.
    damage(&fs, &log, offsets[2] + 20..offsets[2] + 21, false);
    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let err = StorageEngine::open(fault_config(&fs.fork(), mode)).unwrap_err();
        assert!(err.is_corruption(), "{mode:?}: {err}");
        assert_eq!(error_offset(&err), Some(offsets[2]), "{mode:?}: {err}");
        assert!(err.to_string().contains(&*log.to_string_lossy()), "{err}");
        assert!(err.to_string().contains("PointInTimeRecovery"), "{err}");
    }
    // Point in time: the two records before the damage, and an exact report
    // of the seven valid ones dropped after it.
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(present(&db), [1, 2]);
    assert_eq!(db.stats().recovery_dropped_wal_records, 7);
    // The database it opened is consistent from then on.
    db.put(key(3), "again").unwrap();
    db.close().unwrap();
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::AbsoluteConsistency)).unwrap();
    assert_eq!(present(&db), [1, 2, 3]);
}

#[test]
fn a_torn_log_followed_by_a_log_holding_writes_is_corruption() {
    let (fs, log, offsets) = crashed();
    damage(&fs, &log, offsets[8]..offsets[9], true);
    // A later log with a write in it: no crash leaves that, since a log is
    // sealed before the next one starts.
    let (number, _) = wal_files(&fs, &dir()).unwrap().pop().unwrap();
    let writer = WalWriter::create(
        Arc::new(fs.clone()),
        dir(),
        number + 1,
        WalOptions::default(),
    )
    .unwrap();
    writer
        .append(&[&WriteBatch::new().put(key(11), "later").encode(100)])
        .unwrap();
    writer.flush().unwrap();
    drop(writer);

    let err = StorageEngine::open(fault_config(
        &fs.fork(),
        RecoveryMode::TolerateCorruptedTail,
    ))
    .unwrap_err();
    assert!(err.is_corruption(), "{err}");
    assert_eq!(error_offset(&err), Some(offsets[8]), "{err}");
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(present(&db), (1..=8).collect::<Vec<_>>());
    assert_eq!(db.get(key(11)).unwrap(), None, "a later log goes too");
    assert_eq!(db.stats().recovery_dropped_wal_records, 1 + 1);
}

#[test]
fn point_in_time_drops_every_log_after_damage_in_a_sealed_one() {
    let fs = FaultFileSystem::new();
    let small_logs = |mode| StorageConfig {
        wal_max_file_size: 4 << 10,
        ..fault_config(&fs, mode)
    };
    let fs = writes_left_in_logs(
        &fs,
        small_logs(RecoveryMode::default()),
        Ending::Close,
        |db| {
            for i in 1..=30 {
                db.put(format!("n{i:02}"), vec![i as u8; 500]).unwrap();
            }
        },
    );
    let logs = wal_files(&fs, &dir()).unwrap();
    assert!(logs.len() >= 3, "{} logs", logs.len());
    let first = &logs[0].1;
    let offsets: Vec<u64> = WalReader::open(&fs, first, RecoveryMode::AbsoluteConsistency)
        .unwrap()
        .map(|r| r.unwrap().offset)
        .collect();
    // The last record of the first log: a rotated log is sealed, so this is
    // corruption even though it looks like a torn tail.
    damage(
        &fs,
        first,
        offsets[offsets.len() - 1]..offsets[offsets.len() - 1] + 3,
        true,
    );

    let err = StorageEngine::open(small_logs(RecoveryMode::TolerateCorruptedTail)).unwrap_err();
    assert!(err.is_corruption(), "{err}");
    let db = StorageEngine::open(small_logs(RecoveryMode::PointInTimeRecovery)).unwrap();
    let kept = offsets.len() - 1;
    for i in 1..=30 {
        let expected = i <= kept;
        assert_eq!(
            db.get(format!("n{i:02}")).unwrap().is_some(),
            expected,
            "n{i:02}"
        );
    }
    assert_eq!(
        db.stats().recovery_dropped_wal_records,
        30 - kept as u64 - 1
    );
}
