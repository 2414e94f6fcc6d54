//! One entry of the skip list, laid out in one block of the list's arena.
//!
//! A node is a header followed by its tower of forward links, then the key
//! bytes, then the value bytes:
//!
//! ```text
//! +------------------------------------+  offset 0
//! | timestamp: u64                     |
//! | key_len: u32 | value_len: u32      |
//! | height: u8 | operation: u8 | pad   |  NODE_HEADER_SIZE = 24 bytes
//! +------------------------------------+
//! | tower[0] .. tower[height - 1]      |  one AtomicPtr<Node> per level
//! +------------------------------------+
//! | key bytes (key_len)                |
//! | value bytes (value_len)            |
//! +------------------------------------+
//! ```
//!
//! Why one block? A `Vec` for the key and another for the value would cost
//! three allocations per entry and two extra pointer hops on every comparison.
//! With everything inline, a search touches one cache line for the header and
//! the first link, and the key sits right behind the tower. The blocks come
//! from an [arena](super::arena), so a node costs no allocator call at all.
//!
//! The price is that a `Node` is a *dynamically sized* object that Rust's type
//! system cannot describe: only the header is a real struct. Everything past it
//! is reached by pointer arithmetic from the raw pointer returned by the
//! arena. We never turn a node into a `&Node` and then walk past the end of
//! the header from that reference: a reference only grants access to
//! `size_of::<Node>()` bytes, and reading the tower through it would be
//! undefined behaviour (Miri's Stacked Borrows checks exactly this). All
//! accessors therefore start from the raw `*const Node`.

use std::mem::{align_of, needs_drop, size_of};
use std::ptr;

use ferrisdb_core::{Operation, Timestamp};

use super::arena::{Arena, ALIGN};
use super::sync::AtomicPtr;

/// The tallest tower a node can have.
///
/// With a branching factor of 4, twelve levels index about 4^12 = 16 million
/// entries in O(log n) steps, far more than a MemTable holds. Under loom the
/// head's tower is kept short so the model checker has fewer atomics to track.
pub const MAX_HEIGHT: usize = if cfg!(loom) { 4 } else { 12 };

/// Bytes of a node before its tower: timestamp, lengths, height, operation.
pub const NODE_HEADER_SIZE: usize = size_of::<Node>();

/// Bytes of one tower slot: a forward link.
pub const LINK_SIZE: usize = size_of::<AtomicPtr<Node>>();

// Nodes live in an arena that frees its memory without running destructors:
// that is only sound because nothing in a node needs one (std's and loom's
// atomics have no `Drop`), and because the arena's alignment suits a node.
const _: () = assert!(!needs_drop::<AtomicPtr<Node>>() && !needs_drop::<Node>());
const _: () = assert!(align_of::<Node>() <= ALIGN);

/// The header of a node. See the module docs for what follows it in memory.
#[repr(C)]
pub(crate) struct Node {
    timestamp: Timestamp,
    key_len: u32,
    value_len: u32,
    height: u8,
    operation: Operation,
    /// Marks where the tower starts and gives the struct the alignment of a
    /// link; the slots themselves live past the end of the struct.
    tower: [AtomicPtr<Node>; 0],
}

impl Node {
    /// The bytes of a node with the given tower height and payload lengths.
    fn size(height: usize, key_len: usize, value_len: usize) -> usize {
        NODE_HEADER_SIZE + height * LINK_SIZE + key_len + value_len
    }

