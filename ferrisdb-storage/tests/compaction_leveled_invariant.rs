//! Leveled compaction keeps every level below 0 sorted and disjoint, and once
//! quiet, every level within its size target.

use ferrisdb_storage::internals::manifest::TableRecord;
use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine};
use rand::{Rng, SeedableRng};

const LEVEL_BASE: u64 = 16 << 10;
const MULTIPLIER: u64 = 4;

fn check_levels(tables: &[TableRecord], context: &str) {
    let deepest = tables.iter().map(|t| t.level).max().unwrap_or(0);
    for level in 1..=deepest {
        let in_level: Vec<&TableRecord> = tables.iter().filter(|t| t.level == level).collect();
        for pair in in_level.windows(2) {
            assert!(
                pair[0].largest.user_key < pair[1].smallest.user_key,
                "{context}: L{level} tables {} and {} overlap or are out of order",
                pair[0].file_number,
                pair[1].file_number
            );
        }
    }
}

#[test]
fn levels_stay_sorted_disjoint_and_within_their_targets() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: LEVEL_BASE,
            max_bytes_for_level_multiplier: MULTIPLIER,
        }),
        memtable_size: 8 << 10,
        target_file_size: 4 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let mut checks = 0;
    for round in 0..20 {
        for _ in 0..500 {
            let key = format!("key{:05}", rng.random_range(0..5_000));
            db.put(key, vec![b'v'; rng.random_range(10..60)]).unwrap();
        }
        // Check whatever the background threads have installed so far.
        check_levels(&db.live_tables(), &format!("round {round}"));
        checks += 1;
    }
    db.flush().unwrap();
    db.wait_for_compactions().unwrap();
    let tables = db.live_tables();
    check_levels(&tables, "quiet");
    assert!(checks == 20 && db.stats().compactions > 0);

    let deepest = tables.iter().map(|t| t.level).max().unwrap();
    assert!(
        deepest >= 2,
        "10,000 writes over 16 KiB levels should reach level 2"
    );
    let level0 = tables.iter().filter(|t| t.level == 0).count();
    assert!(
        level0 < 2,
        "quiet level 0 holds {level0} tables, trigger is 2"
    );
    let mut target = LEVEL_BASE;
    for level in 1..deepest {
        let bytes: u64 = tables
            .iter()
            .filter(|t| t.level == level)
            .map(|t| t.file_size)
            .sum();
        assert!(
            bytes <= target,
            "quiet L{level} holds {bytes} bytes, target {target}"
        );
        target *= MULTIPLIER;
    }
}
