//! The handle of the `default` keyspace reads and writes exactly what the
//! engine's own methods do: its writes are the engine's reads and the other
//! way round, its batches (`put_in`, `delete_in`) commit atomically with one
//! timestamp, and a snapshot's `get_in` and `scan_in` see the snapshot's
//! instant. A handle of another database is refused.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{
    Error, Keyspace, ReadOptions, Scan, StorageEngine, WriteBatch, WriteOptions,
};

mod common;

use common::fault_config;

fn open(fs: &FaultFileSystem) -> StorageEngine {
    StorageEngine::open(fault_config(fs, RecoveryMode::default())).unwrap()
}

/// The pairs a scan returns, as strings.
fn pairs(scan: Scan) -> Vec<(String, String)> {
    scan.map(|item| {
        let (key, value) = item.unwrap();
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        (text(&key), text(&value))
    })
    .collect()
}

#[test]
fn the_default_handle_reads_and_writes_what_the_engine_does() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let default: Keyspace = db.keyspace("default").unwrap();
    assert_eq!(default.name(), "default");

    let by_handle = default.put("a", "1").unwrap();
    let by_engine = db.put("b", "2").unwrap();
    assert_eq!(by_engine, by_handle + 1, "one timestamp sequence");
    assert_eq!(db.get("a").unwrap().unwrap(), "1");
    assert_eq!(default.get("b").unwrap().unwrap(), "2");
    default.put_opt("c", "3", &WriteOptions::default()).unwrap();
    db.put("ab", "4").unwrap();
    default.delete("b").unwrap();
    assert_eq!(db.get("b").unwrap(), None);
    db.delete_opt("c", &WriteOptions::default()).unwrap();
    assert_eq!(default.get_opt("c", &ReadOptions::default()).unwrap(), None);

    // Through MemTables and, once flushed, tables.
    for round in 0..2 {
        let all = pairs(db.iter().unwrap());
        assert_eq!(all, [("a".into(), "1".into()), ("ab".into(), "4".into())]);
        assert_eq!(pairs(default.iter().unwrap()), all, "round {round}");
        let options = ReadOptions::default();
        assert_eq!(pairs(default.iter_opt(&options).unwrap()), all);
        assert_eq!(pairs(default.scan("a".."b").unwrap()), all);
        assert_eq!(
            pairs(default.scan_opt("ab".., &options).unwrap()),
            pairs(db.scan("ab"..).unwrap())
        );
        assert_eq!(
            pairs(default.scan_prefix("a").unwrap()),
            pairs(db.scan_prefix("a").unwrap())
        );
        assert_eq!(
            pairs(default.scan_prefix_opt("ab", &options).unwrap()).len(),
            1
        );
        let reversed: Vec<_> = default
            .iter()
            .unwrap()
            .rev()
            .map(|i| i.unwrap().0)
            .collect();
        assert_eq!(reversed, ["ab", "a"]);
        db.flush().unwrap();
    }

    // A handle keeps the database open; a close closes it for the handle.
    let kept = default.clone();
    drop(default);
    db.close().unwrap();
    assert!(matches!(kept.get("a"), Err(Error::Closed)));
    assert!(matches!(kept.put("a", "x"), Err(Error::Closed)));
    let db = open(&fs);
    let default = db.keyspace("default").unwrap();
    assert_eq!(default.get("a").unwrap().unwrap(), "1");
    assert_eq!(db.keyspaces(), ["default"]);
}

#[test]
fn a_batch_built_with_the_handle_commits_atomically_with_one_timestamp() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let default = db.keyspace("default").unwrap();
    db.put("gone", "old").unwrap();
    let before = db.snapshot().unwrap();

    let mut batch = WriteBatch::new();
    batch
        .put_in(&default, "k1", "v1")
        .put("k2", "v2")
        .delete_in(&default, "gone")
        .put_in(&default, "k1", "last");
    let timestamp = db.write(&batch).unwrap();
    assert_eq!(timestamp, before.timestamp() + 1, "one timestamp for all");

    assert_eq!(db.get("k1").unwrap().unwrap(), "last", "the later put wins");
    assert_eq!(default.get("k2").unwrap().unwrap(), "v2");
    assert_eq!(default.get("gone").unwrap(), None);
    // Nothing of it before its timestamp, all of it at it.
    assert_eq!(
        pairs(before.iter().unwrap()),
        [("gone".into(), "old".into())]
    );
    let after = db.snapshot().unwrap();
    assert_eq!(
        pairs(after.iter_in(&default).unwrap()),
        [("k1".into(), "last".into()), ("k2".into(), "v2".into())]
    );

    // The batch can be cleared and reused, and all of it is in the log.
    batch.clear();
    batch.put_in(&default, "k3", "v3");
    db.write(batch).unwrap();
    drop((before, after, default));
    drop(db);
    let db = open(&fs);
    let keys: Vec<_> = pairs(db.iter().unwrap()).into_iter().map(|p| p.0).collect();
    assert_eq!(keys, ["k1", "k2", "k3"]);
    assert_eq!(db.get("k1").unwrap().unwrap(), "last");
}