    /// Allocates from `arena` a node holding copies of `key` and `value`,
    /// with `height` null links.
    ///
    /// The node is private to the caller until it is linked into a list. Its
    /// memory is freed with the arena; a node that is never linked (it lost
    /// the race to a duplicate) simply stays unused until then.
    ///
    /// # Panics
    ///
    /// If `height` is not in `1..=MAX_HEIGHT`, or the key or the value is
    /// longer than `u32::MAX` bytes (the MemTable rejects those first).
    pub(crate) fn allocate(
        arena: &Arena,
        key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
        height: usize,
    ) -> *mut Node {
        assert!((1..=MAX_HEIGHT).contains(&height), "bad height {height}");
        let key_len = u32::try_from(key.len()).expect("key longer than u32::MAX");
        let value_len = u32::try_from(value.len()).expect("value longer than u32::MAX");
        let size = Self::size(height, key.len(), value.len());
        let node = arena.allocate(size).as_ptr().cast::<Node>();
        // SAFETY: `node` is a fresh arena block of `size` bytes, aligned for
        // `Node` (the arena aligns to 8, the alignment of the header and its
        // links), and nobody else has it. Every write below stays inside it:
        // the header, `height` links, then the key and the value, exactly the
        // sizes `size` was computed from.
        unsafe {
            node.write(Node {
                timestamp,
                key_len,
                value_len,
                height: height as u8,
                operation,
                tower: [],
            });
            for level in 0..height {
                Self::link_ptr(node, level).write(AtomicPtr::new(ptr::null_mut()));
            }
            ptr::copy_nonoverlapping(key.as_ptr(), Self::key_ptr(node), key.len());
            ptr::copy_nonoverlapping(value.as_ptr(), Self::value_ptr(node), value.len());
        }
        node
    }

    /// The address of link `level` of `node`, derived from the raw pointer so
    /// it keeps the provenance of the whole allocation.
    ///
    /// # Safety
    ///
    /// `node` is a live node and `level < height(node)`.
    unsafe fn link_ptr(node: *const Node, level: usize) -> *mut AtomicPtr<Node> {
        // SAFETY: the tower starts at `NODE_HEADER_SIZE` and has `height`
        // slots; the caller guarantees `level` is one of them.
        unsafe {
            node.cast::<u8>()
                .add(NODE_HEADER_SIZE + level * LINK_SIZE)
                .cast::<AtomicPtr<Node>>()
                .cast_mut()
        }
    }

    /// # Safety
    ///
    /// `node` is a live node (its header may still be being written, but its
    /// height is set).
    unsafe fn key_ptr(node: *const Node) -> *mut u8 {
        // SAFETY: the key starts right after the tower, inside the allocation.
        unsafe {
            let height = usize::from((*node).height);
            node.cast::<u8>()
                .add(NODE_HEADER_SIZE + height * LINK_SIZE)
                .cast_mut()
        }
    }

    /// # Safety
    ///
    /// As for [`Node::key_ptr`].
    unsafe fn value_ptr(node: *const Node) -> *mut u8 {
        // SAFETY: the value starts right after the key, inside the allocation.
        unsafe { Self::key_ptr(node).add((*node).key_len as usize) }
    }

    /// The forward link of `node` at `level`.
    ///
    /// # Safety
    ///
    /// `node` is live for `'a` and `level < height(node)`.
    pub(crate) unsafe fn link<'a>(node: *const Node, level: usize) -> &'a AtomicPtr<Node> {
        debug_assert!(
            level
                < usize::from(
                    // SAFETY: the caller guarantees the node is live.
                    unsafe { (*node).height }
                )
        );
        // SAFETY: the slot is initialised by `allocate` and lives as long as
        // the node; atomics may be shared between threads.
        unsafe { &*Self::link_ptr(node, level) }
    }

    /// The key bytes of `node`.
    ///
    /// # Safety
    ///
    /// `node` is live for `'a` and fully initialised (it was published, or the
    /// caller allocated it).
    pub(crate) unsafe fn key<'a>(node: *const Node) -> &'a [u8] {
        // SAFETY: `key_len` initialised bytes start at `key_ptr`, and they are
        // never written again once the node is built.
        unsafe { std::slice::from_raw_parts(Self::key_ptr(node), (*node).key_len as usize) }
    }

    /// The value bytes of `node`.
    ///
    /// # Safety
    ///
    /// As for [`Node::key`].
    pub(crate) unsafe fn value<'a>(node: *const Node) -> &'a [u8] {
        // SAFETY: `value_len` initialised, immutable bytes start at `value_ptr`.
        unsafe { std::slice::from_raw_parts(Self::value_ptr(node), (*node).value_len as usize) }
    }

