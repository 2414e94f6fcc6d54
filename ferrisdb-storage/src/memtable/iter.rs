//! An owning, two-way cursor over a MemTable.
//!
//! The engine merges the cursors of several MemTables and tables into one
//! ordered view, and keeps that view across calls (a user's range iterator).
//! A cursor that borrows the MemTable cannot be stored next to it, so this one
//! owns an `Arc<MemTable>` instead: the table, and every node the cursor points
//! at, lives at least as long as the cursor.
//!
//! Moving costs no lock and no epoch pin: MemTable nodes are freed only when
//! the table drops (see the Thread safety section of
//! [`skip_list`](super::skip_list)), and the `Arc` prevents that.

use std::fmt;
use std::sync::Arc;

use ferrisdb_core::{InternalKey, Operation, Timestamp};

use super::skip_list::{Cursor, EntryRef, ListRef, SkipList};
use super::MemTable;

/// The handle a [`MemTableIter`] reads through.
struct TableRef(Arc<MemTable>);

// SAFETY: the Arc keeps the MemTable, and so its `list` field, alive at a
// fixed address for as long as this handle lives, and `list` always returns
// that same field.
unsafe impl ListRef for TableRef {
    fn list(&self) -> &SkipList {
        &self.0.list
    }
}

/// A cursor over every entry of a MemTable, in [`InternalKey`] order, that
/// owns the table. Made by [`MemTable::iter`].
///
/// It starts unpositioned; position it with a `seek` method. The accessors
/// panic when the cursor is not [`valid`](Self::valid). Entries inserted while
/// the cursor exists may or may not be seen; entries present when it was
/// positioned always are.
pub struct MemTableIter {
    cursor: Cursor<TableRef>,
}

impl MemTableIter {
    pub(super) fn new(table: Arc<MemTable>) -> Self {
        MemTableIter {
            cursor: Cursor::new(TableRef(table)),
        }
    }

    /// Whether the cursor is at an entry.
    pub fn valid(&self) -> bool {
        self.cursor.valid()
    }

    /// Moves to the first entry at or after `(user_key, timestamp)`: for that
    /// user key, the newest version at or below `timestamp`.
    pub fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) {
        self.cursor.seek(user_key, timestamp);
    }

    /// Moves to the first entry at or after `target`.
    pub fn seek_internal(&mut self, target: &InternalKey) {
        self.cursor.seek(&target.user_key, target.timestamp);
    }

    /// Moves to the first entry.
    pub fn seek_to_first(&mut self) {
        self.cursor.seek_to_first();
    }

    /// Moves to the last entry.
    pub fn seek_to_last(&mut self) {
        self.cursor.seek_to_last();
    }

    /// Moves to the next entry. Panics if not valid.
    pub fn next(&mut self) {
        self.cursor.next();
    }

    /// Moves to the previous entry. Panics if not valid.
    pub fn prev(&mut self) {
        self.cursor.prev();
    }

    /// The user key at the cursor. Panics if not valid.
    pub fn user_key(&self) -> &[u8] {
        self.cursor.user_key()
    }

    /// The timestamp at the cursor. Panics if not valid.
    pub fn timestamp(&self) -> Timestamp {
        self.cursor.timestamp()
    }

    /// The operation at the cursor. Panics if not valid.
    pub fn operation(&self) -> Operation {
        self.cursor.operation()
    }

    /// The value at the cursor (empty for a tombstone). Panics if not valid.
    pub fn value(&self) -> &[u8] {
        self.cursor.value()
    }

    /// The whole entry at the cursor, or `None` if not valid.
    pub fn entry(&self) -> Option<EntryRef<'_>> {
        self.cursor.get()
    }

    /// The table the cursor reads.
    pub fn table(&self) -> &Arc<MemTable> {
        &self.cursor.list_ref().0
    }
}

impl fmt::Debug for MemTableIter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemTableIter")
            .field("at", &self.entry())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;

    fn table_with(entries: &[(&str, Timestamp)]) -> Arc<MemTable> {
        let table = Arc::new(MemTable::new(1 << 20));
        for &(key, ts) in entries {
            table
                .put(key.into(), format!("{key}@{ts}").into(), ts)
                .unwrap();
        }
        table
    }

    fn position(iter: &MemTableIter) -> Option<(String, Timestamp)> {
        iter.valid().then(|| {
            (
                String::from_utf8(iter.user_key().to_vec()).unwrap(),
                iter.timestamp(),
            )
        })
    }

    #[test]
    fn walks_both_ways_in_internal_key_order() {
        let table = table_with(&[("b", 1), ("a", 1), ("b", 9), ("c", 5)]);
        let mut iter = table.iter();
        assert!(!iter.valid());
        iter.seek_to_first();
        let mut forward = Vec::new();
        while iter.valid() {
            assert_eq!(iter.operation(), Operation::Put);
            let expected = format!("{}@{}", position(&iter).unwrap().0, iter.timestamp());
            assert_eq!(iter.value(), expected.as_bytes());
            forward.push(position(&iter).unwrap());
            iter.next();
        }
        let want: Vec<(String, Timestamp)> = [("a", 1), ("b", 9), ("b", 1), ("c", 5)]
            .iter()
            .map(|&(k, t)| (k.to_string(), t))
            .collect();
        assert_eq!(forward, want);

        iter.seek_to_last();
        let mut backward = Vec::new();
        while let Some(pos) = position(&iter) {
            backward.push(pos);
            iter.prev();
        }
        backward.reverse();
        assert_eq!(backward, want);
    }

    #[test]
    fn seek_finds_newest_visible_version_then_moves_on() {
        let table = table_with(&[("a", 1), ("b", 3), ("b", 6), ("d", 2)]);
        let mut iter = table.iter();
        iter.seek(b"b", 5);
        assert_eq!(position(&iter), Some(("b".into(), 3)));
        iter.prev();
        assert_eq!(position(&iter), Some(("b".into(), 6)));
        iter.seek_internal(&InternalKey::new("c", 100));
        assert_eq!(position(&iter), Some(("d".into(), 2)));
        iter.next();
        assert!(!iter.valid());
        iter.seek(b"e", 0);
        assert!(!iter.valid());
        iter.seek(b"", u64::MAX);
        assert_eq!(position(&iter), Some(("a".into(), 1)));
        iter.prev();
        assert!(!iter.valid());
    }

    #[test]
    fn cursor_outlives_every_other_handle_to_the_table() {
        let mut iter = table_with(&[("k", 4)]).iter();
        // The only Arc left is the cursor's own.
        assert_eq!(Arc::strong_count(iter.table()), 1);
        iter.seek_to_last();
        assert_eq!(iter.value(), b"k@4");
    }

    #[test]
    fn empty_table_cursor_is_never_valid() {
        let table = Arc::new(MemTable::new(1024));
        let mut iter = table.iter();
        iter.seek_to_first();
        assert!(!iter.valid());
        iter.seek_to_last();
        assert!(!iter.valid());
        assert!(iter.entry().is_none());
    }

    #[test]
    fn cursor_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MemTableIter>();
        assert_send_sync::<MemTable>();
    }
}
