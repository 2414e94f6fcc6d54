//! Bump allocation of skip-list nodes out of large chunks.
//!
//! The list never frees a single node (invariant 3 of the [list](super)): all
//! of them go together when the list drops. That is the one pattern an arena
//! serves best, and LevelDB and RocksDB allocate their MemTables the same way.
//! Against one `malloc` per node, the arena saves:
//!
//! - the allocator's time on every insert, and its lock: the flush thread
//!   frees a whole MemTable's nodes while the writer allocates new ones, and
//!   glibc serialises the two on the arena mutex of the writer's heap;
//! - the allocator's per-block header and rounding (16 bytes on a ~150-byte
//!   node);
//! - a walk over every node at drop, one cache miss each, to free them.
//!
//! # Thread safety
//!
//! Allocation takes no lock on the common path: one `fetch_add` on the current
//! chunk's `used` counter reserves a range no other thread can get. When the
//! range would run past the chunk's end, the thread takes the `chunks` mutex,
//! installs a fresh chunk (unless another thread already did), and tries
//! again. That happens once per chunk, so the skip list stays lock-free in all
//! but one insert in thousands.
//!
//! The invariants:
//!
//! 1. **Chunks live as long as the arena.** Every chunk is owned by `chunks`
//!    and freed only by `Drop` (`&mut self`), so a pointer handed out, or a
//!    chunk loaded from `current`, stays valid while `&self` lives.
//! 2. **Ranges are disjoint.** A range of a chunk is handed out only to the
//!    thread whose `fetch_add` moved `used` across it, and only if it ends
//!    within the chunk's capacity.
//! 3. **`current` is published whole.** A chunk's fields are written before the
//!    `Release` store that makes it `current`; readers load with `Acquire`.

use std::ptr::NonNull;

use super::chunk_memory;
pub(crate) use super::chunk_memory::ALIGN;
use super::sync::{AtomicPtr, AtomicUsize, Mutex, Ordering};

/// The default chunk size. Large enough that taking the mutex for a new chunk
/// is rare, small enough that a MemTable's last chunk wastes little.
pub const DEFAULT_CHUNK_SIZE: usize = if cfg!(any(loom, miri)) { 4096 } else { 1 << 20 };

/// One block of memory that nodes are carved from.
struct Chunk {
    base: NonNull<u8>,
    /// The chunk's capacity in bytes.
    size: usize,
    /// Bytes handed out, counted from `base`. May run past `size` by
    /// the reservations that failed there (invariant 2).
    used: AtomicUsize,
}

impl Chunk {
    /// A fresh chunk, as a raw pointer: the arena shares it through
    /// `current` while also owning it, which a `Box` (unique by contract)
    /// cannot express. `Arena::drop` turns it back into a `Box`. With
    /// `populate`, its pages are faulted in now (`chunk_memory::map`).
    fn new(size: usize, populate: bool) -> *mut Chunk {
        // `size` is never zero: callers pass at least one node's size.
        let base = chunk_memory::allocate(size, populate);
        Box::into_raw(Box::new(Chunk {
            base,
            size,
            used: AtomicUsize::new(0),
        }))
    }

    /// Reserves `size` bytes, or returns `None` when the chunk is full.
    fn try_allocate(&self, size: usize) -> Option<NonNull<u8>> {
        // Relaxed: the counter only has to hand out each byte once, which any
        // ordering of a read-modify-write guarantees. The memory itself is
        // published to other threads by the skip list's Release CAS.
        let offset = self.used.fetch_add(size, Ordering::Relaxed);
        let end = offset.checked_add(size)?;
        if end > self.size {
            return None;
        }
        // SAFETY: `offset + size <= capacity`, so the result stays inside the
        // chunk's allocation, and is not null because `base` is not.
        Some(unsafe { self.base.add(offset) })
    }
}

/// A concurrent bump allocator whose memory is freed all at once, on drop.
pub(crate) struct Arena {
    /// The chunk allocations are carved from. Points into `chunks` (inv. 1).
    current: AtomicPtr<Chunk>,
    /// Every chunk, including the dedicated ones of oversized allocations.
    /// Each came from `Chunk::new` and is freed once, by `Drop`.
    chunks: Mutex<Vec<*mut Chunk>>,
    chunk_size: usize,
}

// SAFETY: the raw pointers in `Chunk` and `current` point to memory the arena
// owns (invariant 1); shared access hands out disjoint ranges (invariant 2)
// and installs chunks under a mutex with Release/Acquire publication
// (invariant 3). So the arena may move to and be shared between threads.
unsafe impl Send for Arena {}
// SAFETY: see the `Send` impl.
unsafe impl Sync for Arena {}

impl Arena {
    /// An arena that carves allocations out of `chunk_size`-byte chunks.
    pub(crate) fn new(chunk_size: usize) -> Arena {
        let chunk_size = chunk_size.max(ALIGN);
        // Not populated: it is made with the list, which may stay empty or
        // small for long, and its pages are resident only once written.
        let first = Chunk::new(chunk_size, false);
        Arena {
            current: AtomicPtr::new(first),
            chunks: Mutex::new(vec![first]),
            chunk_size,
        }
    }

