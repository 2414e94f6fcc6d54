//! Bug (hang): `close()` (and the drop of the last handle) waits for every
//! merge under way to run to its end. The merge loop
//! (`compaction/worker.rs`, `merge`) never looks at `shutting_down`, and with
//! `compaction_rate_limit` set it sleeps in the limiter for as long as the
//! rate demands, so closing a database while a compaction runs takes as long
//! as that compaction: here about 30 s for 2 MiB at 64 KiB/s, and hours for
//! a large level at a low limit. `close` says it "stops background work";
//! RocksDB's close likewise aborts running compactions (they check
//! `shutting_down_` and end with `ShutdownInProgress`), leaving their inputs
//! in place.
//!
//! Fix: check `background.shutting_down` (an atomic copy of it) in the merge
//! loop and in the limiter's sleep, abandon the output (delete the temporary
//! tables, install nothing) and return `Error::Closed`, which is not recorded
//! as a background error.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{CompressionType, Error, StorageConfig, StorageEngine};

#[test]
fn close_returns_promptly_while_a_rate_limited_compaction_runs() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs.clone()),
        memtable_size: 256 << 10,
        disable_auto_compactions: true,
        compaction_rate_limit: Some(64 << 10),
        compression: CompressionType::None,
        ..StorageConfig::new("/db")
    })
    .unwrap();
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
}
