//! Damage in an older log, not the newest: always corruption, never a
//! silently smaller database.
//!
//! A log is sealed (synced in full, then closed with a seal) before the next
//! one starts, so a crash cannot damage any log but the newest holding
//! writes. A database writes enough to fill several small logs, then either
//! crashes (its newest log unsealed) or closes; one older log, the oldest or
//! the one before the newest, is damaged in each way a disk or a tool can
//! damage it: a flipped byte in a middle record, in its last record, in its
//! seal; zeros across a block boundary; cut inside a record, at a record
//! boundary, just before its seal, inside its header. Then:
//!
//! - the default mode (and absolute consistency) refuses to open, with a
//!   corruption error naming that log and the offset of the damage;
//! - point in time recovery opens with exactly the writes before the damage
//!   and none of any later log, and `stats().recovery_dropped_wal_records`
//!   counts every valid record it dropped, in the damaged log and after it.
//!
//! `wal_recovery_modes.rs` covers damage in the newest log (a torn tail is
//! repaired there) and the modes one by one; this file is the matrix of
//! damage in logs a crash cannot have touched.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::format::BLOCK_SIZE;
use ferrisdb_storage::internals::wal::{wal_files, RecoveryMode, WalReader};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode, WriteBatch};

mod common;

use common::{dir, fault_config, writes_left_in_logs, Ending};

const PUTS: usize = 150;

fn config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        // Logs past one 32 KiB block, so an older log has a block boundary
        // with records on both sides; `writes_left_in_logs` keeps them all.
        wal_max_file_size: 40 << 10,
        ..fault_config(fs, mode)
    }
}

fn key(i: usize) -> String {
    format!("k{i:04}")
}

/// One log as written: where each of its batch records starts and the key
/// it holds, and where its seal starts.
#[derive(Debug, Clone)]
struct Log {
    path: PathBuf,
    records: Vec<(u64, String)>,
    seal: u64,
    len: u64,
}

impl Log {
    fn read(fs: &FaultFileSystem, path: &Path) -> Log {
        let mut reader = WalReader::open(fs, path, RecoveryMode::AbsoluteConsistency).unwrap();
        let records = reader
            .by_ref()
            .map(|r| {
                let r = r.unwrap();
                let (_, batch) = WriteBatch::decode(&r.payload).unwrap();
                let (_, k, _) = batch.iter().next().unwrap();
                (r.offset, String::from_utf8(k.to_vec()).unwrap())
            })
            .collect();
        Log {
            path: path.to_path_buf(),
            records,
            // A seal claims everything before it durable.
            seal: if reader.is_sealed() {
                reader.durable_len()
            } else {
                reader.file_len()
            },
            len: reader.file_len(),
        }
    }

    /// The index of the record holding byte `at`.
    fn record_at(&self, at: u64) -> usize {
        self.records.iter().rposition(|(o, _)| *o <= at).unwrap()
    }
}

/// A database of `PUTS` puts over at least four logs, and its logs.
fn database(ending: Ending) -> (FaultFileSystem, Vec<Log>) {
    let fs = FaultFileSystem::new();
    let config = config(&fs, RecoveryMode::default());
    let fs = writes_left_in_logs(&fs, config, ending, |db| {
        for i in 0..PUTS {
            db.put(key(i), vec![b'v'; 900 + i]).unwrap();
        }
    });
    let logs: Vec<Log> = wal_files(&fs, &dir())
        .unwrap()
        .iter()
        .map(|(_, path)| Log::read(&fs, path))
        .filter(|log| !log.records.is_empty())
        .collect();
    assert!(logs.len() >= 4, "{} logs", logs.len());
    assert_eq!(logs.iter().map(|l| l.records.len()).sum::<usize>(), PUTS);
    (fs, logs)
}

/// A way to damage a log.
#[derive(Debug, Clone, Copy)]
enum Damage {
    MiddleRecordFlipped,
    LastRecordFlipped,
    SealFlipped,
    ZerosAcrossBlockBoundary,
    CutInsideRecord,
    CutAtRecordBoundary,
    CutBeforeSeal,
    CutInsideHeader,
}

const DAMAGES: [Damage; 8] = [
    Damage::MiddleRecordFlipped,
    Damage::LastRecordFlipped,
    Damage::SealFlipped,
    Damage::ZerosAcrossBlockBoundary,
    Damage::CutInsideRecord,
    Damage::CutAtRecordBoundary,
    Damage::CutBeforeSeal,
    Damage::CutInsideHeader,
];

/// What a damage leaves: the offset recovery must report, the records of
/// the log it keeps, and the valid records after the damage.
struct Expected {
    offset: u64,
    kept: usize,
    dropped: usize,
}

