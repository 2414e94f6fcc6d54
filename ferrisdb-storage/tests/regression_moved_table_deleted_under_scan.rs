//! A table moved down a level is the same file under two `Table`s (the one
//! at its old level, still listed by older versions, and the moved one). When
//! a later compaction replaces the moved table, its `Drop` deletes the file,
//! although a scan that started before the move still lists the old `Table`.
//! With the table cache closing files (`max_open_files`), that scan must
//! reopen the file, which is gone: the scan fails (or would, on a real file
//! system, also fail) although its version is still alive.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, CompressionType, Error, LeveledOptions, StorageConfig, StorageEngine,
};

fn value(seed: u64) -> Vec<u8> {
    // Incompressible, so table sizes are predictable.
    let mut x = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..1000)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x as u8
        })
        .collect()
}

fn config(fs: &FaultFileSystem, auto: bool) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        max_open_files: 1,
        compression: CompressionType::None,
        target_file_size: 8 << 10,
        disable_auto_compactions: !auto,
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 1,
            max_bytes_for_level_base: 64 << 10,
            max_bytes_for_level_multiplier: 2,
        }),
        ..StorageConfig::new("/db")
    }
}

#[test]
fn a_scan_reads_a_table_that_was_moved_then_compacted_away() {
    let fs = FaultFileSystem::new();
    let mut expected = Vec::new();
    {
        // 60 KiB in level 1, in tables of about 8 KiB: under the 64 KiB target.
        let db = StorageEngine::open(config(&fs, false)).unwrap();
        for i in 0..40u64 {
            let key = format!("a{i:03}");
            db.put(&key, value(i)).unwrap();
            expected.push(key);
        }
        for i in 0..20u64 {
            let key = format!("c{i:03}");
            db.put(&key, value(100 + i)).unwrap();
            expected.push(key);
        }
        db.compact().unwrap();
        assert!(db.stats().levels[1].tables > 3);
        db.close().unwrap();
    }

    let db = StorageEngine::open(config(&fs, true)).unwrap();
    db.wait_for_compactions().unwrap();
    let before = db.stats().levels[1].tables;
    // The scan's version lists the level-1 tables; reading backwards it
    // opens only the last one.
    let mut scan = db.iter().unwrap();
    let last = scan.next_back().unwrap().unwrap();
    assert_eq!(&last.0[..], b"c019");

    // 20 KiB more in level 1 pushes it over its target: the first tables
    // are moved (not rewritten) to level 2.
    for i in 0..20u64 {
        db.put(format!("b{i:03}"), value(200 + i)).unwrap();
    }
    db.flush().unwrap();
    db.wait_for_compactions().unwrap();
    let stats = db.stats();
    assert!(
        stats.levels[2].tables >= 1,
        "expected a move to level 2: {before} level-1 tables before, {:?}",
        stats.levels
    );
    // Every table, the moved ones included, is merged into new ones: the
    // moved tables are obsolete, and their files deleted.
    db.compact().unwrap();

    // The scan's version still lists the moved tables at level 1.
    let rest: Vec<String> = scan
        .rev()
        .map(|item| item.map(|(k, _)| String::from_utf8(k.to_vec()).unwrap()))
        .collect::<Result<_, Error>>()
        .expect("a live scan reads its version in full");
    let mut got: Vec<String> = rest.into_iter().rev().collect();
    got.push("c019".into());
    assert_eq!(got, expected);
    db.close().unwrap();
}
