//! A log record holding what a newer version writes, an entry of a tag this
//! version does not know, is refused at `open` in every recovery mode with
//! `Error::UnsupportedFormat` naming the log and the record, never read as
//! damage and never skipped; a record whose fragments check out but whose
//! payload is not a batch, holds an entry of a keyspace the manifest never
//! gave out, or a range delete in a database whose manifest never declared
//! range deletes, is corruption, which point-in-time recovery stops before.
//!
//! The log is written whole by a `WalWriter` given crafted payloads: every
//! fragment is valid, only the batch encoding says what is wrong.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::internals::write_batch::format::{COUNT_OFFSET, TAG_RANGE_DELETE};
use ferrisdb_storage::{Error, StorageEngine, Unsupported, WriteBatch};

mod common;

use common::{crafted_log, fault_config, refused_as_corruption};

const MODES: [RecoveryMode; 3] = [
    RecoveryMode::TolerateCorruptedTail,
    RecoveryMode::AbsoluteConsistency,
    RecoveryMode::PointInTimeRecovery,
];

/// A database whose log holds `k1` and `k2` (timestamps 1 and 2), then the
/// payload `third` (at timestamp 3), then `k4`; the log's path and where the
/// third record starts.
fn database_with(third: &[u8]) -> (FaultFileSystem, std::path::PathBuf, u64) {
    let fs = FaultFileSystem::new();
    let (writer, log) = crafted_log(&fs);
    let put = |key: &str, ts| WriteBatch::new().put(key, "v").encode(ts);
    writer.append(&[&put("k1", 1)]).unwrap();
    let third_at = writer.append(&[&put("k2", 2)]).unwrap().offset;
    writer.append(&[third]).unwrap();
    writer.append(&[&put("k4", 4)]).unwrap();
    writer.close().unwrap();
    (fs, log, third_at)
}

/// Where the first entry of a batch of fewer than 128 entries starts: after
/// the timestamp and a one-byte count.
const FIRST_ENTRY: usize = COUNT_OFFSET + 1;

/// The batch `put("k3", "v")` at timestamp 3, with `change` made to its
/// encoding.
fn third(change: impl FnOnce(&mut Vec<u8>)) -> Vec<u8> {
    let mut bytes = WriteBatch::new().put("k3", "v").encode(3);
    change(&mut bytes);
    bytes
}

#[test]
fn an_entry_of_an_unknown_tag_is_refused_in_every_mode() {
    let unknown = third(|b| b[FIRST_ENTRY] = 9);
    let (fs, log, third_at) = database_with(&unknown);
    for mode in MODES {
        let err = StorageEngine::open(fault_config(&fs.fork(), mode)).unwrap_err();
        let Error::UnsupportedFormat {
            ref file,
            unsupported: Unsupported::Record { offset, .. },
        } = err
        else {
            panic!("{mode:?}: not UnsupportedFormat: {err}")
        };
        assert_eq!((file, offset), (&log, third_at), "{mode:?}");
        assert!(!err.is_corruption(), "{mode:?}");
        let message = err.to_string();
        assert!(message.contains("unknown tag 9"), "{message}");
        assert!(message.contains("needs a newer FerrisDB"), "{message}");
    }
}

/// A range delete in a database whose manifest does not declare the
/// feature `range_deletes` is no newer version's: every FerrisDB that logs
/// one declared the feature first. It is corruption naming the log, the
/// record and the payload byte of the entry, and point in time recovery
/// stops before it.
#[test]
fn a_range_delete_the_manifest_never_declared_is_corruption() {
    // `put("k3", "v")` retagged: the range ["k3", "v").
    let (fs, log, third_at) = database_with(&third(|b| b[FIRST_ENTRY] = TAG_RANGE_DELETE));
    for message in refused_as_corruption(&fs, &log, third_at) {
        let at = format!("range delete, at byte {FIRST_ENTRY} of its payload");
        assert!(message.contains(&at), "{message}");
        assert!(message.contains("range_deletes"), "{message}");
    }
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    for (key, present) in [("k1", true), ("k2", true), ("k3", false), ("k4", false)] {
        assert_eq!(db.get(key).unwrap().is_some(), present, "{key}");
    }
}

/// An entry of a keyspace id the manifest never gave out is no newer
/// version's: every FerrisDB that logs one declared it in the manifest
/// first. It is corruption naming the log, the record and the payload
/// byte of the id, and point in time recovery stops before it.
#[test]
fn an_entry_of_a_keyspace_never_given_out_is_corruption() {
    let (fs, log, third_at) = database_with(&third(|b| b[FIRST_ENTRY + 1] = 7));
    for message in refused_as_corruption(&fs, &log, third_at) {
        let at = format!("keyspace 7, at byte {} of its payload", FIRST_ENTRY + 1);
        assert!(message.contains(&at), "{message}");
        assert!(message.contains("ids below 1"), "{message}");
    }
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    for (key, present) in [("k1", true), ("k2", true), ("k3", false), ("k4", false)] {
        assert_eq!(db.get(key).unwrap().is_some(), present, "{key}");
    }
}

#[test]
fn a_payload_that_is_not_a_batch_is_corruption_point_in_time_stops_before_it() {
    // The count claims two entries; the payload holds one.
    let payload = third(|b| b[COUNT_OFFSET] = 2);
    let (fs, log, third_at) = database_with(&payload);
    for message in refused_as_corruption(&fs, &log, third_at) {
        assert!(message.contains("not a valid batch"), "{message}");
    }
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    for (key, present) in [("k1", true), ("k2", true), ("k3", false), ("k4", false)] {
        assert_eq!(db.get(key).unwrap().is_some(), present, "{key}");
    }
    assert_eq!(db.stats().recovery_dropped_wal_records, 2);
}