/// Damages `log` on `fs` and returns what recovery must report.
fn damage(fs: &FaultFileSystem, log: &Log, damage: Damage) -> Expected {
    let mut bytes = fs.read_all(&log.path).unwrap();
    let n = log.records.len();
    let middle = n / 2;
    let flip = |bytes: &mut Vec<u8>, at: u64| bytes[at as usize] ^= 0x20;
    let expected = match damage {
        Damage::MiddleRecordFlipped | Damage::LastRecordFlipped => {
            let r = match damage {
                Damage::MiddleRecordFlipped => middle,
                _ => n - 1,
            };
            // A byte of the record's payload, past its fragment header.
            flip(&mut bytes, log.records[r].0 + 12);
            Expected {
                offset: log.records[r].0,
                kept: r,
                dropped: n - r - 1,
            }
        }
        Damage::SealFlipped => {
            assert!(log.seal < log.len, "the log is sealed");
            flip(&mut bytes, log.seal + 8);
            Expected {
                offset: log.seal,
                kept: n,
                dropped: 0,
            }
        }
        Damage::ZerosAcrossBlockBoundary => {
            let boundary = BLOCK_SIZE as u64;
            let zeros = boundary - 100..boundary + 100;
            assert!(zeros.end < log.seal, "records follow the boundary");
            bytes[zeros.start as usize..zeros.end as usize].fill(0);
            let first = log.record_at(zeros.start);
            let intact_after = log.records.iter().filter(|(o, _)| *o >= zeros.end);
            Expected {
                offset: log.records[first].0,
                kept: first,
                dropped: intact_after.count(),
            }
        }
        Damage::CutInsideRecord => {
            bytes.truncate(log.records[middle].0 as usize + 20);
            Expected {
                offset: log.records[middle].0,
                kept: middle,
                dropped: 0,
            }
        }
        Damage::CutAtRecordBoundary => {
            bytes.truncate(log.records[middle].0 as usize);
            Expected {
                offset: log.records[middle].0,
                kept: middle,
                dropped: 0,
            }
        }
        Damage::CutBeforeSeal => {
            bytes.truncate(log.seal as usize);
            Expected {
                offset: log.seal,
                kept: n,
                dropped: 0,
            }
        }
        Damage::CutInsideHeader => {
            bytes.truncate(10);
            Expected {
                offset: 0,
                kept: 0,
                dropped: 0,
            }
        }
    };
    let mut file = fs.create(&log.path).unwrap();
    file.append(&bytes).unwrap();
    file.sync().unwrap();
    expected
}

fn file_and_offset(err: &Error) -> (&Path, u64) {
    match err {
        Error::Corruption { file, offset, .. } | Error::ChecksumMismatch { file, offset, .. } => {
            (file, *offset)
        }
        other => panic!("not a corruption error: {other}"),
    }
}

fn present(db: &StorageEngine) -> BTreeSet<String> {
    db.iter()
        .unwrap()
        .map(|item| String::from_utf8(item.unwrap().0.into_vec()).unwrap())
        .collect()
}

/// Damages log `index` of a fresh copy of `base` and checks every mode.
fn check(base: &FaultFileSystem, logs: &[Log], index: usize, how: Damage, ending: Ending) {
    let context = format!("{how:?} in log {index} of {} ({ending:?})", logs.len());
    let fs = base.fork();
    let log = &logs[index];
    let expected = damage(&fs, log, how);

    for mode in [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ] {
        let err = match StorageEngine::open(config(&fs.fork(), mode)) {
            Ok(db) => panic!(
                "{context}, {mode:?}: opened with {} of {PUTS} writes instead of failing",
                present(&db).len()
            ),
            Err(err) => err,
        };
        assert!(err.is_corruption(), "{context}, {mode:?}: {err}");
        let (file, offset) = file_and_offset(&err);
        assert_eq!(file, log.path, "{context}, {mode:?}: {err}");
        assert_eq!(offset, expected.offset, "{context}, {mode:?}: {err}");
        assert!(
            err.to_string().contains("PointInTimeRecovery"),
            "{context}: the error names the way out: {err}"
        );
    }

    // Point in time: the writes of the logs before, those of this log before
    // the damage, nothing after.
    let db = StorageEngine::open(config(&fs, RecoveryMode::PointInTimeRecovery))
        .unwrap_or_else(|e| panic!("{context}: point in time: {e}"));
    let before: BTreeSet<String> = logs[..index]
        .iter()
        .flat_map(|l| l.records.iter())
        .chain(&log.records[..expected.kept])
        .map(|(_, k)| k.clone())
        .collect();
    assert_eq!(present(&db), before, "{context}: point in time");
    let later: usize = logs[index + 1..].iter().map(|l| l.records.len()).sum();
    assert_eq!(
        db.stats().recovery_dropped_wal_records,
        (expected.dropped + later) as u64,
        "{context}: dropped records"
    );
    // What it opened is consistent: the default mode reopens it as it is.
    db.put("after", "x").unwrap();
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs, RecoveryMode::default()))
        .unwrap_or_else(|e| panic!("{context}: reopen after point in time: {e}"));
    let mut with_after = before;
    with_after.insert("after".into());
    assert_eq!(present(&db), with_after, "{context}: after point in time");
}

/// Every damage in the oldest log and in the one before the newest; reports
/// every case that fails, not only the first.
fn run(ending: Ending) {
    let (base, logs) = database(ending);
    let mut failures = Vec::new();
    for index in [0, logs.len() - 2] {
        for how in DAMAGES {
            let case = std::panic::catch_unwind(|| check(&base, &logs, index, how, ending));
            if let Err(panic) = case {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(message);
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn damage_in_an_older_log_of_a_crashed_database_is_corruption() {
    run(Ending::Crash);
}

#[test]
fn damage_in_an_older_log_of_a_closed_database_is_corruption() {
    run(Ending::Close);
}
