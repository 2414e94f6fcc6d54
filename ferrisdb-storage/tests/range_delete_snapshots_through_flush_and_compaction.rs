//! Snapshots taken before, between and after range
//! deletes and puts in one MemTable read the same after its flush (which
//! drops what its own range deletes hide), after compactions in each style
//! and, for the latest view, after a reopen; entries after a range delete
//! in its batch (the same timestamp) survive all of it.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, Snapshot, StorageConfig, StorageEngine,
    WriteBatch,
};

type View = BTreeMap<String, String>;

fn config(fs: &FaultFileSystem, style: CompactionStyle) -> StorageConfig {
    StorageConfig {
        compaction_style: style,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    }
}

fn pairs(scan: ferrisdb_storage::Scan, backwards: bool) -> View {
    let item = |i: ferrisdb_storage::Result<(ferrisdb_storage::Slice, ferrisdb_storage::Slice)>| {
        let (k, v) = i.unwrap();
        let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
        (text(&k), text(&v))
    };
    match backwards {
        false => scan.map(item).collect(),
        true => scan.rev().map(item).collect(),
    }
}

fn check(db: &StorageEngine, snapshots: &[(Snapshot, View)], latest: &View, when: &str) {
    for (i, (s, want)) in snapshots.iter().enumerate() {
        for backwards in [false, true] {
            let got = pairs(s.iter().unwrap(), backwards);
            assert_eq!(&got, want, "snapshot {i} {when} (backwards: {backwards})");
        }
        for (k, v) in want {
            assert_eq!(s.get(k).unwrap().as_deref(), Some(v.as_bytes()), "{when}");
        }
        for k in ["a", "b", "c", "d", "e", "f"] {
            if !want.contains_key(k) {
                assert_eq!(s.get(k).unwrap(), None, "snapshot {i} get {k} {when}");
            }
        }
    }
    assert_eq!(&pairs(db.iter().unwrap(), false), latest, "latest {when}");
    assert_eq!(
        &pairs(db.iter().unwrap(), true),
        latest,
        "latest {when}, backwards"
    );
}

fn scenario(style: CompactionStyle) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs, style)).unwrap();
    let mut snapshots: Vec<(Snapshot, View)> = Vec::new();
    let take = |db: &StorageEngine, snapshots: &mut Vec<(Snapshot, View)>| {
        let s = db.snapshot().unwrap();
        let v = pairs(db.iter().unwrap(), false);
        snapshots.push((s, v));
    };
    // Older versions in a table at the bottom.
    for k in ["a", "b", "c", "d", "e", "f"] {
        db.put(k, format!("{k}0")).unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    // One MemTable: puts, snapshots and range deletes interleaved.
    db.put("b", "b1").unwrap();
    take(&db, &mut snapshots);
    let mut batch = WriteBatch::new();
    batch
        .put("c", "c-before")
        .delete_range("a".."e")
        .put("c", "c-after")
        .delete("d")
        .put("b", "b-after");
    db.write(batch).unwrap();
    take(&db, &mut snapshots);
    db.put("a", "a2").unwrap();
    db.put("b", "b2").unwrap();
    let mut batch = WriteBatch::new();
    batch.put("b", "b-gone").delete_range("b"..="b");
    db.write(batch).unwrap();
    take(&db, &mut snapshots);
    let mut batch = WriteBatch::new();
    batch.delete_prefix("").put("e", "e-last").delete("f");
    db.write(batch).unwrap();
    take(&db, &mut snapshots);
    db.put("f", "f-new").unwrap();
    let latest = pairs(db.iter().unwrap(), false);
    assert_eq!(
        latest,
        [("e", "e-last"), ("f", "f-new")]
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .into()
    );
    check(&db, &snapshots, &latest, "before the flush");
    db.flush().unwrap();
    check(&db, &snapshots, &latest, "after the flush");
    db.compact().unwrap();
    check(&db, &snapshots, &latest, "after a compaction");
    // Let the snapshots go one by one, compacting each time.
    while !snapshots.is_empty() {
        snapshots.remove(0);
        db.compact().unwrap();
        check(&db, &snapshots, &latest, "after a snapshot went");
    }
    db.close().unwrap();
    let db = StorageEngine::open(config(&fs, style)).unwrap();
    check(&db, &[], &latest, "after a reopen");
}

#[test]
fn leveled() {
    scenario(CompactionStyle::Leveled(LeveledOptions::default()));
}

#[test]
fn size_tiered() {
    scenario(CompactionStyle::SizeTiered(SizeTieredOptions::default()));
}
