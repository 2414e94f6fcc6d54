//! Point in time recovery refuses a point that a keyspace's tables have
//! passed (risk R8 of issue 19, RocksDB's "SST file is ahead of WALs"):
//! keyspace `b` flushed the writes of a log that `default` still needs, and
//! that log is damaged before them. Opening at the point would keep `b`'s
//! half of the batches after it and lose `default`'s. The same layout with
//! only `default` opens at the point in time.

use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, Error, StorageEngine};

mod common;

use common::keyspaces::{batch, new_database, store, stored_options, write_log};
use common::{fault_config, MemFs, MemFsExt};

/// A database whose log `old` holds three batches, the second one damaged,
/// of `default` and, with `with_b`, of keyspace `b` too, which flushed them
/// all (its tables held timestamps up to 3) and needs only the next log.
/// The damaged log's path and where its first record ends.
fn database(fs: &MemFs, with_b: bool) -> (std::path::PathBuf, u64) {
    let (mut state, old) = new_database(fs);
    state.log_number = old;
    state.keyspaces.default_log_number = old;
    let b = 1;
    if with_b {
        let options = stored_options(CompressionType::None, false);
        state.keyspaces.create("b", options, old + 1).unwrap();
        // Its tables were merged away since: the manifest's last
        // timestamp still says what they held.
        state.last_timestamp = 3;
    }
    store(fs, &state);
    let entries = |i: &'static str| {
        if with_b {
            batch(&[(0, i, Some("a")), (b, i, Some("b"))])
        } else {
            batch(&[(0, i, Some("a"))])
        }
    };
    let (path, ends) = write_log(
        fs,
        old,
        1,
        &[entries("1"), entries("2"), entries("3")],
        true,
    );
    write_log(fs, old + 1, 4, &[], false);
    // A bit flip inside the second record: damage to synced bytes.
    let mut bytes = fs.contents(&path);
    bytes[ends[0] as usize + 12] ^= 0x40;
    fs.set_contents(&path, bytes);
    (path, ends[0])
}

#[test]
fn a_point_in_time_before_a_keyspace_s_flushed_writes_is_refused() {
    let fs = MemFs::new();
    let (path, _) = database(&fs, true);
    let err =
        StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap_err();
    let Error::Corruption { ref file, .. } = err else {
        panic!("not corruption: {err}")
    };
    assert_eq!(file, &path);
    let message = err.to_string();
    assert!(
        message.contains("tables hold writes after the point in time"),
        "{message}"
    );
    assert!(message.contains("timestamp 1"), "{message}");
    // Refused, not repaired: the logs are all there for a second try.
    assert!(fs.contents(&path).len() > 100);
}

#[test]
fn with_one_keyspace_the_same_damage_opens_at_the_point_in_time() {
    let fs = MemFs::new();
    database(&fs, false);
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(db.get("1").unwrap().unwrap(), "a");
    assert_eq!(db.get("2").unwrap(), None);
    assert_eq!(db.get("3").unwrap(), None);
}
