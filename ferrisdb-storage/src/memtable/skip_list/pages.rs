//! Where the arena's chunks get their memory.
//!
//! A chunk of exactly [`HUGE_PAGE_SIZE`] on Linux is its own anonymous
//! mapping (`mmap`), aligned to 2 MiB and marked `MADV_HUGEPAGE`, so the
//! kernel can back it with one huge page instead of 512 small ones. A search
//! of a large MemTable jumps between random nodes, and with small pages nearly
//! every jump also misses the TLB: huge pages made `fillrandom` about 10%
//! faster. The advice is only advice: where transparent huge pages are off,
//! the mapping is ordinary memory.
//!
//! Why a mapping and not the global allocator with a 2 MiB alignment? That was
//! tried first and measured: glibc kept freed 2 MiB blocks in its heap, where
//! other allocations fragmented them, and peak resident memory over
//! `db_bench`'s five workloads rose from 133 to 237 MiB. A mapping goes back
//! to the kernel the moment its MemTable drops.
//!
//! Every other chunk (other sizes, other systems, and under Miri, which cannot
//! call `mmap`) comes from the global allocator.

use std::alloc::{alloc, dealloc, handle_alloc_error, Layout};
use std::ptr::NonNull;

use super::arena::ALIGN;

/// The size of a transparent huge page on x86-64 and (with 4 KiB base pages)
/// ARM64.
pub(crate) const HUGE_PAGE_SIZE: usize = 2 << 20;

/// An owned, writable, uninitialised block of memory, freed on drop.
#[derive(Debug)]
pub(crate) struct Pages {
    base: NonNull<u8>,
    size: usize,
    /// Whether `base` is a mapping of its own (else a global allocation).
    mapped: bool,
}

impl Pages {
    /// `size` bytes (at least 1), aligned to [`ALIGN`], or to
    /// [`HUGE_PAGE_SIZE`] when `size` is exactly that on Linux.
    pub(crate) fn allocate(size: usize) -> Pages {
        if size == HUGE_PAGE_SIZE {
            if let Some(base) = map_huge_page() {
                return Pages {
                    base,
                    size,
                    mapped: true,
                };
            }
        }
        let layout = Self::layout(size);
        // SAFETY: the layout is not zero-sized (`size` is at least 1).
        let raw = unsafe { alloc(layout) };
        let Some(base) = NonNull::new(raw) else {
            handle_alloc_error(layout)
        };
        Pages {
            base,
            size,
            mapped: false,
        }
    }

    /// The first byte.
    pub(crate) fn base(&self) -> NonNull<u8> {
        self.base
    }

    /// The number of bytes.
    pub(crate) fn size(&self) -> usize {
        self.size
    }

    fn layout(size: usize) -> Layout {
        Layout::from_size_align(size.max(1), ALIGN).expect("arena chunk size overflows")
    }
}

impl Drop for Pages {
    fn drop(&mut self) {
        if self.mapped {
            unmap(self.base, self.size);
        } else {
            // SAFETY: `base` came from `alloc` with this very layout (the
            // size never changes) and is freed once, here.
            unsafe { dealloc(self.base.as_ptr(), Self::layout(self.size)) };
        }
    }
}

/// Maps [`HUGE_PAGE_SIZE`] bytes aligned to [`HUGE_PAGE_SIZE`] and advises
/// huge pages for them; `None` if the kernel refuses the mapping.
#[cfg(all(target_os = "linux", not(miri)))]
fn map_huge_page() -> Option<NonNull<u8>> {
    use libc::{c_void, MAP_ANONYMOUS, MAP_FAILED, MAP_PRIVATE, PROT_READ, PROT_WRITE};
    // Twice the size, so that an aligned huge page fits inside wherever the
    // kernel puts the mapping; the parts before and after it are unmapped.
    let len = 2 * HUGE_PAGE_SIZE;
    // SAFETY: a new private anonymous mapping at an address of the kernel's
    // choosing overlaps no memory Rust knows about.
    let raw = unsafe {
        libc::mmap(
            std::ptr::null_mut(),
            len,
            PROT_READ | PROT_WRITE,
            MAP_PRIVATE | MAP_ANONYMOUS,
            -1,
            0,
        )
    };
    if raw == MAP_FAILED {
        return None;
    }
    let head = (raw as usize).next_multiple_of(HUGE_PAGE_SIZE) - raw as usize;
    let tail = len - head - HUGE_PAGE_SIZE;
    let aligned = raw.cast::<u8>().wrapping_add(head);
    // SAFETY: the head `raw..raw + head` and the tail after
    // `aligned + HUGE_PAGE_SIZE` are parts of the mapping just made, outside
    // the huge page kept, and page-aligned (the mapping is, and `head` and
    // `tail` are multiples of the page size because `raw` and the huge page
    // size are). madvise only changes how the kernel backs the kept range,
    // never its contents.
    unsafe {
        if head > 0 {
            libc::munmap(raw, head);
        }
        if tail > 0 {
            libc::munmap(aligned.add(HUGE_PAGE_SIZE).cast::<c_void>(), tail);
        }
        libc::madvise(
            aligned.cast::<c_void>(),
            HUGE_PAGE_SIZE,
            libc::MADV_HUGEPAGE,
        );
    }
    NonNull::new(aligned)
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn map_huge_page() -> Option<NonNull<u8>> {
    None
}

/// Unmaps a range [`map_huge_page`] returned.
#[cfg(all(target_os = "linux", not(miri)))]
fn unmap(base: NonNull<u8>, size: usize) {
    // SAFETY: `base..base + size` is a mapping of ours (`mapped` is only set
    // for what `map_huge_page` returned), unmapped once, by `Pages::drop`.
    unsafe { libc::munmap(base.as_ptr().cast::<libc::c_void>(), size) };
}

#[cfg(not(all(target_os = "linux", not(miri))))]
fn unmap(_base: NonNull<u8>, _size: usize) {
    unreachable!("nothing is mapped where map_huge_page maps nothing")
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    #[test]
    fn huge_page_chunks_are_aligned_to_a_huge_page() {
        let pages = Pages::allocate(HUGE_PAGE_SIZE);
        assert_eq!(pages.size(), HUGE_PAGE_SIZE);
        if cfg!(all(target_os = "linux", not(miri))) {
            assert!(pages.mapped);
            assert_eq!(pages.base().as_ptr() as usize % HUGE_PAGE_SIZE, 0);
        }
        // The whole range is ours to write.
        // SAFETY: `pages` owns `size` writable bytes at `base`.
        unsafe { std::ptr::write_bytes(pages.base().as_ptr(), 0xa5, pages.size()) };
    }

    #[test]
    fn other_sizes_come_from_the_allocator() {
        let pages = Pages::allocate(12_345);
        assert!(!pages.mapped);
        assert_eq!(pages.base().as_ptr() as usize % ALIGN, 0);
        // SAFETY: as above.
        unsafe { std::ptr::write_bytes(pages.base().as_ptr(), 0x5a, pages.size()) };
    }
}
