//! Bug: `get`, `scan` and `scan_prefix` loaded the visible timestamp and then
//! the current super version, in two steps, and `snapshot` registered its
//! timestamp only after loading it. A flush and a compaction in between
//! could drop the only version visible at that timestamp (compaction keeps,
//! per key, the newest version and those live snapshots see), so the read
//! returned "absent", and a snapshot stayed wrong for its whole life.
//!
//! Made deterministic with the engine's test pause point: the read stops
//! right after choosing its timestamp, the test writes a newer version,
//! flushes and compacts, then lets the read go on.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Slice, StorageConfig, StorageEngine};

/// An engine on an in-memory file system that compacts only when asked.
fn open() -> StorageEngine {
    StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

/// Writes `k = old` into a table, starts `read` on another thread and stops
/// it right after it chose its timestamp, overwrites `k` with a newer
/// version, flushes and compacts (which drops `old` unless someone can still
/// see it), then lets the read finish and returns what it read.
fn read_across_a_compaction(
    read: impl FnOnce(&StorageEngine) -> Option<Slice> + Send,
) -> Option<Slice> {
    let db = open();
    db.put("k", "old").unwrap();
    db.flush().unwrap();
    std::thread::scope(|s| {
        let pause = db.pause_next_read();
        let reader = s.spawn(|| read(&db));
        pause.wait_until_paused();
        db.put("k", "new").unwrap();
        db.flush().unwrap();
        db.compact().unwrap();
        assert_eq!(
            db.live_tables().len(),
            1,
            "the compaction merged both tables"
        );
        pause.release();
        reader.join().unwrap()
    })
}

const OLD: Option<&[u8]> = Some(b"old");

#[test]
fn get_sees_the_version_of_its_timestamp() {
    let found = read_across_a_compaction(|db| db.get("k").unwrap());
    assert_eq!(
        found.as_deref(),
        OLD,
        "get lost the version at its timestamp"
    );
}

#[test]
fn scan_sees_the_version_of_its_timestamp() {
    let found = read_across_a_compaction(|db| {
        let pairs: Vec<_> = db.scan("a".."z").unwrap().map(Result::unwrap).collect();
        pairs
            .into_iter()
            .find(|(key, _)| key == b"k")
            .map(|(_, v)| v)
    });
    assert_eq!(
        found.as_deref(),
        OLD,
        "scan lost the version at its timestamp"
    );
}

#[test]
fn scan_prefix_sees_the_version_of_its_timestamp() {
    let found = read_across_a_compaction(|db| {
        let pairs: Vec<_> = db.scan_prefix("k").unwrap().map(Result::unwrap).collect();
        pairs
            .into_iter()
            .find(|(key, _)| key == b"k")
            .map(|(_, v)| v)
    });
    assert_eq!(
        found.as_deref(),
        OLD,
        "scan_prefix lost the version at its timestamp"
    );
}

#[test]
fn snapshot_keeps_the_version_of_its_timestamp() {
    let found = read_across_a_compaction(|db| {
        let snapshot = db.snapshot().unwrap();
        // The snapshot is used after the compaction, and must still see the
        // version of its timestamp.
        snapshot.get("k").unwrap()
    });
    assert_eq!(
        found.as_deref(),
        OLD,
        "a snapshot lost the version at its timestamp"
    );
}
