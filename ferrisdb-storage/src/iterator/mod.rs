//! Cursors over sorted entries, and the merge that turns many into one view.
//!
//! Every sorted source in the engine is a [`Cursor`]: a position in a
//! sequence of entries in [`InternalKey`] order that can move both ways and
//! seek. Each source has one cursor type, which implements the trait itself:
//!
//! - a MemTable's `MemTableCursor` (`memtable/cursor.rs`);
//! - a block's `BlockCursor` (`sstable/block/cursor.rs`);
//! - a table's `TableCursor` and a level's `LevelCursor`, both a
//!   [`TwoLevelCursor`](two_level::TwoLevelCursor) ([`two_level`]): an index
//!   of sorted parts (a table's data blocks, a level's tables) and a cursor
//!   over the part it is in;
//! - the [`MergingCursor`](merge::MergingCursor) over all of them ([`merge`]).
//!
//! The user-facing scan ([`scan`]) walks a merge and keeps, for each user
//! key, only the newest version visible at its snapshot, hiding tombstones
//! and what range tombstones hide; it seeks past a deleted range with
//! [`MergingCursor::skip_older`](merge::MergingCursor::skip_older), which
//! asks each child [`Cursor::max_timestamp_in`] the range.
//!
//! Cursors are generic where they nest (a level's cursor holds its table's
//! cursor, which holds its block's), so a step costs no dynamic dispatch
//! below the merge; the merge holds its children as `Box<dyn Cursor>`, one
//! kind of child per source.
//!
//! [`InternalKey`]: crate::InternalKey

pub mod merge;
#[cfg(test)]
pub(crate) mod model;
pub mod scan;
pub mod two_level;

use crate::{InternalKey, Operation, Result, Slice, Timestamp};

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
    ///
    /// # Errors
    ///
    /// The error of reading the source (an I/O error, a damaged block); the
    /// cursor is then not valid.
    fn seek_to_first(&mut self) -> Result<()>;

    /// Moves to the last entry.
    ///
    /// # Errors
    ///
    /// As for [`seek_to_first`](Self::seek_to_first).
    fn seek_to_last(&mut self) -> Result<()>;

    /// Moves to the first entry at or after `(user_key, timestamp)`.
    ///
    /// # Errors
    ///
    /// As for [`seek_to_first`](Self::seek_to_first).
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()>;

    /// Moves to the last entry at or before `(user_key, timestamp)`.
    ///
    /// The default seeks to the first entry at or after the target and, if
    /// that is past it, steps back one entry (or goes to the last entry when
    /// nothing is at or after the target). A source that can find the entry
    /// directly overrides it.
    ///
    /// # Errors
    ///
    /// As for [`seek`](Self::seek).
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.seek(user_key, timestamp)?;
        if !self.valid() {
            return self.seek_to_last();
        }
        if InternalKey::compare_parts(self.user_key(), self.timestamp(), user_key, timestamp)
            .is_gt()
        {
            self.prev()?;
        }
        Ok(())
    }

    /// Moves past the last entry: the cursor is then not valid.
    ///
    /// The default seeks to the last entry and steps past it. A source that
    /// would read to find its last entry (a table, a level) overrides it.
    ///
    /// # Errors
    ///
    /// As for [`seek_to_first`](Self::seek_to_first).
    fn seek_past_last(&mut self) -> Result<()> {
        self.seek_to_last()?;
        if self.valid() {
            self.next()?;
        }
        Ok(())
    }

    /// An upper bound of the timestamps of the cursor's entries whose user
    /// keys are in `[start, end)` (`end: None`: no upper bound), answered
    /// without reading: a scan moves a cursor past a range tombstone at `c`
    /// only when every entry it holds under the tombstone is older than `c`.
    ///
    /// The default, [`Timestamp::MAX`], is always correct: such a cursor is
    /// stepped through the range, never sought past it. A level's cursor
    /// answers from its tables' recorded newest timestamps.
    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        let _ = (start, end);
        Timestamp::MAX
    }

    /// Moves to the next entry.
    ///
    /// REQUIRES: `self.valid()`.
    ///
    /// # Errors
    ///
    /// As for [`seek_to_first`](Self::seek_to_first).
    fn next(&mut self) -> Result<()>;

    /// Moves to the previous entry.
    ///
    /// REQUIRES: `self.valid()`.
    ///
    /// # Errors
    ///
    /// As for [`seek_to_first`](Self::seek_to_first).
    fn prev(&mut self) -> Result<()>;

    /// The user key of the current entry.
    fn user_key(&self) -> &[u8];

    /// The timestamp of the current entry.
    fn timestamp(&self) -> Timestamp;

    /// The current entry's key as an owned [`InternalKey`] (a copy of the
    /// user key: for tools and tests, not for a walk over many entries).
    fn internal_key(&self) -> InternalKey {
        InternalKey::new(self.user_key(), self.timestamp())
    }

    /// Whether the current entry is a value or a tombstone.
    fn operation(&self) -> Operation;

    /// The value of the current entry (empty for a tombstone).
    fn value(&self) -> &[u8];

    /// The value of the current entry as a [`Slice`] a reader can keep. A
    /// cursor over shared buffers (a table's cached blocks) returns a slice
    /// of them without copying; only a cursor whose entries live in memory
    /// that is not shared that way (a MemTable's arena) copies.
    fn value_slice(&self) -> Slice;
}
