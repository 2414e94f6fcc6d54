//! Deleting every key and compacting leaves no tombstone for data that no
//! longer exists, and no data.

use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine};

fn delete_all_then_compact(style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 64 << 10,
        target_file_size: 32 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    for i in 0..5_000 {
        db.put(format!("key{i:05}"), "some value that takes space")
            .unwrap();
    }
    db.flush().unwrap();
    for i in 0..5_000 {
        db.delete(format!("key{i:05}")).unwrap();
    }
    db.compact().unwrap();

    let tables = db.live_tables();
    let tombstones: u64 = tables.iter().map(|t| t.tombstone_count).sum();
    assert_eq!(tombstones, 0, "{style:?}: tombstones left in {tables:?}");
    assert!(
        tables.is_empty(),
        "{style:?}: tables left after deleting everything: {tables:?}"
    );
    assert_eq!(db.get("key00042").unwrap(), None);
    assert_eq!(db.iter().unwrap().count(), 0);
    // The files themselves are gone too.
    drop(db);
    let sst = std::fs::read_dir(dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "sst")
        })
        .count();
    assert_eq!(sst, 0, "{style:?}: table files left on disk");
}

#[test]
fn leveled_drops_all_tombstones_and_data() {
    delete_all_then_compact(CompactionStyle::Leveled(LeveledOptions {
        max_bytes_for_level_base: 64 << 10,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered_drops_all_tombstones_and_data() {
    delete_all_then_compact(CompactionStyle::size_tiered());
}
