//! Cursors over sorted entries, and the merge that turns many into one view.
//!
//! Every sorted source in the engine (a MemTable, a table) offers a
//! [`Cursor`]: a position in a sequence of entries in [`InternalKey`] order
//! that can move both ways and seek. A read that spans sources builds one
//! cursor per source and merges them ([`merge`]); the user-facing scan
//! ([`scan`]) walks the merged sequence and keeps, for each user key, only the
//! newest version visible at its snapshot, hiding tombstones.
//!
//! [`InternalKey`]: crate::InternalKey

pub mod merge;
pub mod scan;

use crate::{Operation, Result, Slice, Timestamp};

/// A position in a sequence of entries sorted by [`InternalKey`] order (user
/// key ascending, timestamp descending).
///
/// A cursor is either *valid* (positioned on an entry, whose parts the
/// accessors return) or not (before the first or after the last entry). Moves
/// that can read from disk return a `Result`; after an error the cursor is not
/// valid. The accessors may only be called while the cursor is valid.
///
/// [`InternalKey`]: crate::InternalKey
pub trait Cursor: Send {
    /// Whether the cursor is on an entry.
    fn valid(&self) -> bool;

    /// Moves to the first entry.
    fn seek_to_first(&mut self) -> Result<()>;

    /// Moves to the last entry.
    fn seek_to_last(&mut self) -> Result<()>;

    /// Moves to the first entry at or after `(user_key, timestamp)`.
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()>;

    /// Moves to the last entry at or before `(user_key, timestamp)`.
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()>;

    /// Moves to the next entry.
    ///
    /// REQUIRES: `self.valid()`.
    fn next(&mut self) -> Result<()>;

    /// Moves to the previous entry.
    ///
    /// REQUIRES: `self.valid()`.
    fn prev(&mut self) -> Result<()>;

    /// The user key of the current entry.
    fn user_key(&self) -> &[u8];

    /// The timestamp of the current entry.
    fn timestamp(&self) -> Timestamp;

    /// Whether the current entry is a value or a tombstone.
    fn operation(&self) -> Operation;

    /// The value of the current entry (empty for a tombstone).
    fn value(&self) -> &[u8];
    /// The value of the current entry as a [`Slice`] a reader can keep. A
    /// cursor over shared buffers (a table's cached blocks) returns a slice
    /// of them without copying; the default copies [`value`](Self::value).
    fn value_slice(&self) -> Slice {
        Slice::copy_from_slice(self.value())
    }
}

/// A cursor over entries held in a sorted vector, for tests of the code that
/// consumes cursors.
#[cfg(test)]
pub(crate) mod vec_cursor {
    use super::Cursor;
    use crate::{InternalKey, Operation, Result, Timestamp};

    /// Entries as `(key, op, value)`, sorted by key.
    #[derive(Debug, Clone)]
    pub(crate) struct VecCursor {
        entries: Vec<(InternalKey, Operation, Vec<u8>)>,
        /// `entries.len()` means "not valid".
        pos: usize,
    }

    impl VecCursor {
        pub(crate) fn new(mut entries: Vec<(InternalKey, Operation, Vec<u8>)>) -> Self {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let pos = entries.len();
            VecCursor { entries, pos }
        }

        fn target(user_key: &[u8], timestamp: Timestamp) -> InternalKey {
            InternalKey::new(user_key, timestamp)
        }
    }

    impl Cursor for VecCursor {
        fn valid(&self) -> bool {
            self.pos < self.entries.len()
        }
        fn seek_to_first(&mut self) -> Result<()> {
            self.pos = 0;
            Ok(())
        }
        fn seek_to_last(&mut self) -> Result<()> {
            self.pos = self
                .entries
                .len()
                .checked_sub(1)
                .unwrap_or(self.entries.len());
            Ok(())
        }
        fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
            let target = Self::target(user_key, timestamp);
            self.pos = self.entries.partition_point(|e| e.0 < target);
            Ok(())
        }
        fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
            let target = Self::target(user_key, timestamp);
            let after = self.entries.partition_point(|e| e.0 <= target);
            self.pos = after.checked_sub(1).unwrap_or(self.entries.len());
            Ok(())
        }
        fn next(&mut self) -> Result<()> {
            self.pos += 1;
            Ok(())
        }
        fn prev(&mut self) -> Result<()> {
            self.pos = self.pos.checked_sub(1).unwrap_or(self.entries.len());
            Ok(())
        }
        fn user_key(&self) -> &[u8] {
            &self.entries[self.pos].0.user_key
        }
        fn timestamp(&self) -> Timestamp {
            self.entries[self.pos].0.timestamp
        }
        fn operation(&self) -> Operation {
            self.entries[self.pos].1
        }
        fn value(&self) -> &[u8] {
            &self.entries[self.pos].2
        }
    }
}
