//! `max_open_files: usize::MAX` is the documented way to say "no limit"
//! (StorageConfig::max_open_files, and validate's error message). The table
//! cache computes `2 * self.capacity` (versions/table_cache.rs, in
//! `install`) to decide when to sweep dropped entries, which overflows: with
//! overflow checks (debug and test builds) the flush thread panics, and
//! `flush` then waits forever for a flush that will never finish. In release
//! builds the product wraps, the sweep never runs, and every table ever
//! opened leaves an entry in the ring while the engine lives.
//!
//! The flush is run on a helper thread so the test fails instead of hanging.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn regression_max_open_files_unlimited_panics_flush() {
    let fs = FaultFileSystem::new();
    let db = Arc::new(
        StorageEngine::open(StorageConfig {
            file_system: Arc::new(fs.clone()),
            max_open_files: usize::MAX,
            disable_auto_compactions: true,
            ..StorageConfig::new("/db")
        })
        .unwrap(),
    );
    db.put("key", "value").unwrap();
    let (done, flushed) = mpsc::channel();
    let flusher = Arc::clone(&db);
    std::thread::spawn(move || {
        let _ = done.send(flusher.flush());
    });
    let result = flushed
        .recv_timeout(Duration::from_secs(20))
        .expect("flush with max_open_files = usize::MAX did not finish within 20 s");
    result.unwrap();
    assert_eq!(db.get("key").unwrap().as_deref(), Some(&b"value"[..]));
    assert_eq!(db.stats().open_table_files, 1);
}
