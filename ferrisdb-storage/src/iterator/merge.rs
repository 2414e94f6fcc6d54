//! Merging cursors: many sorted sources seen as one.
//!
//! The engine keeps data in several sorted places at once: the active
//! MemTable, the immutable ones, and the tables. A [`MergingCursor`] walks all
//! of them in one [`InternalKey`] order by keeping every child positioned and
//! always presenting the child with the smallest (or, walking backwards, the
//! largest) entry.
//!
//! A merging cursor is a [`Cursor`] and moves both ways. Walking one way
//! needs nothing but the children's steps that way; turning around is the
//! subtle part, done as LevelDB's `MergingIterator` does it: every child but
//! the current one is re-sought to stand just past the current entry in the
//! new direction. A user scan consumed from both ends uses two merging
//! cursors, one per end, so neither ever turns.
//!
//! Children are compared by a linear pass, as LevelDB does: a read merges a
//! handful of sources (MemTables, level-0 tables, one table per deeper level),
//! where a heap's bookkeeping costs more than it saves.
//!
//! [`InternalKey`]: crate::InternalKey

use std::cmp::Ordering;

use super::Cursor;
use crate::{InternalKey, Operation, Result, Slice, Timestamp};

/// Which way a [`MergingCursor`] is walking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Direction {
    /// Smallest entry first.
    Forward,
    /// Largest entry first.
    Backward,
}

/// Many cursors merged into one sorted sequence.
///
/// Children are given newest source first. Sources never hold the same
/// `(user_key, timestamp)` twice in a consistent database; if they do, the
/// child given first wins the tie in either direction, so the newest source
/// is seen first, and turning around on a tied entry skips the other copies.
pub struct MergingCursor {
    children: Vec<Box<dyn Cursor>>,
    direction: Direction,
    /// The child whose entry the cursor is on.
    current: Option<usize>,
}

impl std::fmt::Debug for MergingCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MergingCursor")
            .field("children", &self.children.len())
            .field("direction", &self.direction)
            .field("current", &self.current)
            .finish()
    }
}

impl MergingCursor {
    /// Merges `children` (newest source first). The cursor is not valid
    /// until it is positioned.
    pub fn new(children: Vec<Box<dyn Cursor>>) -> Self {
        MergingCursor {
            children,
            direction: Direction::Forward,
            current: None,
        }
    }

    /// Positions every child with `position` to walk in `direction`.
    fn position_all(
        &mut self,
        direction: Direction,
        mut position: impl FnMut(&mut dyn Cursor) -> Result<()>,
    ) -> Result<()> {
        self.direction = direction;
        self.current = None;
        for child in &mut self.children {
            position(child.as_mut())?;
        }
        self.pick();
        Ok(())
    }

    /// Turns the walk around: every child but the current one moves to its
    /// first entry past the current entry in direction `to`.
    fn turn(&mut self, to: Direction) -> Result<()> {
        let Some(index) = self.current else {
            return Ok(());
        };
        let (before, rest) = self.children.split_at_mut(index);
        let (held, after) = rest
            .split_first_mut()
            .expect("the current child is one of the children");
        let (key, timestamp) = (held.user_key(), held.timestamp());
        for child in before.iter_mut().chain(after) {
            if let Err(e) = step_past(child.as_mut(), key, timestamp, to) {
                self.current = None;
                return Err(e);
            }
        }
        self.direction = to;
        Ok(())
    }

    /// Moves the current child one entry on in the cursor's direction, then
    /// picks the child that comes next.
    fn step(&mut self) -> Result<()> {
        debug_assert!(self.valid(), "a step of an invalid merging cursor");
        if let Some(index) = self.current {
            let child = &mut self.children[index];
            let moved = match self.direction {
                Direction::Forward => child.next(),
                Direction::Backward => child.prev(),
            };
            if let Err(e) = moved {
                self.current = None;
                return Err(e);
            }
        }
        self.pick();
        Ok(())
    }

    /// Chooses the child whose entry comes next in the walk.
    fn pick(&mut self) {
        let mut best: Option<usize> = None;
        for (index, child) in self.children.iter().enumerate() {
            if !child.valid() {
                continue;
            }
            let better = match best {
                None => true,
                Some(b) => {
                    let held = &self.children[b];
                    let order = InternalKey::compare_parts(
                        child.user_key(),
                        child.timestamp(),
                        held.user_key(),
                        held.timestamp(),
                    );
                    // Strict comparison: on a tie the earlier (newer) child stays.
                    match self.direction {
                        Direction::Forward => order == Ordering::Less,
                        Direction::Backward => order == Ordering::Greater,
                    }
                }
            };
            if better {
                best = Some(index);
            }
        }
        self.current = best;
    }

    /// The child the cursor is on.
    fn held(&self) -> &dyn Cursor {
        let index = self.current.expect("REQUIRES: the merging cursor is valid");
        self.children[index].as_ref()
    }
}

/// Moves `child` to its first entry strictly after `(key, timestamp)`
/// walking `to` (forwards: the first entry after it; backwards: the last
/// entry before it).
fn step_past(
    child: &mut dyn Cursor,
    key: &[u8],
    timestamp: Timestamp,
    to: Direction,
) -> Result<()> {
    match to {
        Direction::Forward => child.seek(key, timestamp)?,
        Direction::Backward => child.seek_for_prev(key, timestamp)?,
    }
    if child.valid() && child.timestamp() == timestamp && child.user_key() == key {
        match to {
            Direction::Forward => child.next()?,
            Direction::Backward => child.prev()?,
        }
    }
    Ok(())
}

impl Cursor for MergingCursor {
    fn valid(&self) -> bool {
        self.current.is_some()
    }

    fn seek_to_first(&mut self) -> Result<()> {
        self.position_all(Direction::Forward, |c| c.seek_to_first())
    }

    fn seek_to_last(&mut self) -> Result<()> {
        self.position_all(Direction::Backward, |c| c.seek_to_last())
    }

    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.position_all(Direction::Forward, |c| c.seek(user_key, timestamp))
    }

    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.position_all(Direction::Backward, |c| {
            c.seek_for_prev(user_key, timestamp)
        })
    }

    fn seek_past_last(&mut self) -> Result<()> {
        self.position_all(Direction::Forward, |c| c.seek_past_last())
    }

    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        self.children
            .iter()
            .map(|c| c.max_timestamp_in(start, end))
            .max()
            .unwrap_or(0)
    }

    fn next(&mut self) -> Result<()> {
        if self.direction == Direction::Backward {
            self.turn(Direction::Forward)?;
        }
        self.step()
    }

    fn prev(&mut self) -> Result<()> {
        if self.direction == Direction::Forward {
            self.turn(Direction::Backward)?;
        }
        self.step()
    }

    fn user_key(&self) -> &[u8] {
        self.held().user_key()
    }

    fn timestamp(&self) -> Timestamp {
        self.held().timestamp()
    }

    fn operation(&self) -> Operation {
        self.held().operation()
    }

    fn value(&self) -> &[u8] {
        self.held().value()
    }

    fn value_slice(&self) -> Slice {
        self.held().value_slice()
    }
}

mod skip;
#[cfg(test)]
mod tests;
