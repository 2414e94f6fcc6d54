//! A snapshot taken before overwrites still reads its values after
//! compaction.

use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, StorageConfig, StorageEngine,
};

fn snapshot_survives_compaction(style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 16 << 10,
        target_file_size: 8 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    for i in 0..1_000 {
        db.put(format!("key{i:04}"), format!("old{i}")).unwrap();
    }
    db.delete("key0007").unwrap();
    let snapshot = db.snapshot().unwrap();
    for round in 0..5 {
        for i in 0..1_000 {
            db.put(format!("key{i:04}"), format!("new{round}-{i}"))
                .unwrap();
        }
    }
    for i in (0..1_000).step_by(2) {
        db.delete(format!("key{i:04}")).unwrap();
    }
    db.compact().unwrap();
    assert!(db.stats().compactions > 0);

    for i in 0..1_000 {
        let key = format!("key{i:04}");
        let old = (i != 7).then(|| format!("old{i}").into_bytes());
        assert_eq!(
            snapshot.get(&key).unwrap().as_deref(),
            old.as_deref(),
            "{style:?}: snapshot read of {key}"
        );
        let now = (i % 2 == 1).then(|| format!("new4-{i}").into_bytes());
        assert_eq!(
            db.get(&key).unwrap().as_deref(),
            now.as_deref(),
            "{style:?}: current read of {key}"
        );
    }
    let seen = snapshot.iter().unwrap().count();
    assert_eq!(seen, 999, "{style:?}: the snapshot's scan");

    // Without the snapshot, a second compaction may drop the old versions.
    drop(snapshot);
    db.compact().unwrap();
    let entries: u64 = db.live_tables().iter().map(|t| t.entry_count).sum();
    assert_eq!(
        entries, 500,
        "{style:?}: one version per live key once no snapshot needs more"
    );
}

#[test]
fn leveled_keeps_versions_a_snapshot_sees() {
    snapshot_survives_compaction(CompactionStyle::Leveled(LeveledOptions {
        level0_file_num_compaction_trigger: 2,
        max_bytes_for_level_base: 32 << 10,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered_keeps_versions_a_snapshot_sees() {
    snapshot_survives_compaction(CompactionStyle::SizeTiered(SizeTieredOptions {
        min_merge_width: 2,
        ..SizeTieredOptions::default()
    }));
}
