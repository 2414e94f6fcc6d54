//! A merging cursor's targeted moves: a scan that knows it needs none of
//! the entries ahead in some stretch moves past it only the children that
//! hold entries there, and leaves the others where they are.
//!
//! Two stretches are skipped so:
//!
//! - **A range tombstone's.** Every child whose entries under it are all
//!   older than the tombstone is sought past its range
//!   ([`skip_older`](MergingCursor::skip_older),
//!   [`skip_older_back`](MergingCursor::skip_older_back)).
//! - **The rest of one key's versions.** A key written thousands of times
//!   (the hot key of a skewed workload) has thousands of versions until a
//!   compaction drops the hidden ones, and a scan needs one of them. After
//!   a few steps over them, the scan re-seeks, as RocksDB's iterator does
//!   after `max_sequential_skip_in_iterations`: forwards, to the visible
//!   version or past the key ([`seek_within_key`](MergingCursor::seek_within_key));
//!   backwards, where versions come oldest first, it reads the visible one
//!   directly and moves before the key
//!   ([`leave_key_back`](MergingCursor::leave_key_back)). Only children on
//!   the key move: the others are already past it, some maybe past a range
//!   tombstone the scan sought them past, which a seek of every child
//!   would undo.

use ferrisdb_core::compare_user_keys;

use super::{step_past, Direction, MergingCursor};
use crate::iterator::Cursor;
use crate::{Operation, Result, Slice, Timestamp};

/// A version of a key that [`MergingCursor::leave_key_back`] read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Version {
    pub timestamp: Timestamp,
    pub operation: Operation,
    /// The value; empty for a tombstone.
    pub value: Slice,
}

impl MergingCursor {
    /// Moves past `[from, end)` (`end: None`: past every entry) each child
    /// that is inside that range and whose entries in it are all older than
    /// `timestamp` (by [`Cursor::max_timestamp_in`]), then picks the child
    /// that comes next: a scan's seek past a range tombstone at `timestamp`,
    /// which hides every such entry. A child that may hold a newer version
    /// in the range stays where it is, and the scan steps through it.
    ///
    /// REQUIRES: walking forwards, on the first entry of the user key
    /// `from` (so no child holds an entry before `from` still to come). A
    /// cursor walking backwards is left as it is.
    ///
    /// # Errors
    ///
    /// The error of a child's seek; the cursor is then not valid.
    pub fn skip_older(
        &mut self,
        from: &[u8],
        end: Option<&[u8]>,
        timestamp: Timestamp,
    ) -> Result<()> {
        if self.direction != Direction::Forward || self.current.is_none() {
            return Ok(());
        }
        for child in &mut self.children {
            let inside = child.valid()
                && end.is_none_or(|end| compare_user_keys(child.user_key(), end).is_lt());
            if !inside || child.max_timestamp_in(from, end) >= timestamp {
                continue;
            }
            let moved = match end {
                Some(end) => child.seek(end, Timestamp::MAX),
                None => child.seek_past_last(),
            };
            if let Err(e) = moved {
                self.current = None;
                return Err(e);
            }
        }
        self.pick();
        Ok(())
    }

    /// The mirror of [`skip_older`](Self::skip_older) walking backwards:
    /// moves before `start` each child inside `[start, end)` whose entries
    /// there are all older than `timestamp`.
    ///
    /// REQUIRES: walking backwards, on the last entry of a user key in
    /// `[start, end)` (so no child holds an entry after it still to come).
    /// A cursor walking forwards is left as it is.
    ///
    /// # Errors
    ///
    /// The error of a child's seek; the cursor is then not valid.
    pub fn skip_older_back(
        &mut self,
        start: &[u8],
        end: Option<&[u8]>,
        timestamp: Timestamp,
    ) -> Result<()> {
        if self.direction != Direction::Backward || self.current.is_none() {
            return Ok(());
        }
        for child in &mut self.children {
            let inside = child.valid() && compare_user_keys(child.user_key(), start).is_ge();
            if !inside || child.max_timestamp_in(start, end) >= timestamp {
                continue;
            }
            // Before every version of `start`: the last entry of a smaller key.
            if let Err(e) = child.seek_for_prev(start, Timestamp::MAX) {
                self.current = None;
                return Err(e);
            }
        }
        self.pick();
        Ok(())
    }

