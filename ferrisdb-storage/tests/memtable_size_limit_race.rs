//! Scenario: several writers race to fill a MemTable with a small size limit.
//!
//! The reservation is a compare-and-swap loop, so however the writers
//! interleave, the accepted entries never exceed the limit together, the
//! counter equals exactly the bytes of the accepted entries, and a rejected
//! entry leaves nothing behind.

use std::sync::{Arc, Barrier};
use std::thread;

use ferrisdb_storage::internals::memtable::{InsertError, MemTable};

#[test]
fn memtable_racing_writers_never_overcommit_or_drift() {
    let threads = 4;
    let per_thread = if cfg!(miri) { 20 } else { 2_000 };
    // Room for about a quarter of the attempts, with sizes that vary.
    let limit = threads * per_thread * MemTable::entry_size(8, 20) / 4;
    let table = Arc::new(MemTable::new(limit));
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (table, barrier) = (Arc::clone(&table), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                let mut accepted = Vec::new();
                for i in 0..per_thread {
                    let key = format!("{t}-{i:06}").into_bytes();
                    let value = vec![b'v'; (i * 7 + t) % 40];
                    let size = MemTable::entry_size(key.len(), value.len());
                    match table.put(key.clone(), value, 1) {
                        Ok(()) => accepted.push((key, size)),
                        Err(InsertError::Full {
                            needed,
                            available,
                            limit: reported,
                        }) => {
                            assert_eq!((needed, reported), (size, limit));
                            assert!(needed > available);
                            assert_eq!(table.get(&key, 1), None, "rejected entry visible");
                        }
                        Err(other) => panic!("unexpected {other}"),
                    }
                }
                accepted
            })
        })
        .collect();
    let accepted: Vec<(Vec<u8>, usize)> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let bytes: usize = accepted.iter().map(|(_, size)| size).sum();
    assert!(bytes <= limit, "over-committed: {bytes} > {limit}");
    assert_eq!(table.memory_usage(), bytes);
    assert_eq!(table.entry_count(), accepted.len());
    assert!(
        accepted.len() < threads * per_thread,
        "the limit was never hit"
    );
    // Every accepted entry is readable.
    for (key, _) in &accepted {
        assert!(table.get(key, 1).is_some());
    }
}
