//! A range delete through flushes and compactions, in both styles: a
//! snapshot taken before it keeps reading the data; once released, the
//! covered tables go without being read and the tombstone leaves the
//! bottom, so the range's bytes are reclaimed and no key comes back.

use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine};

const KEYS: usize = 4_000;

fn key(i: usize) -> String {
    format!("key{i:05}")
}

fn table_bytes(db: &StorageEngine) -> u64 {
    db.live_tables().iter().map(|t| t.file_size).sum()
}

fn range_delete_then_compact(style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 64 << 10,
        target_file_size: 32 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    for i in 0..KEYS {
        db.put(key(i), "a value that takes some space in the tables")
            .unwrap();
    }
    db.compact().unwrap();
    let before = table_bytes(&db);

    let snapshot = db.snapshot().unwrap();
    // Everything but the first and last hundred keys.
    db.delete_range(key(100)..key(KEYS - 100)).unwrap();
    db.put(key(2_000), "written after the delete").unwrap();
    for round in ["in the MemTable", "flushed", "compacted"] {
        match round {
            "flushed" => db.flush().unwrap(),
            "compacted" => db.compact().unwrap(),
            _ => {}
        }
        assert_eq!(
            db.get(key(99)).unwrap().unwrap(),
            "a value that takes some space in the tables",
            "{style:?} {round}"
        );
        assert_eq!(db.get(key(100)).unwrap(), None, "{style:?} {round}");
        assert_eq!(db.get(key(KEYS - 101)).unwrap(), None, "{style:?} {round}");
        assert!(
            db.get(key(KEYS - 100)).unwrap().is_some(),
            "{style:?} {round}"
        );
        assert_eq!(
            db.get(key(2_000)).unwrap().unwrap(),
            "written after the delete",
            "{style:?} {round}"
        );
        assert_eq!(db.iter().unwrap().count(), 201, "{style:?} {round}");
        // The snapshot still reads every key as it was.
        assert_eq!(snapshot.iter().unwrap().count(), KEYS, "{style:?} {round}");
        assert!(
            snapshot.get(key(1_234)).unwrap().is_some(),
            "{style:?} {round}"
        );
    }
    assert!(
        table_bytes(&db) >= before,
        "{style:?}: the snapshot holds the data"
    );

    drop(snapshot);
    db.compact().unwrap();
    let after = table_bytes(&db);
    assert!(
        after * 10 < before,
        "{style:?}: {after} bytes left of {before} after the delete"
    );
    assert_eq!(db.iter().unwrap().count(), 201, "{style:?}");
    assert_eq!(db.get(key(3_000)).unwrap(), None);
    // Nothing comes back after a reopen either.
    db.close().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: style,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    assert_eq!(db.iter().unwrap().count(), 201, "{style:?} reopened");
    assert_eq!(db.get(key(3_000)).unwrap(), None, "{style:?} reopened");
}

#[test]
fn leveled() {
    range_delete_then_compact(CompactionStyle::Leveled(LeveledOptions {
        max_bytes_for_level_base: 64 << 10,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered() {
    range_delete_then_compact(CompactionStyle::size_tiered());
}
