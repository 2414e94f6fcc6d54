//! Review finding: keys written and then range-deleted before their MemTable
//! is flushed (a tenant cleared soon after it was loaded, a window expired
//! within one MemTable) land in the same level-0 table as the range
//! tombstone, and a scan across the deleted range then reads every block of
//! it: as many as a scan of the live range did, not "about as many as a scan
//! of an empty range" (issue 20), until a compaction drops the keys.
//!
//! Root cause: the flush (`engine/flush.rs`, `write_table`) writes every
//! MemTable entry, covered or not, and the table's recorded newest
//! timestamp (`max_timestamp`) counts the tombstone's own timestamp, so
//! `LevelTables::max_timestamp_in` (`versions/cursors.rs`) answers at least
//! the tombstone's timestamp and `MergingCursor::skip_older` never seeks the
//! table past the range: the scan steps over every covered key.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

fn count(db: &StorageEngine, range: std::ops::Range<&str>, reverse: bool) -> (usize, u64) {
    let before = db.stats().blocks_read;
    let scan = db.scan(range).unwrap();
    let found = if reverse {
        scan.rev()
            .inspect(|item| assert!(item.is_ok(), "{item:?}"))
            .count()
    } else {
        scan.inspect(|item| assert!(item.is_ok(), "{item:?}"))
            .count()
    };
    (found, db.stats().blocks_read - before)
}

#[test]
fn a_scan_across_keys_flushed_with_their_range_delete_reads_about_an_empty_scans_blocks() {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        block_size: 256,
        disable_auto_compactions: true,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let value = "v".repeat(100);
    for i in 0..100 {
        db.put(format!("a{i:03}"), &value).unwrap();
        db.put(format!("z{i:03}"), &value).unwrap();
    }
    for i in 0..10_000 {
        db.put(format!("k{i:06}"), &value).unwrap();
    }
    db.delete_range("k".."l").unwrap();
    db.flush().unwrap();
    let levels = db.stats().levels.iter().filter(|l| l.tables > 0).count() as u64;
    let (_, empty) = count(&db, "m".."n", false);
    for reverse in [false, true] {
        let (found, cost) = count(&db, "k".."l", reverse);
        assert_eq!(found, 0);
        assert!(
            cost <= empty + 2 * levels,
            "reverse {reverse}: {cost} blocks across the deleted range, {empty} across an \
             empty one ({levels} levels)"
        );
    }
}
