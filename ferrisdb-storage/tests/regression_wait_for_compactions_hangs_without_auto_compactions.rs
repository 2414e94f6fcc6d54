//! Bug (found by the review of issue 14): with `disable_auto_compactions =
//! true`, no background compaction ever runs, yet `wait_for_compactions()`
//! waited until the strategy had nothing left to do (`wait_until_quiet`
//! asked `needs_compaction`). Once level 0 reached its trigger (leveled) or a
//! tier of similar runs existed (size-tiered), nothing could ever make it
//! quiet, and the call blocked forever; a bulk load that flushes and then
//! waits, as the setting's docs suggest for bulk loads, hung.
//!
//! Now, without automatic compactions, it returns once the flushes are done
//! and no compaction is running, as RocksDB's `WaitForCompact` does.
//!
//! The call runs on another thread; a correct engine returns at once (no
//! background work can run), so the generous bound only decides how long a
//! failing run takes.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, LeveledOptions, SizeTieredOptions, StorageConfig, StorageEngine,
};

fn waits_forever(style: CompactionStyle) {
    let fs = FaultFileSystem::new();
    let db = Arc::new(
        StorageEngine::open(StorageConfig {
            compaction_style: style,
            disable_auto_compactions: true,
            file_system: Arc::new(fs),
            ..StorageConfig::new("/db")
        })
        .unwrap(),
    );
    for i in 0..4 {
        db.put(format!("key{i}"), "value").unwrap();
        db.flush().unwrap();
    }
    let (done, finished) = mpsc::channel();
    let waiter = Arc::clone(&db);
    std::thread::spawn(move || {
        let _ = done.send(waiter.wait_for_compactions());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => result.unwrap(),
        Err(_) => panic!(
            "{style:?}: wait_for_compactions() with disable_auto_compactions and {} tables \
             never returned",
            db.live_tables().len()
        ),
    }
}

#[test]
fn leveled() {
    waits_forever(CompactionStyle::Leveled(LeveledOptions {
        level0_file_num_compaction_trigger: 2,
        ..LeveledOptions::default()
    }));
}

#[test]
fn size_tiered() {
    waits_forever(CompactionStyle::SizeTiered(SizeTieredOptions {
        min_merge_width: 2,
        ..SizeTieredOptions::default()
    }));
}
