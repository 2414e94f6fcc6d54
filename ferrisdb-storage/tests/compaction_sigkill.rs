//! A child process writes under heavy compaction and is killed with SIGKILL:
//! no acknowledged write is lost and no orphan file is left after reopen.

mod child_process;
mod kill_child;

use std::collections::BTreeSet;
use std::path::Path;

use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine, SyncMode};

fn config(dir: &Path) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        // Tiny MemTables and levels: compactions run all the time.
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: 32 << 10,
            max_bytes_for_level_multiplier: 4,
        }),
        memtable_size: 16 << 10,
        target_file_size: 8 << 10,
        ..StorageConfig::new(dir)
    }
}

/// After open, once the compactions the reopened engine starts have finished:
/// the live tables, one log, the manifest and the lock file.
fn no_orphans(db: &StorageEngine, dir: &Path) {
    db.wait_for_compactions().unwrap();
    let live: BTreeSet<String> = db
        .live_tables()
        .iter()
        .map(|t| format!("{:06}.sst", t.file_number))
        .collect();
    let mut logs = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        if name.ends_with(".wal") {
            logs += 1;
        } else if name != "MANIFEST" && name != "LOCK" {
            assert!(live.contains(&name), "orphan file {name} after reopen");
        }
    }
    assert_eq!(logs, 1, "only the new log should remain after reopen");
}

#[test]
fn sigkill_during_compaction_loses_nothing_and_leaves_no_orphans() {
    kill_child::child_if_requested(config);
    kill_child::kill_rounds(
        "sigkill_during_compaction_loses_nothing_and_leaves_no_orphans",
        10,
        config,
        no_orphans,
    );
}
