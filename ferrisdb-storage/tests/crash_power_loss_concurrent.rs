//! Power loss while several threads write under `SyncMode::Full`, so that
//! group commit (one thread's fsync covering others' records), log rotation
//! and flushes race with the crash. Every put a thread saw acknowledged must
//! be there after recovery, with its value; writes that failed may or may not
//! be.
//!
//! `FERRISDB_CONCURRENT_CRASH_POINTS` (default 100) sets the points tried.

mod reliability;

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reliability::*;

const THREADS: usize = 4;
const PUTS: usize = 60;

/// Each thread puts its own keys; returns every acknowledged (key, value).
fn run_threads(fs: &FaultFileSystem) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let Ok(db) = open(fs) else {
        return BTreeMap::new();
    };
    let db = Arc::new(db);
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let db = Arc::clone(&db);
            std::thread::spawn(move || {
                let mut acked = Vec::new();
                for i in 0..PUTS {
                    let key = format!("t{t}-{i:03}").into_bytes();
                    let mut value = format!("value {t} {i} ").into_bytes();
                    value.resize(60 + (i * 37) % 200, b'x');
                    match db.put(&key, &value) {
                        Ok(_) => acked.push((key, value)),
                        Err(e) => {
                            assert_engine_error(&e);
                            break;
                        }
                    }
                }
                acked
            })
        })
        .collect();
    handles
        .into_iter()
        .flat_map(|h| h.join().expect("writer thread"))
        .collect()
}

#[test]
fn concurrent_acknowledged_writes_survive_power_loss() {
    watch_panics();
    let points = env_or("FERRISDB_CONCURRENT_CRASH_POINTS", 100);
    let total = {
        let fs = fresh_fs();
        assert_eq!(run_threads(&fs).len(), THREADS * PUTS);
        fs.total_operations()
    };
    let mut rng = StdRng::seed_from_u64(3);
    let mut acknowledged = 0;
    for point in 0..points {
        let k = rng.random_range(1..=total);
        let fs = fresh_fs();
        if point % 2 == 1 {
            fs.enable_torn_writes(point);
        }
        fs.crash_after(k);
        let acked = run_threads(&fs);
        let rebooted = fs.crash();
        let db = open(&rebooted).unwrap_or_else(|e| panic!("crash after {k}: reopen: {e}"));
        let recovered = read_all(&db).unwrap();
        for (key, value) in &acked {
            assert_eq!(
                recovered.get(key),
                Some(value),
                "crash after operation {k}: acknowledged {} lost",
                String::from_utf8_lossy(key)
            );
        }
        drop(db);
        assert_no_orphans(&rebooted, &db_dir());
        acknowledged += acked.len();
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "concurrent crash points tried: {points}, acknowledged writes checked: {acknowledged}, \
         lost: 0"
    );
}