    /// The timestamp of `node`.
    ///
    /// # Safety
    ///
    /// `node` is live and initialised.
    pub(crate) unsafe fn timestamp(node: *const Node) -> Timestamp {
        // SAFETY: the header is initialised and immutable.
        unsafe { (*node).timestamp }
    }

    /// The operation of `node`.
    ///
    /// # Safety
    ///
    /// `node` is live and initialised.
    pub(crate) unsafe fn operation(node: *const Node) -> Operation {
        // SAFETY: the header is initialised and immutable.
        unsafe { (*node).operation }
    }

    /// The number of links in the tower of `node`.
    ///
    /// # Safety
    ///
    /// `node` is live and initialised.
    #[cfg(test)]
    pub(crate) unsafe fn height(node: *const Node) -> usize {
        // SAFETY: the header is initialised and immutable.
        unsafe { usize::from((*node).height) }
    }
}

/// Draws a tower height: 1 with probability 3/4, 2 with 3/16, and so on (each
/// level is kept with probability 1/4), capped at [`MAX_HEIGHT`].
///
/// Each thread has its own xorshift generator, so writers never contend on a
/// shared random state (a `Mutex<Rng>` would serialise every insert). A new
/// thread seeds its generator from a global counter, scrambled by splitmix64,
/// so threads draw different sequences.
pub(crate) fn random_height() -> usize {
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU64, Ordering};

    thread_local! {
        static STATE: Cell<u64> = const { Cell::new(0) };
    }
    // Only uniqueness matters for the seed counter, so Relaxed is enough.
    static SEEDS: AtomicU64 = AtomicU64::new(0x9e37_79b9_7f4a_7c15);

    STATE.with(|state| {
        let mut x = state.get();
        if x == 0 {
            let mut z = SEEDS.fetch_add(0x9e37_79b9_7f4a_7c15, Ordering::Relaxed);
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            x = (z ^ (z >> 31)) | 1; // xorshift must not start at zero
        }
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        state.set(x);
        let bits = x.wrapping_mul(0x2545_f491_4f6c_dd1d);
        // Two random bits per level: all zero (probability 1/4) means "go up".
        let height = 1 + (bits.trailing_zeros() / 2) as usize;
        height.min(MAX_HEIGHT)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_24_bytes_and_links_follow_it() {
        if !cfg!(loom) {
            assert_eq!(NODE_HEADER_SIZE, 24);
            assert_eq!(LINK_SIZE, size_of::<usize>());
        }
        assert_eq!(std::mem::offset_of!(Node, tower), NODE_HEADER_SIZE);
    }

    #[test]
    fn allocate_round_trips_fields_and_starts_with_null_links() {
        let arena = Arena::new(4096);
        let node = Node::allocate(&arena, b"key", 42, Operation::Delete, b"value!", 3);
        // SAFETY: the node is live and ours until `arena` drops.
        unsafe {
            assert_eq!(Node::key(node), b"key");
            assert_eq!(Node::value(node), b"value!");
            assert_eq!(Node::timestamp(node), 42);
            assert_eq!(Node::operation(node), Operation::Delete);
            assert_eq!(Node::height(node), 3);
            for level in 0..3 {
                let link = Node::link(node, level);
                assert!(link.load(super::super::sync::Ordering::Relaxed).is_null());
            }
        }
    }

    #[test]
    fn empty_key_and_value_are_allowed() {
        let arena = Arena::new(4096);
        let node = Node::allocate(&arena, b"", 0, Operation::Put, b"", MAX_HEIGHT);
        // SAFETY: the node is live and ours until `arena` drops.
        unsafe {
            assert!(Node::key(node).is_empty());
            assert!(Node::value(node).is_empty());
        }
    }

    #[test]
    fn heights_stay_in_range_and_mostly_one() {
        let draws = if cfg!(miri) { 200 } else { 10_000 };
        let heights: Vec<usize> = (0..draws).map(|_| random_height()).collect();
        assert!(heights.iter().all(|h| (1..=MAX_HEIGHT).contains(h)));
        let ones = heights.iter().filter(|&&h| h == 1).count();
        // Expected 3/4; a generator stuck at one value would give 0 or all.
        assert!(ones > draws / 2 && ones < draws, "{ones} of {draws}");
    }
}
