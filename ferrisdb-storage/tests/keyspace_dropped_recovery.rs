//! A dropped keyspace's entries in a log are skipped at replay (risk R5 of
//! issue 19): the database opens, without them, and a keyspace made later
//! under the same name never sees them. An entry of an id the manifest
//! never gave out is corruption naming the log, the record and the payload
//! byte, in the modes that refuse damage.

use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{CompressionType, StorageEngine};

mod common;

use common::keyspaces::{batch, new_database, store, stored_options, write_log};
use common::{fault_config, refused_as_corruption, MemFs};

/// A database whose manifest gave out ids 1 (`log`, dropped since) and 2
/// (`users`), both needing its first log, which holds `entries` after a
/// batch writing all three keyspaces; the log's path and record ends.
fn database(fs: &MemFs, last: common::keyspaces::Entry<'_>) -> (std::path::PathBuf, Vec<u64>) {
    let (mut state, log) = new_database(fs);
    let options = stored_options(CompressionType::Lz4, true);
    let dropped = state.keyspaces.create("log", options.clone(), log).unwrap();
    let users = state.keyspaces.create("users", options, log).unwrap();
    assert_eq!((dropped, users), (1, 2));
    state.keyspaces.remove(dropped).unwrap();
    state.log_number = log;
    store(fs, &state);
    let batches = [
        batch(&[
            (0, "d", Some("1")),
            (1, "e:9", Some("x")),
            (2, "u:1", Some("ada")),
        ]),
        batch(&[(1, "e:10", Some("y"))]),
        batch(&[last]),
    ];
    write_log(fs, log, 1, &batches, false)
}

#[test]
fn a_dropped_keyspace_s_entries_are_skipped() {
    let fs = MemFs::new();
    database(&fs, (2, "u:2", Some("bob")));
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.keyspaces(), ["default", "users"]);
    let users = db.keyspace("users").unwrap();
    assert_eq!(users.get("u:1").unwrap().unwrap(), "ada");
    assert_eq!(users.get("u:2").unwrap().unwrap(), "bob");
    assert_eq!(users.iter().unwrap().count(), 2, "none of `log`'s keys");
    assert_eq!(db.get("d").unwrap().unwrap(), "1");
    assert_eq!(db.iter().unwrap().count(), 1);
    // Every timestamp counts, the skipped ones too: the next write is 4.
    assert_eq!(db.put("n", "v").unwrap(), 4);
    db.close().unwrap();

    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::default())).unwrap();
    assert_eq!(db.keyspaces(), ["default", "users"]);
    assert_eq!(db.keyspace("users").unwrap().iter().unwrap().count(), 2);
}

#[test]
fn an_entry_of_an_id_never_given_out_is_corruption() {
    let fs = MemFs::new();
    let (log, ends) = database(&fs, (3, "z", Some("never made")));
    // The third record.
    for message in refused_as_corruption(&fs, &log, ends[1]) {
        // The keyspace id follows the timestamp, the count and the tag.
        assert!(message.contains("keyspace 3, at byte 10"), "{message}");
        assert!(message.contains("ids below 3"), "{message}");
    }
    // Point in time recovery stops before it.
    let db = StorageEngine::open(fault_config(&fs, RecoveryMode::PointInTimeRecovery)).unwrap();
    assert_eq!(
        db.keyspace("users").unwrap().get("u:1").unwrap().unwrap(),
        "ada"
    );
    assert_eq!(db.stats().recovery_dropped_wal_records, 1);
}
