//! Regression: `verify` read each log record's timestamp and nothing else
//! of what the manifest rules on, so a needed log holding an entry of a
//! keyspace the manifest never gave out, or a range delete the manifest
//! never declared, was called whole, while the next `open` refuses the
//! database over it. Now verify checks every record by the rules replay
//! uses (`engine/log_rules.rs`) and names the log and the record.
//!
//! The damaged log is the one being written, rewritten while the database
//! is open with the bytes a `WalWriter` gives crafted payloads (every
//! fragment valid): the same records but for one byte of one of them.

use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::{RecoveryMode, WalOptions, WalWriter};
use ferrisdb_storage::internals::write_batch::format::{COUNT_OFFSET, TAG_RANGE_DELETE};
use ferrisdb_storage::{StorageEngine, WriteBatch};

mod common;

use common::{dir, fault_config, newest_log, replace_file};

/// Where the first entry of a batch of fewer than 128 entries starts.
const FIRST_ENTRY: usize = COUNT_OFFSET + 1;

/// The bytes of a log numbered `number` holding `k1`, `k2`, then
/// `put("k3", "v")` with `change` made to its encoding, then `k4` (at
/// timestamps 1 to 4), and where the third record starts.
fn log_with(number: u64, change: impl FnOnce(&mut Vec<u8>)) -> (Vec<u8>, u64) {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    let writer =
        WalWriter::create(Arc::new(fs.clone()), dir(), number, WalOptions::default()).unwrap();
    let put = |key: &str, ts| WriteBatch::new().put(key, "v").encode(ts);
    let mut third = put("k3", 3);
    change(&mut third);
    writer.append(&[&put("k1", 1)]).unwrap();
    let third_at = writer.append(&[&put("k2", 2)]).unwrap().offset;
    writer.append(&[&third]).unwrap();
    let end = writer.append(&[&put("k4", 4)]).unwrap();
    writer.flush().unwrap();
    let path = dir().join(format!("{number:06}.wal"));
    let mut bytes = fs.read_all(&path).unwrap();
    bytes.truncate(usize::try_from(end.offset).unwrap());
    (bytes, third_at)
}

/// A change to a record's payload.
type Change = fn(&mut Vec<u8>);

#[test]
fn verify_names_a_record_the_next_open_refuses() {
    let cases: [(&str, Change); 2] = [
        ("keyspace 7", |b| b[FIRST_ENTRY + 1] = 7),
        ("range delete", |b| b[FIRST_ENTRY] = TAG_RANGE_DELETE),
    ];
    for (what, change) in cases {
        let fs = FaultFileSystem::new();
        let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
        for key in ["k1", "k2", "k3", "k4"] {
            db.put(key, "v").unwrap();
        }
        db.sync_wal().unwrap();
        assert!(db.verify().unwrap().is_intact());
        let (number, log) = newest_log(&fs);
        let live = fs.read_all(&log).unwrap();
        // The engine logged exactly these records: the crafted log differs
        // from it only in the one byte `change` makes.
        let (same, _) = log_with(number, |_| {});
        assert_eq!(&live[..same.len()], &same[..], "{what}");
        let (bad, third_at) = log_with(number, change);
        let mut damaged = live.clone();
        damaged[..bad.len()].copy_from_slice(&bad);
        replace_file(&fs, &log, &damaged);

        let report = db.verify().unwrap();
        let damage = report
            .damage
            .iter()
            .find(|d| d.file == log)
            .unwrap_or_else(|| panic!("{what}: the log is not named: {report}"));
        assert_eq!(damage.offset, third_at, "{what}: {report}");
        assert!(damage.reason.contains(what), "{what}: {report}");
        // What verify says, open does: a copy of the files as they are,
        // opened (a close would flush the writes and retire the log).
        let copy = fs.fork();
        drop(db);
        let opened = StorageEngine::open(fault_config(&copy, RecoveryMode::default()));
        assert!(
            opened.as_ref().is_err_and(|e| e.to_string().contains(what)),
            "{what}: {:?}",
            opened.err()
        );
    }
}
