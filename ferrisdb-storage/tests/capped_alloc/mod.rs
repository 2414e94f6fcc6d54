//! An allocator for the crafted-file scenarios: the system allocator,
//! refusing any single allocation over [`ALLOCATION_CAP`], so a decoder that
//! trusts a length read from disk aborts the test ("memory allocation of N
//! bytes failed") instead of exhausting the machine. A test binary installs
//! it with `#[global_allocator] static ALLOCATOR: Capped = Capped;`.

use std::alloc::{GlobalAlloc, Layout, System};

/// The largest single allocation a test binary using [`Capped`] allows.
pub const ALLOCATION_CAP: usize = 256 << 20;

/// The system allocator, refusing allocations over [`ALLOCATION_CAP`].
pub struct Capped;

// SAFETY: every call is forwarded to `System` unchanged, or refused with a
// null pointer, which `GlobalAlloc` allows.
unsafe impl GlobalAlloc for Capped {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: the caller upholds `alloc`'s contract, passed on as is.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: as for `alloc`.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if new_size > ALLOCATION_CAP {
            return std::ptr::null_mut();
        }
        // SAFETY: `ptr` came from `System` through this allocator; the
        // caller upholds the rest of `realloc`'s contract.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}
