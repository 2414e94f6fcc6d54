//! A two-level cursor: an index of sorted parts, and a cursor over one part.
//!
//! Two sources in the engine are a sorted run cut into parts, with an index
//! that says where each part ends:
//!
//! - a table: its data blocks, indexed by each block's last key;
//! - a level below 0: its tables, which hold disjoint key ranges, indexed by
//!   each table's smallest and largest key.
//!
//! One [`TwoLevelCursor`] walks both (LevelDB's `two_level_iterator`). Its
//! first level is a position in the [`TwoLevelIndex`], the index cursor; its
//! second level is the cursor over the part at that position, which the index
//! opens on demand. Running off either end of a part moves to the
//! neighbouring part; a seek opens only the part that can hold the target.
//!
//! The part's cursor type is a type parameter, so a level's cursor walks its
//! table's cursor, and that its block's, without dynamic dispatch.

use std::fmt;

use super::Cursor;
use crate::{Operation, Result, Slice, Timestamp};

/// The first level of a [`TwoLevelCursor`]: a sorted run of parts, numbered
/// from 0, whose entries ascend from part to part, and the means to open a
/// cursor over each part.
pub trait TwoLevelIndex: Send {
    /// The cursor over one part.
    type Part: Cursor;

    /// The number of parts.
    fn len(&self) -> usize;

    /// Whether there are no parts.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first part whose last entry is at or after `(user_key,
    /// timestamp)`, the only part that can hold the first entry at or after
    /// it; `None` if every part ends before it.
    fn find(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize>;

    /// The part to look in for the last entry at or before `(user_key,
    /// timestamp)`; `None` if no part can hold one.
    ///
    /// The default, for an index that knows where parts end but not where
    /// they start, is the part [`find`](Self::find) names (or the last part):
    /// every part before it ends before the target, and if it holds nothing at
    /// or before the target, the cursor steps back into the part before. An
    /// index that knows where parts start names the right part at once.
    fn find_for_prev(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        let last = self.len().checked_sub(1)?;
        Some(
            self.find(user_key, timestamp)
                .map_or(last, |at| at.min(last)),
        )
    }

    /// An upper bound of the timestamps of the entries whose user keys are
    /// in `[start, end)`, without reading a part: see
    /// [`Cursor::max_timestamp_in`], whose default this one shares.
    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        let _ = (start, end);
        Timestamp::MAX
    }

    /// A cursor over part `at`, not yet positioned.
    ///
    /// # Errors
    ///
    /// The error of reading the part (a block from the file, say).
    fn open(&mut self, at: usize) -> Result<Self::Part>;
}

/// A cursor over the parts of a [`TwoLevelIndex`] as one sorted sequence.
///
/// Moves that open a part return its error; after an error the cursor is not
/// valid, and a part that fails to open is never taken for the end of the
/// run.
pub struct TwoLevelCursor<I: TwoLevelIndex> {
    index: I,
    /// The part `part` walks.
    at: usize,
    /// The cursor over part `at`; `None` when not positioned, after the last
    /// part or before the first, and after an error.
    part: Option<I::Part>,
}

impl<I: TwoLevelIndex> TwoLevelCursor<I> {
    /// A cursor over `index`, not yet positioned.
    pub fn new(index: I) -> Self {
        TwoLevelCursor {
            index,
            at: 0,
            part: None,
        }
    }

    /// The index the cursor walks.
    pub fn index(&self) -> &I {
        &self.index
    }

    /// The cursor over part `at`: the open one if it is that part (a seek
    /// that stays in its part reuses it), else a new one.
    fn open(&mut self, at: usize) -> Result<&mut I::Part> {
        if self.at != at {
            self.part = None;
        }
        self.at = at;
        let part = match self.part.take() {
            Some(part) => part,
            None => self.index.open(at)?,
        };
        Ok(self.part.insert(part))
    }

