//! Review (issue 20): the issue asks that reads stay logarithmic in the
//! number of range tombstones, and `docs/performance.md` says a get asks
//! "the MemTable's fragmented list, cached between range deletes, in
//! O(log n)". The cache is dropped by every range delete
//! (`memtable/range_tombstones.rs`, `insert` sets `fragmented = None`), and
//! the first read after it clones and re-fragments every range delete of
//! the MemTable (`fragmented`: `state.raw.clone()`, `from_tombstones`). So a
//! workload that reads between range deletes (truncating a Raft log as it
//! applies entries, expiring a window per request) does O(n log n) work per
//! read, O(n^2 log n) in all: measured in a release build, 16 000 range
//! deletes each followed by a get take 28.7 s, against 17 ms for the same
//! deletes with one get after them.
//!
//! Timing is not a test; allocation is: this counts the bytes one get
//! allocates on its thread right after one more range delete, with 100 and
//! with 10 000 range deletes in the MemTable. A logarithmic read allocates
//! about the same in both.

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
fn get_bytes_after_range_delete(n: u32) -> usize {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: 64 << 20,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    db.put("key", "value").unwrap();
    for i in 0..n {
        db.delete_range(format!("log/{i:08}")..format!("log/{:08}", i + 1))
            .unwrap();
    }
    // A read: the MemTable's list is fragmented and cached.
    db.get("key").unwrap();
    db.delete_range(format!("log/{n:08}")..format!("log/{:08}", n + 1))
        .unwrap();
    let before = BYTES.with(Cell::get);
    assert_eq!(db.get("key").unwrap().as_deref(), Some(&b"value"[..]));
    BYTES.with(Cell::get) - before
}

#[test]
fn a_get_after_a_range_delete_allocates_in_proportion_to_every_range_delete() {
    let few = get_bytes_after_range_delete(100);
    let many = get_bytes_after_range_delete(10_000);
    assert!(
        many <= 4 * few.max(1024),
        "a get after one more range delete allocates {few} bytes with 100 range deletes in \
         the MemTable and {many} with 10 000: it re-fragments all of them"
    );
}
