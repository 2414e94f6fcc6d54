//! Scenario: four writers and four readers share one MemTable.
//!
//! Writers put and delete overlapping keys; each writer owns the timestamps
//! congruent to its id modulo the number of writers, so no two writers write
//! the same version. Every value spells out its own key and timestamp, so a
//! reader can tell a torn entry (key from one write, value from another) from
//! a good one. Readers scan, get and walk backwards while the writers run.
//!
//! Afterwards the table must hold exactly the union of what the writers
//! inserted, and `memory_usage` must equal the sum of their entry sizes.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;

use ferrisdb_core::InternalKey;
use ferrisdb_storage::internals::iterator::Cursor;
use ferrisdb_storage::internals::memtable::MemTable;
use ferrisdb_storage::Operation;

const WRITERS: u64 = 4;
const READERS: usize = 4;
const KEYS: u64 = 40;

fn writes_per_thread() -> u64 {
    if cfg!(miri) {
        25
    } else {
        3_000
    }
}

fn key_of(i: u64) -> Vec<u8> {
    format!("key{:03}", i % KEYS).into_bytes()
}

fn value_of(key: &[u8], ts: u64) -> Vec<u8> {
    format!("{}@{ts}", String::from_utf8_lossy(key)).into_bytes()
}

/// One writer's inserts: (internal key, is a delete, charged size).
fn writer_ops(writer: u64) -> Vec<(InternalKey, bool, usize)> {
    (0..writes_per_thread())
        .map(|i| {
            let ts = i * WRITERS + writer;
            let key = key_of(i * 7 + writer);
            let delete = i % 5 == 4;
            let value_len = if delete { 0 } else { value_of(&key, ts).len() };
            let size = MemTable::entry_size(key.len(), value_len);
            (InternalKey::new(key, ts), delete, size)
        })
        .collect()
}

fn check_reader_view(table: &MemTable) {
    // A scan is sorted, has no duplicates, and every value matches its key.
    let rows = table.scan(b"", b"\xff", u64::MAX);
    assert!(
        rows.windows(2).all(|w| w[0].0 < w[1].0),
        "scan out of order"
    );
    for (key, value) in &rows {
        let prefix = [key.as_slice(), b"@"].concat();
        assert!(value.starts_with(&prefix), "torn entry {key:?} = {value:?}");
    }
    // All versions, forward: strictly increasing internal keys, intact values.
    let mut previous: Option<InternalKey> = None;
    for entry in table.entries() {
        let current = entry.internal_key();
        if let Some(prev) = &previous {
            assert!(
                prev < &current,
                "entries out of order: {prev} then {current}"
            );
        }
        match entry.operation {
            Operation::Put => assert_eq!(entry.value, value_of(entry.user_key, entry.timestamp)),
            Operation::Delete => assert!(entry.value.is_empty()),
        }
        previous = Some(current);
    }
    // Point reads return a whole version of the key asked for.
    for i in 0..KEYS {
        let key = key_of(i);
        if let Some((value, Operation::Put)) = table.get(&key, u64::MAX) {
            assert!(value.starts_with(&[key.as_slice(), b"@"].concat()));
        }
    }
}

fn check_backward_walk(table: &Arc<MemTable>) {
    let mut iter = table.iter();
    iter.seek_to_last().unwrap();
    let mut later: Option<InternalKey> = None;
    while iter.valid() {
        let current = InternalKey::new(iter.user_key(), iter.timestamp());
        if let Some(later) = &later {
            assert!(&current < later, "backward walk out of order");
        }
        later = Some(current);
        iter.prev().unwrap();
    }
}

#[test]
fn memtable_concurrent_writers_and_readers_agree_with_the_union() {
    let table = Arc::new(MemTable::new(usize::MAX));
    let start = Arc::new(Barrier::new(WRITERS as usize + READERS));
    let writers_done = Arc::new(AtomicBool::new(false));

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (table, start) = (Arc::clone(&table), Arc::clone(&start));
            thread::spawn(move || {
                start.wait();
                let ops = writer_ops(w);
                for (key, delete, _) in &ops {
                    let result = if *delete {
                        table.delete(key.user_key.clone(), key.timestamp)
                    } else {
                        let value = value_of(&key.user_key, key.timestamp);
                        table.put(key.user_key.clone(), value, key.timestamp)
                    };
                    result.unwrap();
                }
                // Writing a version again is refused and leaves no trace.
                let (key, _, _) = &ops[0];
                assert!(table
                    .put(key.user_key.clone(), vec![], key.timestamp)
                    .is_err());
                ops
            })
        })
        .collect();
    let readers: Vec<_> = (0..READERS)
        .map(|r| {
            let (table, start, done) = (
                Arc::clone(&table),
                Arc::clone(&start),
                Arc::clone(&writers_done),
            );
            thread::spawn(move || {
                start.wait();
                let mut rounds = 0;
                // At least one round after the writers finish.
                loop {
                    let finished = done.load(Ordering::Acquire);
                    if r % 2 == 0 {
                        check_reader_view(&table);
                    } else {
                        check_backward_walk(&table);
                    }
                    rounds += 1;
                    if finished {
                        return rounds;
                    }
                }
            })
        })
        .collect();

    let mut expected = BTreeSet::new();
    let mut expected_bytes = 0;
    for writer in writers {
        for (key, delete, size) in writer.join().unwrap() {
            expected_bytes += size;
            assert!(expected.insert((key, delete)), "writers overlapped");
        }
    }
    writers_done.store(true, Ordering::Release);
    for reader in readers {
        assert!(reader.join().unwrap() >= 1);
    }

    let actual: BTreeSet<(InternalKey, bool)> = table
        .entries()
        .map(|e| (e.internal_key(), e.operation == Operation::Delete))
        .collect();
    assert_eq!(actual, expected);
    assert_eq!(table.entry_count(), expected.len());
    assert_eq!(table.memory_usage(), expected_bytes);
}