    /// Opens part `at` and positions it with `position`; on an error the
    /// cursor is not valid.
    fn position(
        &mut self,
        at: usize,
        position: impl FnOnce(&mut I::Part) -> Result<()>,
    ) -> Result<()> {
        let result = self.open(at).and_then(position);
        self.guard(result)
    }

    fn guard(&mut self, result: Result<()>) -> Result<()> {
        if result.is_err() {
            self.part = None;
        }
        result
    }

    /// While the part is exhausted, moves to the next part's first entry.
    fn skip_forward(&mut self) -> Result<()> {
        while self.part.as_ref().is_some_and(|p| !p.valid()) {
            let next = self.at + 1;
            if next >= self.index.len() {
                self.part = None;
                return Ok(());
            }
            self.position(next, Cursor::seek_to_first)?;
        }
        Ok(())
    }

    /// While the part is exhausted, moves to the previous part's last entry.
    fn skip_backward(&mut self) -> Result<()> {
        while self.part.as_ref().is_some_and(|p| !p.valid()) {
            let Some(previous) = self.at.checked_sub(1) else {
                self.part = None;
                return Ok(());
            };
            self.position(previous, Cursor::seek_to_last)?;
        }
        Ok(())
    }

    fn current(&self) -> &I::Part {
        self.part
            .as_ref()
            .expect("REQUIRES: the two-level cursor is valid")
    }
}

impl<I: TwoLevelIndex> Cursor for TwoLevelCursor<I> {
    fn valid(&self) -> bool {
        self.part.as_ref().is_some_and(Cursor::valid)
    }

    fn seek_to_first(&mut self) -> Result<()> {
        if self.index.is_empty() {
            self.part = None;
            return Ok(());
        }
        self.position(0, Cursor::seek_to_first)?;
        self.skip_forward()
    }

    fn seek_to_last(&mut self) -> Result<()> {
        let Some(last) = self.index.len().checked_sub(1) else {
            self.part = None;
            return Ok(());
        };
        self.position(last, Cursor::seek_to_last)?;
        self.skip_backward()
    }

    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        let Some(at) = self.index.find(user_key, timestamp) else {
            self.part = None;
            return Ok(());
        };
        self.position(at, |part| part.seek(user_key, timestamp))?;
        // The part's last entry is at or after the target, so the seek lands
        // in it; should it not (a damaged index), go on to the next part.
        self.skip_forward()
    }

    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        let Some(at) = self.index.find_for_prev(user_key, timestamp) else {
            self.part = None;
            return Ok(());
        };
        self.position(at, |part| part.seek_for_prev(user_key, timestamp))?;
        self.skip_backward()
    }

    fn seek_past_last(&mut self) -> Result<()> {
        // Past the last part: nothing to open, nothing to read.
        self.part = None;
        Ok(())
    }

    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        self.index.max_timestamp_in(start, end)
    }

    fn next(&mut self) -> Result<()> {
        let result = match &mut self.part {
            Some(part) => part.next(),
            None => return Ok(()),
        };
        self.guard(result)?;
        self.skip_forward()
    }

    fn prev(&mut self) -> Result<()> {
        let result = match &mut self.part {
            Some(part) => part.prev(),
            None => return Ok(()),
        };
        self.guard(result)?;
        self.skip_backward()
    }

    fn user_key(&self) -> &[u8] {
        self.current().user_key()
    }

    fn timestamp(&self) -> Timestamp {
        self.current().timestamp()
    }

    fn operation(&self) -> Operation {
        self.current().operation()
    }

    fn value(&self) -> &[u8] {
        self.current().value()
    }

    fn value_slice(&self) -> Slice {
        self.current().value_slice()
    }
}

impl<I: TwoLevelIndex + fmt::Debug> fmt::Debug for TwoLevelCursor<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TwoLevelCursor")
            .field("index", &self.index)
            .field("at", &self.at)
            .field("valid", &self.valid())
            .finish()
    }
}

#[cfg(test)]
mod tests;
