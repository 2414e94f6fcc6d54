//! Reading the skip list: entries, forward iterators and two-way cursors.
//!
//! A [`Cursor`] is a position in the list. It moves forward by following the
//! level-0 link, and backward by *searching* for the last entry before the
//! current one: the list has no back links, because keeping a second link
//! consistent without locks would double the CAS work of every insert, while a
//! backward step that costs one O(log n) search is cheap enough for the rare
//! reverse scans. (LevelDB and RocksDB make the same trade.)
//!
//! A cursor must not outlive the list it points into. It holds the list
//! through a [`ListRef`]: a plain `&SkipList` ties it to a borrow, while an
//! owner such as the MemTable's `Arc` handle lets it live on its own.
//!
//! Because entries are never removed (see the Thread safety section of the
//! [parent module](super)), a cursor stays valid while writers insert: it sees
//! every entry that was present when it was positioned, in order, and may or
//! may not see entries inserted since.
//!
//! The searches that position a cursor (the first node at or after a key, the
//! last node before one, the last node, the next one) are methods of
//! [`SkipList`] at the end of this file.

use std::fmt;
use std::ptr;
use std::sync::Arc;

use ferrisdb_core::{escape_bytes, InternalKey, Operation, Timestamp};

use super::node::Node;
use super::sync::Ordering;
use super::SkipList;

/// Something that keeps a [`SkipList`] alive and always leads to the same one.
///
/// # Safety
///
/// Every call to [`list`](ListRef::list) on one value must return the same
/// list, and that list must stay alive (not dropped, not moved) as long as
/// the value does. A [`Cursor`] keeps raw pointers to the list's nodes, which
/// are valid exactly that long.
pub unsafe trait ListRef {
    /// The list.
    fn list(&self) -> &SkipList;
}

// SAFETY: a shared borrow always points at the same list, which cannot be
// dropped or moved while borrowed.
unsafe impl ListRef for &SkipList {
    fn list(&self) -> &SkipList {
        self
    }
}

// SAFETY: the `Arc` keeps its list alive, at a fixed address, and always
// derefs to the same one.
unsafe impl ListRef for Arc<SkipList> {
    fn list(&self) -> &SkipList {
        self
    }
}

/// One entry, borrowed from the list.
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct EntryRef<'a> {
    /// The user key.
    pub user_key: &'a [u8],
    /// The version's timestamp.
    pub timestamp: Timestamp,
    /// A value or a tombstone.
    pub operation: Operation,
    /// The value; empty for a tombstone written without one.
    pub value: &'a [u8],
}

impl<'a> EntryRef<'a> {
    /// Reads the entry stored in `node`, or `None` for a null pointer.
    ///
    /// # Safety
    ///
    /// A non-null `node` is a published node that stays alive for `'a`.
    pub(crate) unsafe fn from_node(node: *const Node) -> Option<Self> {
        if node.is_null() {
            return None;
        }
        // SAFETY: the caller guarantees the node is published (so fully built,
        // invariant 1) and live for 'a; its payload never changes (inv. 2).
        unsafe {
            Some(EntryRef {
                user_key: Node::key(node),
                timestamp: Node::timestamp(node),
                operation: Node::operation(node),
                value: Node::value(node),
            })
        }
    }

    /// The entry's key as an owned [`InternalKey`].
    pub fn internal_key(&self) -> InternalKey {
        InternalKey::new(self.user_key, self.timestamp)
    }
}

impl fmt::Debug for EntryRef<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}@{} {} {}",
            escape_bytes(self.user_key),
            self.timestamp,
            self.operation,
            escape_bytes(self.value)
        )
    }
}

/// A forward iterator over entries, in [`InternalKey`] order.
///
/// Made by [`SkipList::entries`] and [`SkipList::entries_from`].
pub struct Entries<'a> {
    list: &'a SkipList,
    next: *const Node,
}

impl<'a> Entries<'a> {
    pub(crate) fn new(list: &'a SkipList, first: *const Node) -> Self {
        Entries { list, next: first }
    }
}

impl<'a> Iterator for Entries<'a> {
    type Item = EntryRef<'a>;

    fn next(&mut self) -> Option<EntryRef<'a>> {
        // SAFETY: `next` is null or a published node of `list`, which is
        // borrowed for 'a and frees nothing before it drops (invariant 3).
        let entry = unsafe { EntryRef::from_node(self.next)? };
        self.next = self.list.next_of(self.next);
        Some(entry)
    }
}

// SAFETY: `Entries` is a `&SkipList` plus a pointer to one of its nodes; both
// may be sent to and shared with other threads, as `SkipList` is Sync.
unsafe impl Send for Entries<'_> {}
// SAFETY: as for Send: shared access only reads immutable node payloads.
unsafe impl Sync for Entries<'_> {}

impl fmt::Debug for Entries<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // SAFETY: see `Iterator::next`.
        let next = unsafe { EntryRef::from_node(self.next) };
        f.debug_struct("Entries").field("next", &next).finish()
    }
}

/// A position in a [`SkipList`] that moves both ways.
///
/// A new cursor is not positioned: call one of the `seek` methods first. The
/// accessors panic when the cursor is not [`valid`](Cursor::valid).
pub struct Cursor<L: ListRef> {
    list: L,
    /// Null when not positioned; otherwise a published node of `list`.
    node: *const Node,
}

