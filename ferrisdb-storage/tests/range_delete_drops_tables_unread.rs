//! Tables wholly inside a range delete go without being read, once the
//! delete is in a table (a MemTable's may still be lost in a crash), in both
//! compaction styles; a snapshot that still reads them keeps them.

use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, StorageConfig, StorageEngine,
};

const KEYS: usize = 6_000;

fn key(i: usize) -> String {
    format!("key{i:05}")
}

fn open(dir: &std::path::Path, style: CompactionStyle) -> StorageEngine {
    StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 64 << 10,
        target_file_size: 16 << 10,
        ..StorageConfig::new(dir)
    })
    .unwrap()
}

/// Tables (file number, bytes) whose keys all lie in `[key(from), key(to))`.
fn inside(db: &StorageEngine, from: usize, to: usize) -> Vec<(u64, u64)> {
    db.live_tables()
        .iter()
        .filter(|t| {
            t.smallest.user_key >= key(from).into_bytes()
                && t.largest.user_key < key(to).into_bytes()
        })
        .map(|t| (t.file_number, t.file_size))
        .collect()
}

fn drops_unread(style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let db = open(dir.path(), style);
    // Leveled spreads the keys over tables of a deeper level; size-tiered
    // (which merges no runs here) keeps a run per flush of 1 000 keys.
    for i in 0..KEYS {
        db.put(key(i), "a value to fill the tables with some bytes")
            .unwrap();
        if (i + 1) % 1_000 == 0 {
            db.flush().unwrap();
        }
    }
    if matches!(style, CompactionStyle::Leveled(_)) {
        db.compact().unwrap();
    }
    let covered = inside(&db, 1_000, 5_000);
    assert!(
        covered.len() >= 2,
        "{style:?}: the data spans several tables: {:?}",
        db.live_tables()
    );

    // A range delete in the MemTable drops nothing.
    let snapshot = db.snapshot().unwrap();
    db.delete_range(key(1_000)..key(5_000)).unwrap();
    db.wait_for_compactions().unwrap();
    assert_eq!(inside(&db, 1_000, 5_000), covered, "{style:?}");

    // In a table, with a snapshot that reads the data: kept, and read.
    db.flush().unwrap();
    db.wait_for_compactions().unwrap();
    for (number, _) in &covered {
        assert!(
            db.live_tables().iter().any(|t| t.file_number == *number),
            "{style:?}: table {number} went under a snapshot"
        );
    }
    assert_eq!(snapshot.iter().unwrap().count(), KEYS, "{style:?}");

    // The snapshot released: the covered tables go, unread.
    let read_before = db.stats().compaction_bytes_read;
    drop(snapshot);
    db.wait_for_compactions().unwrap();
    let live: Vec<u64> = db.live_tables().iter().map(|t| t.file_number).collect();
    for (number, _) in &covered {
        assert!(
            !live.contains(number),
            "{style:?}: covered table {number} is still live"
        );
    }
    let covered_bytes: u64 = covered.iter().map(|(_, bytes)| bytes).sum();
    let read = db.stats().compaction_bytes_read - read_before;
    assert!(
        read < covered_bytes,
        "{style:?}: compactions read {read} bytes, the covered tables hold {covered_bytes}"
    );
    assert_eq!(db.iter().unwrap().count(), KEYS - 4_000, "{style:?}");
    assert_eq!(
        db.get(key(999)).unwrap().unwrap(),
        "a value to fill the tables with some bytes"
    );
    assert_eq!(db.get(key(1_000)).unwrap(), None);
    assert_eq!(db.get(key(4_999)).unwrap(), None);
    assert!(db.get(key(5_000)).unwrap().is_some());

    // And after a reopen.
    db.close().unwrap();
    let db = open(dir.path(), style);
    assert_eq!(
        db.iter().unwrap().count(),
        KEYS - 4_000,
        "{style:?} reopened"
    );
    assert_eq!(db.get(key(3_000)).unwrap(), None, "{style:?} reopened");
}

#[test]
fn leveled() {
    drops_unread(CompactionStyle::Leveled(LeveledOptions {
        max_bytes_for_level_base: 1 << 20,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered() {
    drops_unread(CompactionStyle::SizeTiered(SizeTieredOptions {
        min_merge_width: 16,
        max_size_amplification_percent: 100_000,
    }));
}
