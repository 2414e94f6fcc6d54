//! A range delete hides only versions older than itself, so it hides none
//! of its own batch's entries: the batch's order decides. An entry of a
//! covered key before the range delete is dropped (it is never inserted);
//! one after it is kept, as the issue's
//! `b.delete_range_in(&ks, range).put_in(&ks, k, v)` needs. The same holds
//! after the log is replayed, by a reopen and after a power loss, since
//! replay applies a batch as the write did.
//!
//! Reads do not consult range tombstones in this scenario's keys: every key
//! is new to the batch, so what a read finds is what the batch inserted.

mod range_delete_common;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Keyspace, StorageEngine, SyncMode, WriteBatch, WriteOptions};
use range_delete_common::config;

/// What `read` finds of each of `keys`.
fn read_all(read: impl Fn(&str) -> Option<String>, keys: &[&str]) -> Vec<Option<String>> {
    keys.iter().map(|key| read(key)).collect()
}

fn value(slice: Option<ferrisdb_storage::Slice>) -> Option<String> {
    slice.map(|s| String::from_utf8(s.to_vec()).unwrap())
}

const KEYS: [&str; 7] = ["a1", "a2", "b1", "b2", "c1", "d1", "z"];

/// The values of [`KEYS`] the batches of [`write`] leave.
fn expected() -> Vec<Option<String>> {
    [
        None,
        Some("after"),
        None,
        Some("after"),
        Some("outside"),
        None,
        Some("z"),
    ]
    .map(|v| v.map(str::to_owned))
    .to_vec()
}

/// Writes, in `default` and in `ks`: a batch whose range delete comes
/// between writes of the keys it covers, and one whose last entry is a
/// range delete covering every key it wrote before.
fn write(db: &StorageEngine, ks: &Keyspace) {
    let durable = WriteOptions {
        sync: Some(SyncMode::Full),
    };
    let mut batch = WriteBatch::new();
    batch
        .put("a1", "before")
        .put("a2", "before")
        .delete("b1")
        .delete_range("a".."c")
        .put("a2", "after")
        .put("b2", "after")
        .put("c1", "outside");
    db.write_opt(&batch, &durable).unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put_in(ks, "a1", "before")
        .put_in(ks, "a2", "before")
        .delete_in(ks, "b1")
        .delete_range_in(ks, "a".."c")
        .put_in(ks, "a2", "after")
        .put_in(ks, "b2", "after")
        .put_in(ks, "c1", "outside");
    db.write_opt(&batch, &durable).unwrap();
    // Put, then a range delete over it: the put is dropped. A put outside
    // the range keeps each MemTable holding entries as well.
    let mut batch = WriteBatch::new();
    batch
        .put("d1", "gone")
        .put_in(ks, "d1", "gone")
        .put("z", "z")
        .put_in(ks, "z", "z")
        .delete_prefix("d")
        .delete_prefix_in(ks, "d");
    db.write_opt(&batch, &durable).unwrap();
}

fn check(db: &StorageEngine, ks: &Keyspace, when: &str) {
    let in_default = read_all(|k| value(db.get(k).unwrap()), &KEYS);
    assert_eq!(in_default, expected(), "default, {when}");
    let in_ks = read_all(|k| value(ks.get(k).unwrap()), &KEYS);
    assert_eq!(in_ks, expected(), "keyspace, {when}");
}

#[test]
fn entries_before_a_covering_range_delete_are_dropped_and_after_it_kept() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let ks = db.keyspace("sessions").unwrap();
    write(&db, &ks);
    check(&db, &ks, "after the writes");

    // A power loss: every write was durable, and replay applies each batch
    // in its order again.
    let after_crash = fs.crash();
    drop((db, ks));
    let db = StorageEngine::open(config(&after_crash)).unwrap();
    let ks = db.keyspace("sessions").unwrap();
    check(&db, &ks, "after a power loss and replay");

    // And once more through a clean close and reopen, writing again.
    write(&db, &ks);
    db.close().unwrap();
    let db = StorageEngine::open(config(&after_crash)).unwrap();
    let ks = db.keyspace("sessions").unwrap();
    check(&db, &ks, "after a reopen");
}
