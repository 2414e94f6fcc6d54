//! Review finding: with `max_key_size` at its documented maximum
//! (`MAX_KEY_SIZE`), two unbounded range deletes make every later flush
//! fail, and the database then cannot be reopened.
//!
//! A flush cuts an unbounded tombstone at `next_key(largest)`, the largest
//! user key of every table (`engine/flush.rs`, `bounded`). A table's largest
//! user key may itself be a tombstone's end, which is already one byte
//! longer than the longest key (`MAX_RANGE_END_SIZE`): the cut is then two
//! bytes longer than the longest key, which the table builder refuses
//! (`check_storable`), so the flush fails, the engine stops, and recovery
//! (which flushes the replayed MemTable the same way) fails too.

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, MAX_KEY_SIZE};
use std::sync::Arc;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        max_key_size: MAX_KEY_SIZE,
        ..StorageConfig::new("/db")
    }
}

#[test]
fn two_unbounded_range_deletes_after_a_longest_key_flush_and_reopen() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let longest = vec![b'k'; MAX_KEY_SIZE];
    db.put(&longest, "old").unwrap();
    // Cut at `longest + [0]`, one byte past the longest key: accepted.
    db.delete_range(b"a".to_vec()..).unwrap();
    db.flush().expect("the first flush");

    db.put("b", "old").unwrap();
    db.delete_range(b"b".to_vec()..).unwrap();
    // Cut at `longest + [0, 0]`: refused by the table builder.
    let flushed = db.flush();
    assert!(
        flushed.is_ok(),
        "a flush of a legal range delete failed: {flushed:?}"
    );
    assert_eq!(db.get("b").unwrap(), None);
    db.put("c", "new").unwrap();
    db.close().unwrap();

    let db = StorageEngine::open(config(&fs)).expect("reopen");
    assert_eq!(db.get("b").unwrap(), None);
    assert_eq!(db.get(&longest).unwrap(), None);
    assert_eq!(db.get("c").unwrap().unwrap(), "new");
}
