//! A range delete hides the versions older than itself, never a write made
//! after it inside its range (issue 20, plan risk R5), nor one after it in
//! its own batch: every read sees the newer write, and a scan that seeks
//! the older tables past the deleted range still stops at it, in both
//! directions, from both ends at once.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Result, Slice, StorageConfig, StorageEngine, WriteBatch};

fn keys(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Vec<String> {
    scan.map(|item| String::from_utf8(item.unwrap().0.to_vec()).unwrap())
        .collect()
}

#[test]
fn a_write_after_a_range_delete_inside_it_survives_every_read() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        block_size: 256,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for i in 0..200 {
        db.put(format!("k{i:03}"), "old").unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    // Still in the MemTable when the delete comes: hidden too.
    db.put("k150", "old too").unwrap();
    db.delete_range("k"..).unwrap();
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
    let front = scan.next().unwrap().unwrap();
    let back = scan.next_back().unwrap().unwrap();
    assert_eq!((&front.0[..], &back.0[..]), (&b"k050"[..], &b"k199"[..]));
    assert!(scan.next().is_none());
}

#[test]
fn a_write_after_a_range_delete_in_its_batch_survives() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for key in ["m1", "m2", "m3"] {
        db.put(key, "old").unwrap();
    }
    db.flush().unwrap();
    let mut batch = WriteBatch::new();
    batch
        .put("m1", "before")
        .delete_range("m".."n")
        .put("m2", "after");
    db.write(&batch).unwrap();
    assert_eq!(keys(db.iter().unwrap()), ["m2"]);
    assert_eq!(keys(db.iter().unwrap().rev()), ["m2"]);
    assert_eq!(db.get("m1").unwrap(), None);
    assert_eq!(db.get("m2").unwrap().as_deref(), Some(&b"after"[..]));
    assert_eq!(db.get("m3").unwrap(), None);
}
