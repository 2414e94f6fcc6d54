//! [`MemTableCursor`]: a MemTable as a [`Cursor`], owning the table.
//!
//! The engine merges the cursors of several MemTables and tables into one
//! ordered view, and keeps that view across calls (a user's range iterator).
//! A cursor that borrows the MemTable cannot be stored next to it, so this one
//! owns an `Arc<MemTable>` instead: the table, and every node the cursor points
//! at, lives at least as long as the cursor. It is the skip list's own cursor
//! over that handle, with the moves of the [`Cursor`] contract.
//!
//! Moving costs no lock and no epoch pin: MemTable nodes are freed only when
//! the table drops (see the Thread safety section of
//! [`skip_list`](super::skip_list)), and the `Arc` prevents that.

use std::fmt;
use std::sync::Arc;

use ferrisdb_core::{Operation, Result, Slice, Timestamp};

use super::skip_list::{self, EntryRef, ListRef, SkipList};
use super::MemTable;
use crate::iterator::Cursor;

/// The handle a [`MemTableCursor`] reads through.
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
/// It starts unpositioned; position it with a seek. Its moves never fail.
/// Entries inserted while the cursor exists may or may not be seen; entries
/// present when it was positioned always are.
///
/// [`InternalKey`]: crate::InternalKey
pub struct MemTableCursor {
    cursor: skip_list::Cursor<TableRef>,
}

impl MemTableCursor {
    /// A cursor over `table`, not yet positioned.
    pub fn new(table: &Arc<MemTable>) -> Self {
        MemTableCursor {
            cursor: skip_list::Cursor::new(TableRef(Arc::clone(table))),
        }
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

impl Cursor for MemTableCursor {
    fn valid(&self) -> bool {
        self.cursor.valid()
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.cursor.seek_to_first();
        Ok(())
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.cursor.seek_to_last();
        Ok(())
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.cursor.seek(user_key, timestamp);
        Ok(())
    }
    fn next(&mut self) -> Result<()> {
        self.cursor.next();
        Ok(())
    }
    fn prev(&mut self) -> Result<()> {
        self.cursor.prev();
        Ok(())
    }
    fn user_key(&self) -> &[u8] {
        self.cursor.user_key()
    }
    fn timestamp(&self) -> Timestamp {
        self.cursor.timestamp()
    }
    fn operation(&self) -> Operation {
        self.cursor.operation()
    }
    fn value(&self) -> &[u8] {
        self.cursor.value()
    }
    /// A copy: the value lives in the MemTable's arena, which is not a
    /// shared buffer a `Slice` can point into.
    fn value_slice(&self) -> Slice {
        Slice::copy_from_slice(self.cursor.value())
    }
}

impl fmt::Debug for MemTableCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemTableCursor")
            .field("at", &self.entry())
            .finish()
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use crate::iterator::model::{random_run, walk_against_model};
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    fn table_with(entries: &[(&str, Timestamp)]) -> Arc<MemTable> {
        let table = Arc::new(MemTable::new(1 << 20));
        for &(key, ts) in entries {
            table
                .put(key.into(), format!("{key}@{ts}").into(), ts)
                .unwrap();
        }
        table
    }

    fn position(cursor: &MemTableCursor) -> Option<(String, Timestamp)> {
        cursor.valid().then(|| {
            (
                String::from_utf8(cursor.user_key().to_vec()).unwrap(),
                cursor.timestamp(),
            )
        })
    }

    #[test]
    fn walks_both_ways_in_internal_key_order() {
        let table = table_with(&[("b", 1), ("a", 1), ("b", 9), ("c", 5)]);
        let mut cursor = table.iter();
        assert!(!cursor.valid());
        cursor.seek_to_first().unwrap();
        let mut forward = Vec::new();
        while cursor.valid() {
            assert_eq!(cursor.operation(), Operation::Put);
            let expected = format!("{}@{}", position(&cursor).unwrap().0, cursor.timestamp());
            assert_eq!(cursor.value(), expected.as_bytes());
            forward.push(position(&cursor).unwrap());
            cursor.next().unwrap();
        }
        let want: Vec<(String, Timestamp)> = [("a", 1), ("b", 9), ("b", 1), ("c", 5)]
            .iter()
            .map(|&(k, t)| (k.to_string(), t))
            .collect();
        assert_eq!(forward, want);

        cursor.seek_to_last().unwrap();
        let mut backward = Vec::new();
        while let Some(pos) = position(&cursor) {
            backward.push(pos);
            cursor.prev().unwrap();
        }
        backward.reverse();
        assert_eq!(backward, want);
    }

    #[test]
    fn seek_finds_newest_visible_version_then_moves_on() {
        let table = table_with(&[("a", 1), ("b", 3), ("b", 6), ("d", 2)]);
        let mut cursor = table.iter();
        cursor.seek(b"b", 5).unwrap();
        assert_eq!(position(&cursor), Some(("b".into(), 3)));
        cursor.prev().unwrap();
        assert_eq!(position(&cursor), Some(("b".into(), 6)));
        cursor.seek(b"c", 100).unwrap();
        assert_eq!(position(&cursor), Some(("d".into(), 2)));
        cursor.next().unwrap();
        assert!(!cursor.valid());
        cursor.seek(b"e", 0).unwrap();
        assert!(!cursor.valid());
        cursor.seek(b"", u64::MAX).unwrap();
        assert_eq!(position(&cursor), Some(("a".into(), 1)));
        cursor.prev().unwrap();
        assert!(!cursor.valid());
        cursor.seek_for_prev(b"c", 100).unwrap();
        assert_eq!(position(&cursor), Some(("b".into(), 3)));
        cursor.seek_for_prev(b"b", 6).unwrap();
        assert_eq!(position(&cursor), Some(("b".into(), 6)));
    }

    #[test]
    fn moves_like_the_model_of_its_entries() {
        let mut rng = StdRng::seed_from_u64(5);
        for _ in 0..100 {
            let entries = random_run(&mut rng, 0..60);
            let table = Arc::new(MemTable::new(1 << 20));
            for (key, op, value) in &entries {
                table
                    .insert(&key.user_key, value, key.timestamp, *op)
                    .unwrap();
            }
            walk_against_model(&mut table.iter(), &entries, &mut rng, 100);
        }
    }

    #[test]
    fn cursor_outlives_every_other_handle_to_the_table() {
        let mut cursor = table_with(&[("k", 4)]).iter();
        // The only Arc left is the cursor's own.
        assert_eq!(Arc::strong_count(cursor.table()), 1);
        cursor.seek_to_last().unwrap();
        assert_eq!(cursor.value(), b"k@4");
    }

    #[test]
    fn empty_table_cursor_is_never_valid() {
        let table = Arc::new(MemTable::new(1024));
        let mut cursor = table.iter();
        cursor.seek_to_first().unwrap();
        assert!(!cursor.valid());
        cursor.seek_to_last().unwrap();
        assert!(!cursor.valid());
        assert!(cursor.entry().is_none());
    }

    #[test]
    fn cursor_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<MemTableCursor>();
        assert_send_sync::<MemTable>();
    }
}
