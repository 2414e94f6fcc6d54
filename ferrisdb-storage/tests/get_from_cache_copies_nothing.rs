//! A `get` served from the block cache returns a `Slice` that shares the
//! cached block: it allocates no copy of the value. Counted with an allocator
//! that tallies the bytes each thread allocates; the background threads'
//! allocations are not this thread's.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine};

/// The system allocator, counting the bytes this thread allocates.
struct Counting;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
}

fn count(bytes: usize) {
    // `try_with`: a thread being torn down has no counter left; its
    // allocations are not the test's.
    let _ = ALLOCATED.try_with(|a| a.set(a.get() + bytes));
}

// SAFETY: every call is forwarded to `System` unchanged; counting touches only
// a thread-local `Cell`, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        // SAFETY: `ptr` came from `System` through this allocator; the
        // caller upholds the rest of `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

fn allocated_by(f: impl FnOnce()) -> usize {
    let before = ALLOCATED.with(Cell::get);
    f();
    ALLOCATED.with(Cell::get) - before
}

const VALUE_LEN: usize = 3000;

#[test]
fn a_cached_get_allocates_no_copy_of_the_value() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig {
        compression: CompressionType::None,
        ..StorageConfig::new(dir.path())
    })
    .unwrap();
    let value = vec![b'v'; VALUE_LEN];
    db.put("big", &value).unwrap();
    db.put("small", "s").unwrap();
    db.flush().unwrap();

    // The first get loads the block into the cache, which allocates it.
    let first = allocated_by(|| assert_eq!(db.get("big").unwrap().unwrap(), value));
    assert!(
        first >= VALUE_LEN,
        "loading the block allocated only {first} bytes"
    );

    // The second is served from the cache: no allocation as large as the
    // value, so the value was not copied.
    let mut got = None;
    let second = allocated_by(|| got = db.get("big").unwrap());
    assert!(
        second < VALUE_LEN,
        "a cached get allocated {second} bytes for a value of {VALUE_LEN}"
    );
    let got = got.unwrap();
    assert_eq!(got, value);

    // A clone of the value copies nothing either.
    let clone = allocated_by(|| drop(got.clone()));
    assert_eq!(clone, 0, "cloning a Slice allocated");

    // A scan's values share the blocks too.
    let scanned = allocated_by(|| {
        let pairs: Vec<_> = db.iter().unwrap().map(Result::unwrap).collect();
        assert_eq!(pairs.len(), 2);
    });
    assert!(
        scanned < VALUE_LEN,
        "a cached scan allocated {scanned} bytes for a value of {VALUE_LEN}"
    );
}
