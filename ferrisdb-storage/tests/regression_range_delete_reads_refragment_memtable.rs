//! Regression (issue 20, second review): a MemTable kept its range deletes
//! as one fragmented list, dropped by every range delete and rebuilt from
//! all of them by the next read. A workload that reads between range
//! deletes (truncating a Raft log as it applies entries, expiring a window
//! per request) did O(n log n) work per read, O(n^2 log n) in all: 16 000
//! range deletes each followed by a get took 28.7 s in a release build,
//! against 17 ms with one get after them. The MemTable now keeps its range
//! deletes in runs that merge as a binary counter carries.
//!
//! Timing is not a test; allocation is: this counts the bytes allocated on
//! the test's thread by one get right after one more range delete, and by
//! a whole run of "range delete, then get" steps, for a small and a ten
//! times larger MemTable of range deletes.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};

thread_local! {
    static BYTES: Cell<usize> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: every call is forwarded to `System` unchanged; the counter is a
// `const`-initialised thread-local `Cell`, which allocates nothing.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = BYTES.try_with(|b| b.set(b.get() + layout.size()));
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = BYTES.try_with(|b| b.set(b.get() + new_size));
        // SAFETY: as for `dealloc`; the caller upholds the rest.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// The bytes one get allocates right after a range delete, with `n` range
/// deletes in the MemTable before it.
fn open() -> StorageEngine {
    let fs = FaultFileSystem::new();
    StorageEngine::open(StorageConfig {
        memtable_size: 64 << 20,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

fn delete_log_entry(db: &StorageEngine, i: u32) {
    db.delete_range(format!("log/{i:08}")..format!("log/{:08}", i + 1))
        .unwrap();
}

/// Bytes one get allocates right after one more range delete, with `n`
/// range deletes in the MemTable before it.
fn get_bytes_after_range_delete(n: u32) -> usize {
    let db = open();
    db.put("key", "value").unwrap();
    for i in 0..n {
        delete_log_entry(&db, i);
    }
    db.get("key").unwrap();
    delete_log_entry(&db, n);
    let before = BYTES.with(Cell::get);
    assert_eq!(db.get("key").unwrap().as_deref(), Some(&b"value"[..]));
    BYTES.with(Cell::get) - before
}

/// Bytes `n` steps of "range delete, then get" allocate in all.
fn bytes_of_deletes_with_reads_between(n: u32) -> usize {
    let db = open();
    db.put("key", "value").unwrap();
    let before = BYTES.with(Cell::get);
    for i in 0..n {
        delete_log_entry(&db, i);
        assert_eq!(db.get("key").unwrap().as_deref(), Some(&b"value"[..]));
    }
    BYTES.with(Cell::get) - before
}

#[test]
fn a_get_after_a_range_delete_does_not_rebuild_every_range_delete() {
    let few = get_bytes_after_range_delete(100);
    let many = get_bytes_after_range_delete(10_000);
    assert!(
        many <= 4 * few.max(1024),
        "a get after one more range delete allocates {few} bytes with 100 range deletes in \
         the MemTable and {many} with 10 000: it re-fragments all of them"
    );
}

#[test]
fn range_deletes_with_reads_between_cost_far_less_than_quadratic() {
    let small = bytes_of_deletes_with_reads_between(400);
    let large = bytes_of_deletes_with_reads_between(4_000);
    // Ten times the steps: about 10 x log^2 more work for runs that carry,
    // 100 x for a list rebuilt after every delete.
    assert!(
        large <= 30 * small,
        "400 range deletes with a get after each allocate {small} bytes, 4000 allocate \
         {large}: the work grows with the square of the range deletes"
    );
}