    /// Returns `size` bytes aligned to [`ALIGN`], valid until the arena drops.
    ///
    /// An allocation larger than a quarter of a chunk gets a chunk of its own,
    /// so one large value never wastes most of a chunk.
    pub(crate) fn allocate(&self, size: usize) -> NonNull<u8> {
        let size = size
            .max(1)
            .checked_next_multiple_of(ALIGN)
            .expect("arena allocation size overflows");
        if size > self.chunk_size / 4 {
            return self.allocate_dedicated(size);
        }
        loop {
            // Acquire pairs with the Release store in `grow` (invariant 3).
            let chunk = self.current.load(Ordering::Acquire);
            // SAFETY: `current` always points to a chunk in `chunks`, live as
            // long as `&self` (invariant 1).
            if let Some(memory) = unsafe { &*chunk }.try_allocate(size) {
                return memory;
            }
            self.grow(chunk);
        }
    }

    /// Bytes of memory the arena holds, used or not.
    #[cfg(test)]
    pub(crate) fn allocated_bytes(&self) -> usize {
        lock(&self.chunks)
            .iter()
            // SAFETY: every chunk in the list is live (invariant 1).
            .map(|&chunk| unsafe { &*chunk }.size)
            .sum()
    }

    /// Replaces the full chunk `full` with a new one, unless another thread
    /// already did.
    fn grow(&self, full: *mut Chunk) {
        let mut chunks = lock(&self.chunks);
        // Relaxed: under the mutex, every store to `current` is visible.
        if self.current.load(Ordering::Relaxed) != full {
            return;
        }
        let fresh = Chunk::new(self.chunk_size, true);
        chunks.push(fresh);
        // Release publishes the chunk's fields (invariant 3).
        self.current.store(fresh, Ordering::Release);
    }

    fn allocate_dedicated(&self, size: usize) -> NonNull<u8> {
        let chunk = Chunk::new(size, true);
        // SAFETY: the chunk is fresh and ours; it joins the list just below.
        let memory = unsafe { &*chunk }
            .try_allocate(size)
            .expect("a fresh chunk fits");
        lock(&self.chunks).push(chunk);
        memory
    }
}

impl Drop for Arena {
    fn drop(&mut self) {
        let chunks = std::mem::take(&mut *lock(&self.chunks));
        for chunk in chunks {
            // SAFETY: `&mut self`: nobody can use memory of this arena any more
            // (invariant 1). Each chunk is in the list once and came from
            // `Box::into_raw`, so it is rebuilt and freed once, with the size
            // its memory came from `chunk_memory::allocate` with.
            unsafe {
                let chunk = Box::from_raw(chunk);
                chunk_memory::free(chunk.base, chunk.size);
            }
        }
    }
}

/// Locks `mutex`, ignoring poisoning: a panic while the lock was held cannot
/// leave the chunk list half-changed (a `push` either happened or did not).
fn lock<T>(mutex: &Mutex<T>) -> super::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::collections::BTreeSet;
    use std::ptr;
    use std::sync::Arc;

    #[test]
    fn allocations_are_aligned_and_disjoint() {
        let arena = Arena::new(256);
        let mut ranges = BTreeSet::new();
        for size in (1..200).chain([0, 63, 64, 65]) {
            let p = arena.allocate(size).as_ptr() as usize;
            assert_eq!(p % ALIGN, 0);
            ranges.insert((p, size.max(1)));
        }
        let mut end = 0;
        for (start, len) in ranges {
            assert!(start >= end, "overlap at {start:#x}");
            end = start + len;
        }
    }

    #[test]
    fn memory_is_writable_until_drop() {
        let arena = Arena::new(64);
        let blocks: Vec<(NonNull<u8>, u8)> = (0..100u8).map(|i| (arena.allocate(24), i)).collect();
        for &(p, i) in &blocks {
            // SAFETY: each block is 24 bytes of ours, live until `arena` drops.
            unsafe { ptr::write_bytes(p.as_ptr(), i, 24) };
        }
        for &(p, i) in &blocks {
            // SAFETY: as above; nobody else wrote it (the ranges are disjoint).
            let bytes = unsafe { std::slice::from_raw_parts(p.as_ptr(), 24) };
            assert!(bytes.iter().all(|&b| b == i));
        }
    }

    #[test]
    fn oversized_allocations_get_their_own_chunk() {
        let arena = Arena::new(1024);
        assert_eq!(arena.allocated_bytes(), 1024);
        arena.allocate(10_000);
        assert_eq!(arena.allocated_bytes(), 1024 + 10_000);
        arena.allocate(100);
        assert_eq!(arena.allocated_bytes(), 1024 + 10_000, "small ones share");
    }

    #[test]
    fn concurrent_allocations_never_overlap() {
        let arena = Arc::new(Arena::new(512));
        let threads = if cfg!(miri) { 2 } else { 4 };
        let per_thread = if cfg!(miri) { 50 } else { 5_000 };
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let arena = Arc::clone(&arena);
                std::thread::spawn(move || {
                    let mut mine = Vec::with_capacity(per_thread);
                    for i in 0..per_thread {
                        let size = 8 + (i * 7 + t) % 40;
                        let p = arena.allocate(size);
                        // SAFETY: the block is ours; writing it all lets Miri
                        // and the checks below catch an overlap.
                        unsafe { ptr::write_bytes(p.as_ptr(), t as u8, size) };
                        mine.push((p.as_ptr() as usize, size));
                    }
                    mine
                })
            })
            .collect();
        let mut all: Vec<(usize, usize)> = handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect();
        all.sort_unstable();
        for pair in all.windows(2) {
            assert!(pair[0].0 + pair[0].1 <= pair[1].0, "{pair:?} overlap");
        }
    }
}
