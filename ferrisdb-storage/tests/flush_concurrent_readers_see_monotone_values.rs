//! A flush writes only the newest version of a key below the newest
//! published timestamp (and those the live snapshots read). Readers that
//! hold no snapshot pick their timestamp and super version as one step, so
//! while a hot key is rewritten and flushed again and again, every get and
//! scan of it finds a value (it is never deleted), never one older than a
//! value the same thread saw before, and a snapshot reads the same value
//! before and after any number of flushes.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;

use ferrisdb_storage::{StorageConfig, StorageEngine};

fn value(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().unwrap())
}

#[test]
fn reads_during_flushes_never_go_back_or_miss_the_hot_key() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 64 << 10,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    db.put("hot", 0u64.to_be_bytes()).unwrap();
    db.put("z", "end").unwrap();
    let stop = Arc::new(AtomicBool::new(false));

    let writer = {
        let (db, stop) = (db.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            for i in 1..=20_000u64 {
                db.put("hot", i.to_be_bytes()).unwrap();
                if i.is_multiple_of(97) {
                    db.put(format!("k{i}"), [0u8; 100]).unwrap();
                }
            }
            stop.store(true, Ordering::Relaxed);
        })
    };
    let flusher = {
        let (db, stop) = (db.clone(), Arc::clone(&stop));
        thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                db.flush().unwrap();
            }
        })
    };
    let readers: Vec<_> = (0..2)
        .map(|r| {
            let (db, stop) = (db.clone(), Arc::clone(&stop));
            thread::spawn(move || {
                let mut seen = 0;
                let mut round = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    round += 1;
                    let got = db.get("hot").unwrap().expect("hot is never deleted");
                    let got = value(&got);
                    assert!(
                        got >= seen,
                        "reader {r}: get went back from {seen} to {got}"
                    );
                    seen = got;
                    let scanned = db
                        .scan("hot".."hot\0")
                        .unwrap()
                        .next()
                        .expect("hot is never deleted")
                        .unwrap();
                    let scanned = value(&scanned.1);
                    assert!(
                        scanned >= seen,
                        "reader {r}: scan went back from {seen} to {scanned}"
                    );
                    seen = scanned;
                    let back = db
                        .iter()
                        .unwrap()
                        .rev()
                        .find(|item| item.as_ref().map_or(true, |(k, _)| &k[..] == b"hot"));
                    let back = value(&back.expect("hot is never deleted").unwrap().1);
                    assert!(
                        back >= seen,
                        "reader {r}: reverse scan went back from {seen} to {back}"
                    );
                    seen = back;
                    if round.is_multiple_of(16) {
                        let snapshot = db.snapshot().unwrap();
                        let first = snapshot.get("hot").unwrap().unwrap().to_vec();
                        thread::yield_now();
                        db.flush().unwrap();
                        let again = snapshot.get("hot").unwrap().unwrap().to_vec();
                        assert_eq!(value(&first), value(&again), "reader {r}: snapshot moved");
                        assert!(value(&first) >= seen);
                        seen = value(&first);
                    }
                }
                round
            })
        })
        .collect();
    writer.join().unwrap();
    flusher.join().unwrap();
    for reader in readers {
        assert!(reader.join().unwrap() > 0);
    }
    assert_eq!(value(&db.get("hot").unwrap().unwrap()), 20_000);
}
