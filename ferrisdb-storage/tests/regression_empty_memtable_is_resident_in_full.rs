//! A MemTable holds resident only the memory it has written, not the whole
//! first chunk its arena makes when it is created.
//!
//! The bug: the arena mapped every chunk of 64 KiB and more with
//! `MAP_POPULATE`, which faults every page in when the chunk is made. A
//! MemTable makes its first chunk (1 MiB once it holds 8 MiB or more) when it
//! is created, so every MemTable was 1 MiB resident before its first write:
//! each keyspace's active MemTable, idle or not, and every one a freeze
//! starts. `malloc`'s memory, and a mapping faulted in on first touch, cost
//! only the pages written (here the list's head node: one page).
//!
//! Its own process (one test in this file) keeps other tests' memory out of
//! the measure.

#![cfg(target_os = "linux")]

use ferrisdb_storage::internals::memtable::MemTable;

mod resident_memory;

use resident_memory::resident_anonymous_bytes;

const TABLES: usize = 64;

#[test]
fn empty_memtables_hold_only_the_pages_they_wrote() {
    let before = resident_anonymous_bytes();
    // Without a key filter, whose words are written (zeroed) when it is made.
    let tables: Vec<MemTable> = (0..TABLES)
        .map(|_| MemTable::with_filter(64 << 20, false))
        .collect();
    let grown = resident_anonymous_bytes().saturating_sub(before);
    assert!(
        grown < TABLES * (256 << 10),
        "{TABLES} empty MemTables of 64 MiB made {grown} bytes resident"
    );
    // A MemTable written past its first chunk still takes its entries.
    let table = &tables[0];
    let value = vec![b'v'; 1000];
    for i in 0..3000u64 {
        table
            .put(format!("key{i:08}").into_bytes(), value.clone(), i + 1)
            .unwrap();
    }
    for i in (0..3000u64).step_by(97) {
        let (got, _) = table
            .get(format!("key{i:08}").as_bytes(), u64::MAX)
            .unwrap();
        assert_eq!(&got[..], &value[..], "key {i}");
    }
}
