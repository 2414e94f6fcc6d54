//! Bug (found by the review of issue 14): `StorageConfig::validate` accepted
//! size-tiered settings under which no compaction can ever bring level 0
//! down, and writes then waited forever. Writes stop at
//! `level0_stop_writes_trigger` runs (default 36) until compaction catches
//! up, but size-tiered merges only `min_merge_width` runs or more (a similar
//! tier, at most 32 runs wide, or the newest `min_merge_width` runs once there
//! are too many), or every run when space amplification passes
//! `max_size_amplification_percent`. With `min_merge_width` above the stop
//! trigger and a space amplification limit that 36 equal runs do not pass,
//! nothing was ever picked: the write after the 36th flush blocked for good.
//! Either the settings must be refused at `open` (one place for the limit)
//! or the strategy must always bring the run count down.
//!
//! Now `validate` refuses size-tiered settings with `min_merge_width` above
//! `level0_stop_writes_trigger`, naming both.
//!
//! The write runs on another thread; a correct engine returns within
//! milliseconds, so the bound only decides how long a failing run takes.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompactionStyle, SizeTieredOptions, StorageConfig, StorageEngine};

#[test]
fn regression_size_tiered_settings_stall_writes_forever() {
    writes_after_a_full_level_0(37);
}

/// The widest merge `validate` accepts, as wide as the stop trigger: the
/// write that finds level 0 full waits for that merge, and returns.
#[test]
fn the_widest_accepted_merge_brings_level_0_down() {
    writes_after_a_full_level_0(StorageConfig::default().level0_stop_writes_trigger);
}

/// Flushes up to the stop trigger with `min_merge_width`, then writes once
/// more: the write must return (or the settings be refused).
fn writes_after_a_full_level_0(min_merge_width: usize) {
    let config = StorageConfig {
        compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width,
            max_size_amplification_percent: 100_000,
        }),
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    };
    let stop = config.level0_stop_writes_trigger;
    let db = match StorageEngine::open(config) {
        Ok(db) => Arc::new(db),
        // Refusing the settings is one fix.
        Err(e) => {
            eprintln!("open refused the settings: {e}");
            assert!(
                matches!(e, ferrisdb_storage::Error::InvalidArgument(_)),
                "{e}"
            );
            return;
        }
    };
    for i in 0..stop {
        db.put(format!("key{i:03}"), "value").unwrap();
        db.flush().unwrap();
    }
    let (done, finished) = mpsc::channel();
    let writer = Arc::clone(&db);
    std::thread::spawn(move || {
        let _ = done.send(writer.put("one more", "write"));
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => {
            result.unwrap();
        }
        Err(_) => panic!(
            "a write with {} level-0 runs never returned: no size-tiered compaction can \
             run under these settings",
            db.live_tables().len()
        ),
    }
}
