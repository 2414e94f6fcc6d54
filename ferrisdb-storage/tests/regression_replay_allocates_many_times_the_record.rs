//! Regression (issue 18, found by the review of the WAL): applying a batch
//! to a MemTable (`apply`, on the write path and in replay) first copied
//! every entry into a vector (40 bytes an entry) and a hash set sized for
//! every entry (another 17 to 34), whatever the MemTable then held. A log
//! record of half a million deletes of the empty key, 3 bytes each (1.5 MB),
//! made `open` allocate 44 MB at its peak, 29 times the record, for one
//! MemTable entry: a crafted log of a few hundred MB would make `open` run
//! out of memory.
//!
//! `apply` now walks a batch backwards a run of entries at a time, and the
//! MemTable itself, which holds one version of a key per timestamp, keeps
//! the last entry of a key: what it allocates beyond the MemTable is a
//! small constant and a few bytes per run of entries. This test counts the
//! bytes allocated while `open` replays such a record (a global allocator
//! that keeps the peak; no timing).

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use common::fault_config;
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{RecoveryMode, StorageConfig, StorageEngine, SyncMode, WriteBatch};

/// The system allocator, counting the bytes allocated now and their peak.
struct Counting;

static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn added(size: usize) {
    // Relaxed: the counters publish no data; only their values matter.
    let now = NOW.fetch_add(size, Ordering::Relaxed) + size;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

// SAFETY: every call is forwarded to `System` unchanged; the counters are
// updated only for allocations that succeeded.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        let ptr = unsafe { System.alloc(layout) };
        if !ptr.is_null() {
            added(layout.size());
        }
        ptr
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let ptr = unsafe { System.alloc_zeroed(layout) };
        if !ptr.is_null() {
            added(layout.size());
        }
        ptr
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        NOW.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from `System` through this allocator; the
        // caller upholds the rest of `realloc`'s contract.
        let new = unsafe { System.realloc(ptr, layout, new_size) };
        if !new.is_null() {
            NOW.fetch_sub(layout.size(), Ordering::Relaxed);
            added(new_size);
        }
        new
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const ENTRIES: usize = 500_000;

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        // The table replay writes stays as it is: a compaction would drop
        // its lone tombstone.
        disable_auto_compactions: true,
        ..fault_config(fs, RecoveryMode::default())
    }
}

/// The bytes `open` allocates beyond what was allocated when it started, at
/// their peak, for a crashed database whose log holds `batch`; and the
/// number of entries in the table replay wrote.
fn peak_of_open(batch: &WriteBatch) -> (usize, u64) {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    db.write(batch).unwrap();
    let fs = fs.crash();
    drop(db);
    let before = NOW.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let db = StorageEngine::open(config(&fs)).unwrap();
    let peak = PEAK.load(Ordering::Relaxed) - before;
    let tables = db.live_tables();
    assert_eq!(tables.len(), 1);
    (peak, tables[0].entry_count)
}

#[test]
fn regression_replay_allocates_many_times_the_record() {
    let mut batch = WriteBatch::new();
    for _ in 0..ENTRIES {
        batch.delete("");
    }
    let record = batch.approximate_size();
    assert!(record < 3 * ENTRIES + 16);
    let (peak, entries) = peak_of_open(&batch);
    eprintln!(
        "a record of {ENTRIES} deletes of the empty key, {record} bytes: open allocated {peak} \
         bytes at its peak ({:.1} times the record)",
        peak as f64 / record as f64
    );
    // The last entry of the key wins: one tombstone.
    assert_eq!(entries, 1);
    // The record is read whole (and its log block by block): a few times
    // the record, plus the MemTable's first arena chunk, filter and the
    // table's buffers, a few MiB whatever the record.
    assert!(
        peak < 3 * record + (8 << 20),
        "open allocated {peak} bytes for a record of {record}"
    );
}
