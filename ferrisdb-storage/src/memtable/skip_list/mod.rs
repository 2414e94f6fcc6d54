//! A lock-free, insert-only skip list ordered by [`InternalKey`].
//!
//! # Thread safety
//!
//! Any number of threads may insert and read at the same time through a shared
//! `&SkipList`. Nobody takes a lock: a writer links its node into each level
//! with one compare-and-swap (CAS), and a reader just follows links.
//!
//! The list never removes an entry. That one decision makes the concurrency
//! story short: there is no ABA problem (a pointer, once in a link, always
//! means the same node), no reader can ever land on a freed node, and memory
//! reclamation reduces to "free everything when the list drops", which is
//! what an arena (`arena.rs`) does: nodes are carved from large chunks, freed
//! together. We therefore
//! do **not** use crossbeam-epoch: epoch-based reclamation exists to free nodes
//! that were unlinked while readers might still hold them, and we unlink
//! nothing. Pinning an epoch on every read would cost an atomic write per get
//! and make owning cursors (which the engine keeps across calls) hold a pin for
//! as long as they live, blocking reclamation everywhere else. Plain
//! [`AtomicPtr`](std::sync::atomic::AtomicPtr)s carry no tag bits and need no guard, which is all we need.
//! (Under `--cfg loom` the atomics are loom's, so the model checker sees them.)
//!
//! The list stays correct because of these invariants:
//!
//! 1. **Built, then published.** A node's header, key, value and null links
//!    are written before the node is linked anywhere. It becomes reachable only
//!    through a CAS with `Release` ordering on a predecessor's link, and every
//!    reader loads links with `Acquire`; so whoever reaches a node sees it fully
//!    built.
//! 2. **Immutable payload.** After a node is published, its header, key and
//!    value are never written again; only its links change, and only
//!    atomically. Readers can hand out `&[u8]` into a node without copying.
//! 3. **Never freed while shared.** Nodes live in the list's arena, which
//!    frees them only when the list drops, with `&mut self`: no thread, cursor
//!    or entry can still reach the list (cursors borrow it, or own an `Arc` of
//!    what contains it). A node that loses the race to be inserted is never
//!    published and just stays unused in the arena.
//! 4. **Every level is sorted.** If node `a` links to node `b` at any level,
//!    `a < b` strictly in [`InternalKey`] order; the head precedes everything.
//!    A CAS only succeeds if the predecessor still links to the successor the
//!    writer checked against, so the order holds after every step.
//! 5. **Bottom level first.** A node is linked at level `l` only after it is
//!    linked at every level below. So level 0 holds every published node, and
//!    upper levels are shortcuts that may lag behind but never point to a node
//!    level 0 lacks.
//! 6. **No duplicates.** At most one node has a given (key, timestamp). The
//!    writer compares with its level-0 successor before the level-0 CAS, and
//!    the CAS fails if another node was linked in between; on failure it looks
//!    again.
//! 7. **Towers in bounds.** A node's tower has `height` links and is indexed
//!    only below `height`. A node reached while walking level `l` has a tower
//!    taller than `l`, because only such nodes are linked at level `l`.
//!
//! # How an insert works
//!
//! 1. Walk down from the head, recording at every level the last node before
//!    the new key (`prev[l]`) and the first node at or after it (`next[l]`).
//! 2. If `next[0]` has the same key and timestamp, report a duplicate.
//! 3. Build the node, then for each level from 0 up: point the node's link at
//!    `next[l]` and CAS `prev[l]`'s link from `next[l]` to the node. If the CAS
//!    fails, someone inserted between them: walk forward from `prev[l]` (still
//!    before our key, since nothing is removed) to find the new splice, and
//!    retry.
//!
//! Reads and cursors are in [`cursor`]; a cursor created at some moment sees
//! every entry present at that moment (nothing is ever unlinked) and possibly
//! some inserted later, always in order.

mod arena;
mod chunk_memory;
pub mod cursor;
mod node;
pub(crate) mod sync;

#[cfg(all(test, loom))]
mod loom_tests;
#[cfg(all(test, not(loom)))]
mod tests;

use std::cmp::Ordering as CmpOrdering;
use std::fmt;
use std::ptr;

use ferrisdb_core::{InternalKey, Operation, Timestamp};

pub use cursor::{Cursor, Entries, EntryRef, ListRef};
pub use node::{LINK_SIZE, MAX_HEIGHT, NODE_HEADER_SIZE};

use arena::Arena;
pub use arena::DEFAULT_CHUNK_SIZE;
use node::Node;
use sync::{AtomicUsize, Ordering};

