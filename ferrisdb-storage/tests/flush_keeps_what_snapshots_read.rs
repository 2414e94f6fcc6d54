//! A flush writes only the versions some reader can see, as compaction
//! does: every live snapshot, and every snapshot or transaction that
//! begins while the flush runs, reads after it what it read before.

use std::collections::BTreeMap;
use std::thread;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Snapshot, StorageConfig, StorageEngine};

mod common;

use common::fault_config;

/// What a snapshot reads: its scan's pairs, and a get of each key named.
type View = (Vec<(Vec<u8>, Vec<u8>)>, Vec<Option<Vec<u8>>>);

/// Everything `snapshot` reads: its scan, and a get of each of `keys`.
fn view(snapshot: &Snapshot, keys: &[&str]) -> View {
    let scan = snapshot
        .iter()
        .unwrap()
        .map(|item| {
            let (key, value) = item.unwrap();
            (key.to_vec(), value.to_vec())
        })
        .collect();
    let gets = keys
        .iter()
        .map(|key| snapshot.get(key).unwrap().map(|v| v.to_vec()))
        .collect();
    (scan, gets)
}

#[test]
fn every_live_snapshot_reads_the_same_after_the_flush() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    // An older table holds `gone`, so its tombstone must reach level 0.
    db.put("gone", "g0").unwrap();
    db.put("cold", "c0").unwrap();
    db.flush().unwrap();

    // Four hundred versions of `hot`, a tombstone among them, with
    // snapshots between them (two next to each other, one at the
    // tombstone) and `gone` deleted between two of them.
    let mut snapshots = Vec::new();
    for i in 1..=400 {
        match i {
            100 => db.delete("hot"),
            200 => db.delete("gone"),
            _ => db.put("hot", format!("v{i}")),
        }
        .unwrap();
        if [60, 61, 100, 150, 300].contains(&i) {
            snapshots.push(db.snapshot().unwrap());
        }
    }
    let keys = ["hot", "gone", "cold"];
    let before: Vec<_> = snapshots.iter().map(|s| view(s, &keys)).collect();
    let now_before = view(&db.snapshot().unwrap(), &keys);

    db.flush().unwrap();

    for (snapshot, before) in snapshots.iter().zip(&before) {
        assert_eq!(
            &view(snapshot, &keys),
            before,
            "the snapshot at {}",
            snapshot.timestamp()
        );
    }
    assert_eq!(view(&db.snapshot().unwrap(), &keys), now_before);
    assert_eq!(db.get("hot").unwrap().as_deref(), Some(&b"v400"[..]));

    // Of `hot`, the newest version of each of the six stripes the five
    // snapshots cut (the tombstone is the newest of its own); of `gone`,
    // its tombstone: the newest of its stripe, over an older table's put.
    let tables = db.live_tables();
    let flushed = tables.iter().max_by_key(|t| t.file_number).unwrap();
    assert_eq!(
        (flushed.entry_count, flushed.tombstone_count),
        (7, 2),
        "{flushed:?}"
    );
}

#[test]
fn a_snapshot_and_a_transaction_begun_during_the_flush_read_its_newest_versions() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        disable_auto_compactions: true,
        ..fault_config(&fs, RecoveryMode::default())
    })
    .unwrap();
    let mut expected = BTreeMap::new();
    for i in 0..300 {
        let (key, value) = (format!("k{}", i % 7), format!("v{i}"));
        db.put(&key, &value).unwrap();
        expected.insert(key.into_bytes(), value.into_bytes());
    }
    // No snapshot is live when the flush reads the list; it is held at its
    // table's sync, after it decided what to keep.
    let held = fs.hold_syncs(".sst");
    let flush = {
        let db = db.clone();
        thread::spawn(move || db.flush())
    };
    held.wait_until_held(1);
    let snapshot = db.snapshot().unwrap();
    let mut transaction = db.transaction().unwrap();
    db.put("k0", "after").unwrap();
    held.release();
    flush.join().unwrap().unwrap();

    let read: BTreeMap<_, _> = snapshot
        .iter()
        .unwrap()
        .map(|item| {
            let (key, value) = item.unwrap();
            (key.to_vec(), value.to_vec())
        })
        .collect();
    assert_eq!(read, expected);
    for (key, value) in &expected {
        assert_eq!(transaction.get(key).unwrap().as_deref(), Some(&value[..]));
    }
    assert_eq!(db.get("k0").unwrap().as_deref(), Some(&b"after"[..]));
    let tables = db.live_tables();
    assert_eq!(tables.len(), 1);
    assert_eq!(tables[0].entry_count, 7, "one version per key");
}
