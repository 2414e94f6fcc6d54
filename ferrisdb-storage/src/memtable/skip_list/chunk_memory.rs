//! Where the arena's chunks come from: straight from the kernel on Linux, so
//! a flushed MemTable's memory goes back to it when the MemTable drops.
//!
//! Through `malloc`, it does not. glibc serves a request of 1 MiB with its
//! own `mmap` only until the first such block is freed; that free raises its
//! mmap threshold past 1 MiB, and from then on every chunk is carved from a
//! heap arena: the one of the thread that writes, while the flush thread
//! frees it. A freed MemTable leaves 64 MiB of free chunks in that arena,
//! which glibc keeps (it only gives back the top of a heap), and which a
//! writer on another thread, in another arena, cannot reuse. Measured on the
//! large comparison (5M keys, 64 MiB MemTables): about 150 MiB resident and
//! free after the writes, 431 MiB peak in `readwhilewriting` against 269 MiB
//! with the free memory trimmed.
//!
//! A chunk of at least [`MAP_THRESHOLD`] bytes is therefore mapped and
//! unmapped here; a smaller one (tiny MemTables, tests), and every chunk on
//! other systems and under Miri and loom, goes through the global allocator.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

/// The alignment of every chunk, and of every allocation the arena carves
/// from one: that of a node header and its links.
pub(crate) const ALIGN: usize = 8;

/// The smallest chunk that is mapped rather than allocated: below it, the
/// system calls would cost more than the memory is worth.
#[cfg_attr(not(all(target_os = "linux", not(miri), not(loom))), allow(dead_code))]
pub(crate) const MAP_THRESHOLD: usize = 64 * 1024;

/// Whether chunks of `size` bytes are mapped from the kernel on this build.
#[cfg_attr(not(all(target_os = "linux", not(miri), not(loom))), allow(dead_code))]
pub(crate) const fn is_mapped(size: usize) -> bool {
    cfg!(all(target_os = "linux", not(miri), not(loom))) && size >= MAP_THRESHOLD
}

/// `size` (non-zero) bytes aligned to [`ALIGN`], to be given back with
/// [`free`] and the same size. With `populate`, a mapped chunk's pages are
/// faulted in at once (see `map`); memory from the global allocator is
/// faulted in as it is written either way.
pub(crate) fn allocate(size: usize, populate: bool) -> NonNull<u8> {
    assert!(size > 0, "an arena chunk is never empty");
    #[cfg(all(target_os = "linux", not(miri), not(loom)))]
    if is_mapped(size) {
        return map(size, populate);
    }
    // The global allocator's memory is faulted in as it is written.
    let _ = populate;
    let layout = layout(size);
    // SAFETY: `layout` has a non-zero size (asserted above).
    let raw = unsafe { alloc(layout) };
    NonNull::new(raw).unwrap_or_else(|| handle_alloc_error(layout))
}

/// Gives back memory from [`allocate`].
///
/// # Safety
///
/// `base` came from [`allocate`]`(size)`, is freed once, and nothing uses
/// it afterwards.
pub(crate) unsafe fn free(base: NonNull<u8>, size: usize) {
    #[cfg(all(target_os = "linux", not(miri), not(loom)))]
    if is_mapped(size) {
        // SAFETY: the caller's contract: `base` is a mapping of `size` bytes
        // made by `map`, unmapped once.
        unsafe { unmap(base, size) };
        return;
    }
    // SAFETY: the caller's contract: `base` came from `alloc` with this
    // layout (`allocate` of a size below the threshold), freed once.
    unsafe { dealloc(base.as_ptr(), layout(size)) }
}

fn layout(size: usize) -> Layout {
    Layout::from_size_align(size, ALIGN).expect("arena chunk size overflows")
}

/// A private anonymous mapping of `size` bytes (page-aligned, so aligned to
/// [`ALIGN`]). With `populate`, its pages are faulted in at once: for a
/// chunk the arena fills from its start right away (one it grows into, or
/// one allocation's own), one system call that faults every page in
/// replaces a fault per page on first write. Without it, a page is resident
/// only once written: an arena's first chunk is made with its MemTable, and
/// many MemTables stay empty or small for long (a keyspace's active one),
/// so populated it would make each of them a whole chunk resident at once.
#[cfg(all(target_os = "linux", not(miri), not(loom)))]
fn map(size: usize, populate: bool) -> NonNull<u8> {
    let populate = if populate { libc::MAP_POPULATE } else { 0 };
    // SAFETY: a new anonymous mapping at an address the kernel picks touches
    // no existing memory; the result is checked against MAP_FAILED.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            size,
            libc::PROT_READ | libc::PROT_WRITE,
            libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | populate,
            -1,
            0,
        )
    };
    if raw == libc::MAP_FAILED {
        handle_alloc_error(layout(size));
    }
    NonNull::new(raw.cast::<u8>()).unwrap_or_else(|| handle_alloc_error(layout(size)))
}

/// Unmaps a mapping made by [`map`].
///
/// # Safety
///
/// `base` is a mapping of `size` bytes made by [`map`], unmapped once, and
/// nothing uses it afterwards.
#[cfg(all(target_os = "linux", not(miri), not(loom)))]
unsafe fn unmap(base: NonNull<u8>, size: usize) {
    // SAFETY: the caller's contract. munmap of a whole mapping of ours fails
    // only on invalid arguments, which that contract rules out; if it did
    // fail, the memory would stay mapped (a leak, never a dangling use).
    let _ = unsafe { libc::munmap(base.as_ptr().cast(), size) };
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn chunks_of_every_size_are_aligned_writable_and_freed() {
        // Below, at and past the mapping threshold, whole pages or not,
        // populated or not (only chunks past it are mapped, on Linux).
        let sizes: &[usize] = if cfg!(miri) {
            &[8, 4096]
        } else {
            &[
                8,
                4096,
                MAP_THRESHOLD - 8,
                MAP_THRESHOLD,
                MAP_THRESHOLD + 8,
                100_000,
                1 << 20,
            ]
        };
        for &size in sizes {
            for populate in [false, true] {
                let base = allocate(size, populate);
                assert_eq!(base.as_ptr() as usize % ALIGN, 0, "{size}");
                // SAFETY: `base` is `size` bytes of ours.
                unsafe { std::ptr::write_bytes(base.as_ptr(), 0xa5, size) };
                // SAFETY: as above, and every byte of it was written.
                let bytes = unsafe { std::slice::from_raw_parts(base.as_ptr(), size) };
                assert!(bytes.iter().all(|&b| b == 0xa5), "{size}");
                // SAFETY: from `allocate(size, _)`, freed once, unused after.
                unsafe { free(base, size) };
            }
        }
    }
}