/// A concurrent, sorted, insert-only map from (user key, timestamp) to
/// (operation, value). See the [module docs](self) for how it stays correct.
pub struct SkipList {
    /// A sentinel node with a full-height tower and an empty key; never
    /// compared with anything. In `arena`, like every node (invariant 3).
    head: *mut Node,
    /// Where every node lives; dropping it frees them all.
    arena: Arena,
    /// The tallest tower linked so far (at least 1). Searches start there.
    height: AtomicUsize,
    /// The number of entries linked.
    len: AtomicUsize,
}

// SAFETY: the only non-thread-safe field is the `head` pointer. The list owns
// the head and every node, through its arena (invariant 3); nodes are shared between threads only
// through atomics with Release/Acquire publication (invariant 1), and their
// payloads are immutable after publication (invariant 2). So the list may be
// moved to (Send) and used from (Sync) any thread, like a `Vec<AtomicPtr<_>>`.
unsafe impl Send for SkipList {}
// SAFETY: see the `Send` impl: shared access only reads immutable payloads and
// goes through atomic links.
unsafe impl Sync for SkipList {}

impl SkipList {
    /// An empty list, allocating its nodes in chunks of
    /// [`DEFAULT_CHUNK_SIZE`] (1 MiB).
    pub fn new() -> Self {
        Self::with_chunk_size(DEFAULT_CHUNK_SIZE)
    }

    /// An empty list that allocates its nodes in `chunk_size`-byte chunks: a
    /// small list (a small MemTable) need not reserve a whole default chunk.
    pub fn with_chunk_size(chunk_size: usize) -> Self {
        let arena = Arena::new(chunk_size);
        SkipList {
            head: Node::allocate(&arena, &[], 0, Operation::Put, &[], MAX_HEIGHT),
            arena,
            height: AtomicUsize::new(1),
            len: AtomicUsize::new(0),
        }
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        // A statistic: Relaxed may lag behind concurrent inserts, never
        // exceeds the entries actually linked.
        self.len.load(Ordering::Relaxed)
    }

    /// Whether the list has no entries.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Inserts one version of `key`.
    ///
    /// Returns `false`, and changes nothing, if an entry with the same key and
    /// timestamp is already present: versions are immutable, so a second write
    /// with the same timestamp is a caller bug the caller must hear about.
    ///
    /// # Panics
    ///
    /// If the key or the value is longer than `u32::MAX` bytes.
    pub fn insert(
        &self,
        key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
    ) -> bool {
        self.insert_with_height(key, timestamp, operation, value, node::random_height())
    }

    /// [`insert`](Self::insert) with a chosen tower height, so tests (and the
    /// loom model, which must be deterministic) can build exact shapes.
    pub(crate) fn insert_with_height(
        &self,
        key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
        height: usize,
    ) -> bool {
        let mut prev = [self.head; MAX_HEIGHT];
        let mut next = [ptr::null_mut::<Node>(); MAX_HEIGHT];

        // Step 1: find the splice at every level the new node will use, and at
        // every level the list already has (to descend quickly).
        // Relaxed: the height is only a hint where to start. If a taller node
        // is being linked concurrently, starting lower only costs steps.
        let top = self.height.load(Ordering::Relaxed).max(height);
        let mut from = self.head;
        let mut bound = ptr::null_mut();
        for level in (0..top).rev() {
            let (p, n) = self.find_splice(from, bound, level, key, timestamp);
            prev[level] = p;
            next[level] = n;
            from = p;
            bound = n;
        }

        // Step 2: report a duplicate before allocating anything.
        if self.is_same_entry(next[0], key, timestamp) {
            return false;
        }

        // Step 3: build, then link bottom-up.
        let node = Node::allocate(&self.arena, key, timestamp, operation, value, height);
        // Relaxed: see the load above; a reader that sees the new height
        // before the head links at that level simply finds null and descends.
        self.height.fetch_max(height, Ordering::Relaxed);

        for level in 0..height {
            loop {
                // SAFETY: `node` is ours and live, `level < height` (inv. 7).
                let link = unsafe { Node::link(node, level) };
                // Relaxed: at level 0 nobody can see the node yet, and at
                // higher levels nobody walks this link until the CAS below
                // publishes it; that CAS is Release, which orders this store
                // before it (invariant 1).
                link.store(next[level], Ordering::Relaxed);
                // SAFETY: `prev[level]` is the head or a node reached at this
                // level, so it is live (inv. 3) and taller than `level` (inv. 7).
                let prev_link = unsafe { Node::link(prev[level], level) };
                // Release on success publishes the fully built node (inv. 1).
                // Acquire on failure, because we will read the node that beat
                // us to it.
                match prev_link.compare_exchange(
                    next[level],
                    node,
                    Ordering::Release,
                    Ordering::Acquire,
                ) {
                    Ok(_) => break,
                    Err(_) => {
                        // Nothing is removed, so `prev[level]` is still before
                        // our key: search forward from it (invariant 4).
                        let (p, n) =
                            self.find_splice(prev[level], ptr::null_mut(), level, key, timestamp);
                        if level == 0 && self.is_same_entry(n, key, timestamp) {
                            // The node was never linked (we are at level 0 and
                            // every CAS failed): it stays unused in the arena.
                            return false;
                        }
                        prev[level] = p;
                        next[level] = n;
                    }
                }
            }
        }
        // Relaxed: a statistic, published by nothing.
        self.len.fetch_add(1, Ordering::Relaxed);
        true
    }