#[test]
fn a_snapshot_reads_the_handle_s_keyspace_at_its_instant() {
    let fs = FaultFileSystem::new();
    let db = open(&fs);
    let default = db.keyspace("default").unwrap();
    default.put("a", "1").unwrap();
    default.put("b", "1").unwrap();
    let snapshot = db.snapshot().unwrap();
    default.put("a", "2").unwrap();
    default.delete("b").unwrap();
    default.put("c", "2").unwrap();

    for round in 0..2 {
        assert_eq!(snapshot.get_in(&default, "a").unwrap().unwrap(), "1");
        assert_eq!(snapshot.get_in(&default, "b").unwrap().unwrap(), "1");
        let options = ReadOptions::default();
        assert_eq!(snapshot.get_in_opt(&default, "c", &options).unwrap(), None);
        let then = [("a".into(), "1".into()), ("b".into(), "1".into())];
        assert_eq!(pairs(snapshot.scan_in(&default, "a"..).unwrap()), then);
        assert_eq!(
            pairs(snapshot.scan_in_opt(&default, .."b", &options).unwrap()).len(),
            1
        );
        assert_eq!(
            pairs(snapshot.scan_prefix_in(&default, "b").unwrap()).len(),
            1
        );
        assert_eq!(
            pairs(snapshot.iter_in(&default).unwrap()),
            pairs(snapshot.iter().unwrap())
        );
        // Now, the handle sees the writes since.
        assert_eq!(pairs(default.iter().unwrap()).len(), 2, "round {round}");
        db.compact().unwrap();
    }
}

#[test]
fn a_handle_of_another_database_is_refused_and_nothing_is_written() {
    let (fs, other_fs) = (FaultFileSystem::new(), FaultFileSystem::new());
    let db = open(&fs);
    let other = open(&other_fs);
    let ours = db.keyspace("default").unwrap();
    let theirs = other.keyspace("default").unwrap();
    db.put("k", "ours").unwrap();
    other.put("k", "theirs").unwrap();

    let snapshot = db.snapshot().unwrap();
    for result in [
        snapshot.get_in(&theirs, "k").map(drop),
        snapshot.scan_in(&theirs, "a"..).map(drop),
        snapshot.iter_in(&theirs).map(drop),
    ] {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("another database"), "{err}");
    }

    let logged = db.stats().wal_bytes_written;
    let mut foreign = WriteBatch::new();
    foreign
        .put_in(&theirs, "k", "wrong")
        .delete_in(&theirs, "x");
    let mut mixed = WriteBatch::new();
    mixed.put_in(&ours, "m", "1").put_in(&theirs, "n", "2");
    for batch in [&foreign, &mixed] {
        let err = db.write(batch).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        assert!(err.to_string().contains("another database"), "{err}");
    }
    // The mixed batch is no other database's either.
    assert!(matches!(
        other.write(&mixed),
        Err(Error::InvalidArgument(_))
    ));
    assert_eq!(db.stats().wal_bytes_written, logged, "nothing logged");
    assert_eq!(db.get("k").unwrap().unwrap(), "ours");
    assert_eq!(db.get("m").unwrap(), None);

    // Written to its own database, the foreign batch is fine.
    other.write(&foreign).unwrap();
    assert_eq!(theirs.get("k").unwrap().unwrap(), "wrong");

    // A handle of an instance closed since is another instance's.
    let mut stale = WriteBatch::new();
    stale.put_in(&ours, "s", "1");
    drop((snapshot, ours));
    db.close().unwrap();
    let db = open(&fs);
    assert!(matches!(db.write(&stale), Err(Error::InvalidArgument(_))));
    assert_eq!(db.get("s").unwrap(), None);
}