// SAFETY: the cursor is its list handle plus a pointer into that list; the
// node it points to is immutable and thread-safe, so the cursor can move to
// another thread whenever the handle can.
unsafe impl<L: ListRef + Send> Send for Cursor<L> {}
// SAFETY: `&Cursor` only reads the immutable node and the handle.
unsafe impl<L: ListRef + Sync> Sync for Cursor<L> {}

impl<L: ListRef> Cursor<L> {
    /// A cursor over `list`, not yet positioned.
    pub fn new(list: L) -> Self {
        Cursor {
            list,
            node: ptr::null(),
        }
    }

    /// Whether the cursor is at an entry.
    pub fn valid(&self) -> bool {
        !self.node.is_null()
    }

    /// Moves to the first entry at or after `(user_key, timestamp)` in
    /// [`InternalKey`] order: for the same user key, that is the newest
    /// version at or below `timestamp`.
    pub fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) {
        self.node = self.list.list().find_greater_or_equal(user_key, timestamp);
    }

    /// Moves to the first entry.
    pub fn seek_to_first(&mut self) {
        self.node = self.list.list().entries().next;
    }

    /// Moves to the last entry (at the time of the call).
    pub fn seek_to_last(&mut self) {
        self.node = self.list.list().find_last();
    }

    /// Moves to the next entry; past the last one the cursor becomes invalid.
    ///
    /// # Panics
    ///
    /// If the cursor is not valid.
    pub fn next(&mut self) {
        assert!(self.valid(), "next() on an invalid cursor");
        self.node = self.list.list().next_of(self.node);
    }

    /// Moves to the previous entry; before the first one the cursor becomes
    /// invalid. Costs one search from the top of the list.
    ///
    /// # Panics
    ///
    /// If the cursor is not valid.
    pub fn prev(&mut self) {
        let entry = self.entry();
        self.node = self
            .list
            .list()
            .find_less_than(entry.user_key, entry.timestamp);
    }

    /// The entry at the cursor, or `None` if it is not valid.
    pub fn get(&self) -> Option<EntryRef<'_>> {
        // SAFETY: `node` is null or a published node of the list that
        // `self.list` keeps alive at least as long as `&self` (ListRef's
        // contract and invariant 3).
        unsafe { EntryRef::from_node(self.node) }
    }

    fn entry(&self) -> EntryRef<'_> {
        self.get().expect("cursor is not positioned at an entry")
    }

    /// The user key at the cursor. Panics if not valid.
    pub fn user_key(&self) -> &[u8] {
        self.entry().user_key
    }

    /// The timestamp at the cursor. Panics if not valid.
    pub fn timestamp(&self) -> Timestamp {
        self.entry().timestamp
    }

    /// The operation at the cursor. Panics if not valid.
    pub fn operation(&self) -> Operation {
        self.entry().operation
    }

    /// The value at the cursor. Panics if not valid.
    pub fn value(&self) -> &[u8] {
        self.entry().value
    }

    /// The handle the cursor reads through.
    pub fn list_ref(&self) -> &L {
        &self.list
    }
}

impl<L: ListRef> fmt::Debug for Cursor<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Cursor").field("at", &self.get()).finish()
    }
}

// The searches that position cursors (and `SkipList::get`).
impl SkipList {
    /// The first node at or after `(key, timestamp)`, or null.
    pub(crate) fn find_greater_or_equal(&self, key: &[u8], timestamp: Timestamp) -> *mut Node {
        let mut from = self.head;
        let mut next = ptr::null_mut();
        // Relaxed: a hint (see `insert_with_height`).
        for level in (0..self.height.load(Ordering::Relaxed)).rev() {
            (from, next) = self.find_splice(from, next, level, key, timestamp);
        }
        next
    }

    /// The last node before `(key, timestamp)`, or null if there is none.
    pub(crate) fn find_less_than(&self, key: &[u8], timestamp: Timestamp) -> *mut Node {
        let mut from = self.head;
        // Relaxed: a hint (see `insert_with_height`).
        for level in (0..self.height.load(Ordering::Relaxed)).rev() {
            from = self
                .find_splice(from, ptr::null_mut(), level, key, timestamp)
                .0;
        }
        self.not_head(from)
    }

    /// The last node of the list, or null if it is empty.
    pub(crate) fn find_last(&self) -> *mut Node {
        let mut node = self.head;
        // Relaxed: a hint (see `insert_with_height`).
        for level in (0..self.height.load(Ordering::Relaxed)).rev() {
            loop {
                // SAFETY: as in `find_splice`: `node` was reached at `level`.
                let next = unsafe { Node::link(node, level) }.load(Ordering::Acquire);
                if next.is_null() {
                    break;
                }
                node = next;
            }
        }
        self.not_head(node)
    }

    /// The node after `node` at level 0, or null.
    ///
    /// `node` must be a published node of this list.
    pub(crate) fn next_of(&self, node: *const Node) -> *mut Node {
        // SAFETY: every published node is live (inv. 3) and has level 0.
        // Acquire pairs with the publishing CAS (invariant 1).
        unsafe { Node::link(node, 0) }.load(Ordering::Acquire)
    }

    fn not_head(&self, node: *mut Node) -> *mut Node {
        if node == self.head {
            ptr::null_mut()
        } else {
            node
        }
    }
}
