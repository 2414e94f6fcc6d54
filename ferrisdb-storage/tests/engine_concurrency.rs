//! Four writers and four readers share one engine through an `Arc`; every scan
//! is sorted and consistent with a single moment.

use std::sync::Arc;
use std::thread;

use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};

const WRITERS: usize = 4;
const READERS: usize = 4;
const ROUNDS: usize = 300;

#[test]
fn scans_are_sorted_and_atomic_under_concurrent_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = Arc::new(
        StorageEngine::open(StorageConfig {
            memtable_size: 32 << 10,
            ..StorageConfig::new(dir.path())
        })
        .unwrap(),
    );
    // Each batch writes the same round number to a key under "a/" and its twin
    // under "b/": a scan that sees one without the other, or different
    // rounds, saw half a batch.
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let db = Arc::clone(&db);
            thread::spawn(move || {
                for round in 0..ROUNDS {
                    let slot = (w * 7 + round) % 20;
                    let value = format!("{w}:{round}");
                    db.write(
                        WriteBatch::new()
                            .put(format!("a/{slot:02}"), &value)
                            .put(format!("b/{slot:02}"), &value),
                    )
                    .unwrap();
                }
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let db = Arc::clone(&db);
            thread::spawn(move || {
                let mut scans = 0;
                for i in 0..ROUNDS {
                    let items: Vec<_> = if (i + r) % 2 == 0 {
                        db.iter().unwrap().map(Result::unwrap).collect()
                    } else {
                        let mut items: Vec<_> =
                            db.iter().unwrap().rev().map(Result::unwrap).collect();
                        items.reverse();
                        items
                    };
                    assert!(items.windows(2).all(|w| w[0].0 < w[1].0), "scan not sorted");
                    let a: Vec<_> = items.iter().filter(|(k, _)| k.starts_with(b"a/")).collect();
                    let b: Vec<_> = items.iter().filter(|(k, _)| k.starts_with(b"b/")).collect();
                    assert_eq!(a.len(), b.len(), "half a batch visible");
                    for (x, y) in a.iter().zip(&b) {
                        assert_eq!(x.0[2..], y.0[2..]);
                        assert_eq!(x.1, y.1, "twins from different batches");
                    }
                    scans += 1;
                }
                scans
            })
        })
        .collect();
    for w in writers {
        w.join().unwrap();
    }
    for r in readers {
        assert_eq!(r.join().unwrap(), ROUNDS);
    }
    // Afterwards every slot holds the last round some writer wrote to it.
    let all: Vec<_> = db.iter().unwrap().map(Result::unwrap).collect();
    assert_eq!(all.len(), 40);
    assert!(
        db.stats().flushes > 0,
        "small MemTables should have flushed during the test"
    );
}
