//! Overwriting the same keys many times, then compacting, leaves about one
//! version of each key on disk.

use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine, WriteBatch};

const KEYS: u32 = 10_000;
const ROUNDS: u32 = 50;

fn overwrite_then_compact(style: CompactionStyle) {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: style,
        memtable_size: 1 << 20,
        target_file_size: 512 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    for round in 0..ROUNDS {
        for chunk in (0..KEYS).collect::<Vec<_>>().chunks(100) {
            let batch: WriteBatch = chunk
                .iter()
                .map(|i| {
                    (
                        format!("key{i:06}"),
                        format!("round{round:03}-{}", "v".repeat(40)),
                    )
                })
                .collect();
            db.write(batch).unwrap();
        }
    }
    db.compact().unwrap();
    let amplification = db.space_amplification().unwrap();
    assert!(
        amplification < 1.5,
        "{style:?}: space amplification {amplification:.2} after compact"
    );
    let entries: u64 = db.live_tables().iter().map(|t| t.entry_count).sum();
    assert_eq!(entries, u64::from(KEYS), "{style:?}: one version per key");
    assert_eq!(
        db.get("key000042").unwrap(),
        Some(format!("round{:03}-{}", ROUNDS - 1, "v".repeat(40)).into())
    );
}

#[test]
fn leveled_keeps_one_version_per_key_after_compact() {
    overwrite_then_compact(CompactionStyle::Leveled(LeveledOptions {
        max_bytes_for_level_base: 1 << 20,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered_keeps_one_version_per_key_after_compact() {
    overwrite_then_compact(CompactionStyle::size_tiered());
}
