//! The engine's reads over range deletes: what they hide, through every
//! read of the engine, its keyspaces and its snapshots, and what a scan
//! across a deleted range costs in blocks (`stats().blocks_read`).
//!
//! The range deletes are put straight into a keyspace's active MemTable, at
//! a timestamp a write to another keyspace took (so the write path's own
//! range delete is not needed, and the deleted keyspace's scans hold no
//! extra key).

use std::sync::Arc;

use crate::fs::FaultFileSystem;
use crate::{Keyspace, Result, Slice, StorageConfig, StorageEngine, Timestamp};

fn open() -> StorageEngine {
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        block_size: 256,
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

/// Deletes `[start, end)` (`end: None`: unbounded) of `ks` at a new
/// timestamp, in its active MemTable.
fn delete_range(db: &StorageEngine, ks: &Keyspace, start: &str, end: Option<&str>) -> Timestamp {
    let ts = db.keyspace("clock").unwrap().put("tick", "").unwrap();
    let end = end.map(|e| e.as_bytes().to_vec());
    ks.ks
        .current()
        .active
        .delete_range(start.as_bytes().to_vec(), end, ts)
        .unwrap();
    ts
}

fn keys(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Vec<String> {
    scan.map(|item| String::from_utf8(item.unwrap().0.to_vec()).unwrap())
        .collect()
}

fn blocks(db: &StorageEngine) -> u64 {
    db.stats().blocks_read
}

#[test]
fn a_scan_across_a_deleted_range_reads_about_as_many_blocks_as_an_empty_one() {
    let db = open();
    let default = db.keyspace("default").unwrap();
    let value = "v".repeat(100);
    for i in 0..100 {
        db.put(format!("a{i:03}"), &value).unwrap();
        db.put(format!("z{i:03}"), &value).unwrap();
    }
    for i in 0..20_000 {
        db.put(format!("k{i:06}"), &value).unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    assert_eq!(blocks(&db), 0, "flushes and compactions are not reads");
    let levels = db.stats().levels.iter().filter(|l| l.tables > 0).count() as u64;

    let before = blocks(&db);
    assert_eq!(keys(db.scan("k".."l").unwrap()).len(), 20_000);
    let full = blocks(&db) - before;

    let before = blocks(&db);
    assert!(keys(db.scan("m".."n").unwrap()).is_empty());
    let empty = blocks(&db) - before;

    // The keys around the range, scanned on their own.
    let before = blocks(&db);
    assert_eq!(keys(db.scan(.."b").unwrap()).len(), 100);
    assert_eq!(keys(db.scan("y"..).unwrap()).len(), 100);
    let around = blocks(&db) - before;

    // One range delete over the 20 000 keys, in the MemTable.
    delete_range(&db, &default, "k", Some("l"));
    let measure = |scan: &dyn Fn() -> Vec<String>| {
        let before = blocks(&db);
        let found = scan();
        (found, blocks(&db) - before)
    };
    let (found, deleted) = measure(&|| keys(db.scan("k".."l").unwrap()));
    assert!(found.is_empty(), "{found:?}");
    let (found, deleted_back) = measure(&|| keys(db.scan("k".."l").unwrap().rev()));
    assert!(found.is_empty(), "{found:?}");
    let (found, whole) = measure(&|| keys(db.iter().unwrap()));
    assert_eq!(found.len(), 200);
    assert!(found[99] == "a099" && found[100] == "z000");

    // About as many as an empty range: one block per level where the scan
    // starts, one where it lands past the deleted range.
    assert!(full > 100, "the range holds {full} blocks");
    for cost in [deleted, deleted_back] {
        assert!(
            cost <= empty + 2 * levels,
            "{cost} blocks across the deleted range, {empty} across an empty one ({levels} levels)"
        );
    }
    assert!(
        whole <= around + 2 * levels,
        "{whole} blocks for the whole database, {around} for the keys around the range"
    );
    // A get under the MemTable's tombstone reads no block.
    let before = blocks(&db);
    assert_eq!(db.get("k001234").unwrap(), None);
    assert_eq!(blocks(&db), before);
    // Without the tombstone a get reads one.
    assert!(db.get("a001").unwrap().is_some());
    assert_eq!(blocks(&db), before + 1);
}

#[test]
fn a_write_after_a_range_delete_inside_it_survives_every_read() {
    let db = open();
    let default = db.keyspace("default").unwrap();
    for i in 0..200 {
        db.put(format!("k{i:03}"), "old").unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    // Still in the MemTable when the delete comes: hidden too.
    db.put("k150", "old too").unwrap();
    delete_range(&db, &default, "k", None);
    db.put("k050", "new").unwrap();
    db.put("k199", "new").unwrap();

    let expected = ["k050", "k199"];
    assert_eq!(keys(db.iter().unwrap()), expected);
    assert_eq!(keys(db.iter().unwrap().rev()), ["k199", "k050"]);
    assert_eq!(keys(db.scan("k000"..="k199").unwrap()), expected);
    assert_eq!(keys(db.scan_prefix("k1").unwrap()), ["k199"]);
    assert_eq!(keys(db.scan_prefix("k0").unwrap().rev()), ["k050"]);
    assert_eq!(db.get("k050").unwrap().as_deref(), Some(&b"new"[..]));
    assert_eq!(db.get("k051").unwrap(), None);
    assert_eq!(db.get("k150").unwrap(), None);
    // Both ends at once meet in the middle.
    let mut scan = db.iter().unwrap();
    let (front, back) = (
        scan.next().unwrap().unwrap(),
        scan.next_back().unwrap().unwrap(),
    );
    assert_eq!((&front.0[..], &back.0[..]), (&b"k050"[..], &b"k199"[..]));
    assert!(scan.next().is_none());
}

#[test]
fn a_snapshot_taken_before_a_range_delete_still_sees_the_data() {
    let db = open();
    let default = db.keyspace("default").unwrap();
    let users = db.keyspace("users").unwrap();
    for i in 0..100 {
        db.put(format!("u{i:02}"), "d").unwrap();
        users.put(format!("u{i:02}"), "u").unwrap();
    }
    db.flush().unwrap();
    let before = db.snapshot().unwrap();
    delete_range(&db, &default, "u10", Some("u90"));
    delete_range(&db, &users, "u", None);
    let after = db.snapshot().unwrap();

    assert_eq!(keys(before.iter().unwrap()).len(), 100);
    assert_eq!(keys(before.iter().unwrap().rev()).len(), 100);
    assert_eq!(keys(before.scan_prefix("u5").unwrap()).len(), 10);
    assert_eq!(before.get("u50").unwrap().as_deref(), Some(&b"d"[..]));
    assert_eq!(keys(before.iter_in(&users).unwrap()).len(), 100);
    assert_eq!(
        before.get_in(&users, "u00").unwrap().as_deref(),
        Some(&b"u"[..])
    );

    // Now and through a later snapshot: the deletes, each in its keyspace.
    for found in [keys(db.iter().unwrap()), keys(after.iter().unwrap())] {
        assert_eq!(found.len(), 20, "{found:?}");
        assert_eq!((found[9].as_str(), found[10].as_str()), ("u09", "u90"));
    }
    assert_eq!(db.get("u50").unwrap(), None);
    assert_eq!(after.get("u50").unwrap(), None);
    assert_eq!(db.get("u95").unwrap().as_deref(), Some(&b"d"[..]));
    assert!(keys(users.iter().unwrap()).is_empty());
    assert!(keys(users.scan("u00".."u50").unwrap().rev()).is_empty());
    assert!(keys(users.scan_prefix("u").unwrap()).is_empty());
    assert!(keys(after.scan_in(&users, "u00"..).unwrap()).is_empty());
    assert_eq!(users.get("u00").unwrap(), None);
    assert_eq!(after.get_in(&users, "u99").unwrap(), None);
}