    /// The newest version of `key` with a timestamp at most `timestamp`.
    pub fn get(&self, key: &[u8], timestamp: Timestamp) -> Option<EntryRef<'_>> {
        let node = self.find_greater_or_equal(key, timestamp);
        // SAFETY: a non-null result is a published node of this list, live as
        // long as `&self` (invariant 3).
        let entry = unsafe { EntryRef::from_node(node)? };
        (entry.user_key == key).then_some(entry)
    }

    /// A cursor over the list, not yet positioned.
    pub fn cursor(&self) -> Cursor<&Self> {
        Cursor::new(self)
    }

    /// Every entry from the first at or after `(key, timestamp)` onwards, in
    /// order.
    pub fn entries_from(&self, key: &[u8], timestamp: Timestamp) -> Entries<'_> {
        Entries::new(self, self.find_greater_or_equal(key, timestamp))
    }

    /// Every entry, in [`InternalKey`] order.
    pub fn entries(&self) -> Entries<'_> {
        // SAFETY: the head is live and has a level 0 (invariants 3 and 7).
        let first = unsafe { Node::link(self.head, 0) }.load(Ordering::Acquire);
        Entries::new(self, first)
    }

    /// Compares a published node with the search target.
    fn compare(node: *const Node, key: &[u8], timestamp: Timestamp) -> CmpOrdering {
        // SAFETY: callers pass published nodes of a live list (inv. 1 and 3).
        let (node_key, node_ts) = unsafe { (Node::key(node), Node::timestamp(node)) };
        InternalKey::compare_parts(node_key, node_ts, key, timestamp)
    }

    fn is_same_entry(&self, node: *const Node, key: &[u8], timestamp: Timestamp) -> bool {
        !node.is_null() && Self::compare(node, key, timestamp) == CmpOrdering::Equal
    }

    /// Walks level `level` from `from` (the head or a node before the target)
    /// and returns the last node before `(key, timestamp)` and the one after it
    /// (null at the end).
    ///
    /// `bound` is a node already known to be at or after the target (the
    /// splice's right side one level up, or null): reaching it ends the walk
    /// without comparing keys again, as LevelDB and RocksDB do. Descending,
    /// the walk often meets that same node first, so this saves about one key
    /// comparison per level.
    fn find_splice(
        &self,
        from: *mut Node,
        bound: *mut Node,
        level: usize,
        key: &[u8],
        timestamp: Timestamp,
    ) -> (*mut Node, *mut Node) {
        let mut prev = from;
        loop {
            // SAFETY: `prev` is the head or a node reached at `level`: live
            // (inv. 3) and taller than `level` (inv. 7). Acquire pairs with the
            // Release CAS that published the next node (invariant 1).
            let next = unsafe { Node::link(prev, level) }.load(Ordering::Acquire);
            if next.is_null()
                || next == bound
                || Self::compare(next, key, timestamp) != CmpOrdering::Less
            {
                return (prev, next);
            }
            prev = next;
        }
    }

    /// Checks invariants 4, 5 and 7 by walking every level (tests only).
    #[cfg(test)]
    pub(crate) fn check_structure(&self) {
        let mut level_zero = std::collections::BTreeSet::new();
        for level in 0..MAX_HEIGHT {
            let mut prev: *mut Node = ptr::null_mut();
            // SAFETY: the head is live and full-height.
            let mut node = unsafe { Node::link(self.head, level) }.load(Ordering::Acquire);
            while !node.is_null() {
                // SAFETY: published nodes are live; we only read them.
                unsafe {
                    assert!(Node::height(node) > level, "short tower at level {level}");
                    let id = (Node::key(node).to_vec(), Node::timestamp(node));
                    if !prev.is_null() {
                        assert_eq!(
                            Self::compare(prev, &id.0, id.1),
                            CmpOrdering::Less,
                            "level {level} out of order"
                        );
                    }
                    if level == 0 {
                        level_zero.insert(id);
                    } else {
                        assert!(level_zero.contains(&id), "level {level} skips level 0");
                    }
                    prev = node;
                    node = Node::link(node, level).load(Ordering::Acquire);
                }
            }
        }
        assert_eq!(level_zero.len(), self.len());
    }
}

impl Default for SkipList {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for SkipList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SkipList")
            .field("len", &self.len())
            .field("height", &self.height.load(Ordering::Relaxed))
            .finish()
    }
}
