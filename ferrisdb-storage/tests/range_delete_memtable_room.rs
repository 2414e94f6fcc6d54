//! A range delete takes room in its MemTable like an entry of its bounds,
//! and the write path makes that room before it logs the batch: range
//! deletes with long bounds fill MemTables, which freeze and flush as
//! entries make them, and a batch of range deletes larger than a whole
//! MemTable gets one of its own. No write fails to fit after it was logged
//! (which would stop the engine), at the write and at the replay alike.

mod range_delete_common;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};
use range_delete_common::config;

const MEMTABLE: usize = 4 << 10;

/// A bound of 500 bytes: `tag` then filler.
fn bound(tag: u32, last: u8) -> Vec<u8> {
    let mut bound = format!("{tag:08}").into_bytes();
    bound.resize(500, last);
    bound
}

#[test]
fn range_deletes_are_charged_and_made_room_for() {
    let fs = FaultFileSystem::new();
    let cfg = StorageConfig {
        memtable_size: MEMTABLE,
        ..config(&fs)
    };
    let db = StorageEngine::open(cfg.clone()).unwrap();
    // Each batch holds a put after its range delete, which keeps it, so
    // every MemTable holds entries as well.
    for i in 0..40 {
        let mut batch = WriteBatch::new();
        batch
            .delete_range(bound(i, b'a')..bound(i, b'z'))
            .put(format!("{i:08}"), "v");
        db.write(&batch).unwrap();
    }
    // Larger than a whole MemTable.
    let mut batch = WriteBatch::new();
    for i in 100..110 {
        batch.delete_range(bound(i, b'a')..bound(i, b'z'));
    }
    batch.put("big", "batch");
    assert!(batch.approximate_size() > MEMTABLE);
    db.write(&batch).unwrap();
    db.flush().unwrap();
    let stats = db.stats();
    assert!(
        stats.flushes >= 5,
        "the range deletes filled MemTables: {stats:?}"
    );
    db.put("after", "ok").unwrap();
    assert_eq!(db.get("big").unwrap().as_deref(), Some(&b"batch"[..]));

    // The replay makes the same room.
    drop(db);
    let db = StorageEngine::open(cfg).unwrap();
    assert_eq!(db.get("after").unwrap().as_deref(), Some(&b"ok"[..]));
    assert_eq!(db.get("00000039").unwrap().as_deref(), Some(&b"v"[..]));
}
