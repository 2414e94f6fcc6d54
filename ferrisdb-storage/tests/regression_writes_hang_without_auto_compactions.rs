//! With `disable_auto_compactions`, level 0 never stalls writes (nothing
//! would ever bring it down), so `make_room` counts it as 0. But a writer
//! that stalled for another reason, the frozen MemTables being full, waited
//! until "level 0 is below `level0_stop_writes_trigger` and a frozen slot is
//! free" using the real level-0 count: once the flush freed the slot, level 0
//! was still over the trigger, and the writer waited forever.
//!
//! `stats()` read the log's size under the write lock, so it also waited
//! for the stalled writer; the log is now outside that lock.
//!
//! The flush is held at its table's sync (`hold_syncs`), so the writer is
//! sure to find the frozen slot full, and the test lets the flush go only
//! once the writer has logged its stall; the only timeout is the guard
//! against the hang itself.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig, StorageEngine};

/// Notes that the engine warned of a write stall.
struct StallSeen(Arc<AtomicBool>);

impl Subscriber for StallSeen {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let metadata = event.metadata();
        if *metadata.level() == Level::WARN
            && metadata.module_path() == Some("ferrisdb_storage::engine::room")
        {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn regression_writes_hang_without_auto_compactions() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        disable_auto_compactions: true,
        memtable_size: 4 << 10,
        max_immutable_memtables: 1,
        compaction_style: CompactionStyle::Leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 1,
            ..LeveledOptions::default()
        }),
        level0_slowdown_writes_trigger: 2,
        level0_stop_writes_trigger: 2,
        ..StorageConfig::new("/db")
    })
    .unwrap();
    // Level 0 past the stop trigger, which must not matter.
    for i in 0..3 {
        db.put(format!("key{i}"), "value").unwrap();
        db.flush().unwrap();
    }
    assert_eq!(db.stats().levels[0].tables, 3);

    let value = vec![b'v'; 3000];
    db.put("a", &value).unwrap();
    let held = fs.hold_syncs(".sst");
    // Does not fit: the MemTable is frozen and its flush waits at the sync.
    db.put("b", &value).unwrap();
    held.wait_until_held(1);

    let (done, finished) = mpsc::channel();
    let writer = db.clone();
    let value_c = value.clone();
    let stalled = Arc::new(AtomicBool::new(false));
    let seen = StallSeen(Arc::clone(&stalled));
    std::thread::spawn(move || {
        // Does not fit, and the one frozen slot is taken: it stalls.
        let result = tracing::subscriber::with_default(seen, || writer.put("c", &value_c));
        done.send(result).unwrap();
    });
    while !stalled.load(Ordering::SeqCst) {
        std::thread::yield_now();
    }
    // Statistics do not wait for the writer stalled under the write lock.
    let (stats_done, stats) = mpsc::channel();
    let reader = db.clone();
    std::thread::spawn(move || stats_done.send(reader.stats()).unwrap());
    let stats = stats
        .recv_timeout(Duration::from_secs(60))
        .expect("stats() returned while a writer was stalled");
    assert!(stats.stalls >= 1, "{stats:?}");
    held.release();
    finished
        .recv_timeout(Duration::from_secs(60))
        .expect("the stalled write went on once the flush freed the frozen slot")
        .unwrap();
    assert_eq!(db.get("c").unwrap().as_deref(), Some(&value[..]));
}
