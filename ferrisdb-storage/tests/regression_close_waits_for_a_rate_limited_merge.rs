//! Bug (hang): `close()` (and the drop of the last handle) waited for every
//! merge under way to run to its end. The merge loop
//! (`compaction/worker.rs`, `merge`) never looked at `shutting_down`, and
//! with `compaction_rate_limit` set it slept in the limiter for as long as
//! the rate demanded, so closing a database while a compaction ran took as
//! long as that compaction: here about 30 s for 2 MiB at 64 KiB/s, and hours for
//! a large level at a low limit. `close` says it "stops background work";
//! RocksDB's close likewise aborts running compactions (they check
//! `shutting_down_` and end with `ShutdownInProgress`), leaving their inputs
//! in place.
//!
//! The fix: `close` sets `Inner::stopping`, which the merge loop checks at
//! every key and the limiter between naps of at most 10 ms; the merge
//! abandons its output (its tables are deleted, the manifest never names
//! them) and returns `Error::Closed`, which is not a background error. The
//! database reopens with every write and no file left over.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::{CompressionType, Error, StorageConfig, StorageEngine};

#[test]
fn close_returns_promptly_while_a_rate_limited_compaction_runs() {
    let fs = FaultFileSystem::new();
    let config = StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 256 << 10,
        disable_auto_compactions: true,
        compaction_rate_limit: Some(64 << 10),
        compression: CompressionType::None,
        ..StorageConfig::new("/db")
    };
    let db = StorageEngine::open(config.clone()).unwrap();
    // About 2 MiB in several level-0 tables, with nothing to drop, so the
    // merge writes all of it.
    for i in 0..2048u32 {
        db.put(format!("key{i:06}"), vec![b'v'; 1000]).unwrap();
        if i % 512 == 511 {
            db.flush().unwrap();
        }
    }
    db.flush().unwrap();
    assert!(db.live_tables().len() >= 4);

    let compactor = {
        let db = db.clone();
        std::thread::spawn(move || db.compact())
    };
    // Let the merge start (it writes its first chunks within the burst).
    std::thread::sleep(Duration::from_millis(300));

    let (done, closed) = mpsc::channel();
    let started = Instant::now();
    let closer = db.clone();
    std::thread::spawn(move || {
        let _ = done.send(closer.close());
    });
    match closed.recv_timeout(Duration::from_secs(3)) {
        Ok(result) => {
            result.unwrap();
            let compacted = compactor.join().unwrap();
            assert!(
                matches!(compacted, Ok(()) | Err(Error::Closed)),
                "{compacted:?}"
            );
        }
        Err(_) => panic!(
            "close() had not returned {:?} after it was called: it waits for the \
             rate-limited merge to finish",
            started.elapsed()
        ),
    }

    // Everything written is there, and the abandoned merge left no file.
    let db = StorageEngine::open(config).unwrap();
    for i in 0..2048u32 {
        assert!(db.get(format!("key{i:06}")).unwrap().is_some(), "key{i:06}");
    }
    let live: Vec<String> = db
        .live_tables()
        .iter()
        .map(|t| format!("{:06}.sst", t.file_number))
        .collect();
    for name in fs.list(std::path::Path::new("/db")).unwrap() {
        if name.ends_with(".sst") || name.ends_with(".tmp") {
            assert!(live.contains(&name), "{name} is left over");
        }
    }
    db.close().unwrap();
}
