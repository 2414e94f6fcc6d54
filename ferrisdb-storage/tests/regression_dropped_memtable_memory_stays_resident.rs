//! A MemTable that is dropped gives its memory back to the system.
//!
//! The bug: the arena took its 1 MiB chunks from `malloc`. glibc maps a
//! block that large itself only until the first one is freed, which raises
//! its mmap threshold; from the second MemTable on, the chunks came from a
//! heap arena, and freeing them left them resident there, of use only to
//! later `malloc`s of that arena. On the large comparison (5M keys, 64 MiB
//! MemTables) about 150 MiB stayed resident and free after the writes, and
//! `readwhilewriting` peaked at 431 MiB of a 512 MiB limit.
//!
//! As in the engine, a writer thread fills each MemTable and another thread
//! (the flush's) drops it. The second one is the one that stayed resident.
//! glibc behaviour, so only checked where the target is Linux with glibc; its
//! own process (one test in this file) keeps other tests' memory out of the
//! measure.

#![cfg(all(target_os = "linux", target_env = "gnu"))]

use std::sync::Arc;
use std::thread;

use ferrisdb_storage::internals::memtable::MemTable;

mod resident_memory;

use resident_memory::resident_anonymous_bytes;

const TABLE: usize = 32 << 20;

/// A MemTable of `TABLE` bytes filled on a thread of its own, with 16-byte
/// keys and 500-byte values (the large comparison's entries).
fn filled_on_another_thread() -> Arc<MemTable> {
    thread::spawn(|| {
        let table = Arc::new(MemTable::new(TABLE));
        let value = vec![b'v'; 500];
        for i in 0u64.. {
            let key = format!("key{i:013}").into_bytes();
            if table.put(key, value.clone(), i + 1).is_err() {
                break;
            }
        }
        table
    })
    .join()
    .unwrap()
}

#[test]
fn dropped_memtables_leave_no_resident_memory() {
    drop(filled_on_another_thread());
    let before = resident_anonymous_bytes();
    let table = filled_on_another_thread();
    let filled = resident_anonymous_bytes();
    assert!(
        filled >= before + TABLE / 2,
        "a filled MemTable is resident: {before} bytes before, {filled} with it"
    );
    drop(table);
    let after = resident_anonymous_bytes();
    assert!(
        after < before + TABLE / 4,
        "a dropped MemTable of {TABLE} bytes left {after} bytes resident, {before} before it"
    );
}
