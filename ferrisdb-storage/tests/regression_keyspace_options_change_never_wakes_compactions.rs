//! Bug (found by the keyspace model test, issue 19): `keyspace_with` on an
//! existing keyspace stored its new options and woke no background thread.
//! Options that give the keyspace's tables something to compact (here a
//! size-tiered keyspace holding two tables, which it leaves alone, switched
//! to leveled compaction with a level-0 trigger of two) left the compaction
//! threads asleep until some other write, flush or drop woke them; and
//! `wait_for_compactions()`, which waits until no keyspace's strategy finds
//! work, blocked forever when nothing else came.
//!
//! Now the change of options wakes the background threads, as a flush does.
//!
//! The call runs on another thread; a correct engine compacts the two tables
//! and returns, so the generous bound only decides how long a failing run
//! takes.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{
    CompactionStyle, KeyspaceOptions, LeveledOptions, SizeTieredOptions, StorageConfig,
    StorageEngine,
};

fn options(compaction_style: CompactionStyle) -> KeyspaceOptions {
    KeyspaceOptions {
        compaction_style,
        memtable_size: 4 << 10,
        ..KeyspaceOptions::default()
    }
}

#[test]
fn new_options_with_work_to_do_wake_the_compactions() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    let tiered = CompactionStyle::SizeTiered(SizeTieredOptions {
        min_merge_width: 3,
        max_size_amplification_percent: 200,
    });
    let log = db.keyspace_with("log", options(tiered)).unwrap();
    for i in 0..2 {
        log.put(format!("e:{i}"), "value").unwrap();
        db.flush().unwrap();
    }
    db.wait_for_compactions().unwrap();
    assert_eq!(log.live_tables().len(), 2, "two runs: nothing to merge");

    let leveled = CompactionStyle::Leveled(LeveledOptions {
        level0_file_num_compaction_trigger: 2,
        ..LeveledOptions::default()
    });
    let log = db.keyspace_with("log", options(leveled)).unwrap();
    let (done, finished) = mpsc::channel();
    let waiter = db.clone();
    std::thread::spawn(move || {
        let _ = done.send(waiter.wait_for_compactions());
    });
    match finished.recv_timeout(Duration::from_secs(10)) {
        Ok(result) => result.unwrap(),
        Err(_) => panic!(
            "wait_for_compactions() after switching keyspace \"log\" to leveled compaction \
             with {} tables in level 0 never returned",
            log.live_tables().len()
        ),
    }
    let levels: Vec<u32> = log.live_tables().iter().map(|t| t.level).collect();
    assert!(
        levels.iter().all(|&l| l > 0),
        "level 0 compacted: {levels:?}"
    );
    assert_eq!(log.iter().unwrap().count(), 2);
}