    /// Moves each child on `user_key` whose entry comes before
    /// `(user_key, timestamp)` to its first entry at or after it, then picks
    /// the child that comes next: the same entry a
    /// [`seek`](Cursor::seek) there would reach, except that children a
    /// [`skip_older`](Self::skip_older) moved further stay there. With
    /// `timestamp` 0 it moves past every version of the key but one at 0.
    ///
    /// Walking backwards, or not valid, the cursor is sought as
    /// [`seek`](Cursor::seek) does (a scan's front end only walks forwards).
    ///
    /// REQUIRES: on an entry of `user_key`, so every child holding a later
    /// entry of it is on it and every other child is past it.
    ///
    /// # Errors
    ///
    /// The error of a child's seek; the cursor is then not valid.
    pub(crate) fn seek_within_key(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        if self.direction != Direction::Forward || self.current.is_none() {
            return self.seek(user_key, timestamp);
        }
        for child in &mut self.children {
            let before = child.valid()
                && child.timestamp() > timestamp
                && compare_user_keys(child.user_key(), user_key).is_eq();
            if !before {
                continue;
            }
            if let Err(e) = child.seek(user_key, timestamp) {
                self.current = None;
                return Err(e);
            }
        }
        self.pick();
        Ok(())
    }

    /// Walking backwards, on a version of `user_key`: moves every child on
    /// `user_key` to its last entry before the key, then picks the child
    /// that comes next, so the cursor is past every version of the key
    /// (children on other keys are already). With `visible_at`, it first
    /// reads, in each of those children, the newest version at or below
    /// `visible_at`, and returns the newest of them (on a tie, the earlier
    /// child's). The versions the walk passed in children that have moved
    /// on are not among them: the caller keeps those.
    ///
    /// Each child on the key is sought twice, once for its version and once
    /// to move before the key; the children of a scan are few.
    ///
    /// REQUIRES: walking backwards, on a version of `user_key`. A cursor
    /// walking forwards, or not valid, is left as it is and `None` returned.
    ///
    /// # Errors
    ///
    /// The error of a child's seek; the cursor is then not valid.
    pub(crate) fn leave_key_back(
        &mut self,
        user_key: &[u8],
        visible_at: Option<Timestamp>,
    ) -> Result<Option<Version>> {
        if self.direction != Direction::Backward || self.current.is_none() {
            return Ok(None);
        }
        let mut newest: Option<Version> = None;
        for child in &mut self.children {
            let on_key = child.valid() && compare_user_keys(child.user_key(), user_key).is_eq();
            if !on_key {
                continue;
            }
            let moved = (|| {
                if let Some(at) = visible_at {
                    child.seek(user_key, at)?;
                    let found = child.valid()
                        && compare_user_keys(child.user_key(), user_key).is_eq()
                        && newest
                            .as_ref()
                            .is_none_or(|n| child.timestamp() > n.timestamp);
                    if found {
                        newest = Some(Version {
                            timestamp: child.timestamp(),
                            operation: child.operation(),
                            value: match child.operation() {
                                Operation::Put => child.value_slice(),
                                Operation::Delete => Slice::new(),
                            },
                        });
                    }
                }
                // Before every version of the key: the last entry of a
                // smaller key.
                step_past(
                    child.as_mut(),
                    user_key,
                    Timestamp::MAX,
                    Direction::Backward,
                )
            })();
            if let Err(e) = moved {
                self.current = None;
                return Err(e);
            }
        }
        self.pick();
        Ok(newest)
    }
}
