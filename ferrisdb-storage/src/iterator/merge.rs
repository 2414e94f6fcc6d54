//! Merging cursors: many sorted sources seen as one.
//!
//! The engine keeps data in several sorted places at once: the active
//! MemTable, the immutable ones, and the tables. A [`MergingCursor`] walks all
//! of them in one [`InternalKey`] order by keeping every child positioned and
//! always presenting the child with the smallest (or, walking backwards, the
//! largest) entry.
//!
//! A merging cursor moves in one direction only, chosen when it is built. A
//! user scan that is consumed from both ends uses two of them, one per end,
//! which keeps each simple: no child ever has to turn around, the subtle part
//! of a bidirectional merge (LevelDB's `MergingIterator` re-seeks every child
//! when the direction changes).
//!
//! Children are compared by a linear pass, as LevelDB does: a read merges a
//! handful of sources (MemTables, level-0 tables, one table per deeper level),
//! where a heap's bookkeeping costs more than it saves.
//!
//! [`InternalKey`]: crate::InternalKey

use std::cmp::Ordering;

use super::Cursor;
use crate::{InternalKey, Result};

/// Which way a [`MergingCursor`] walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Smallest entry first.
    Forward,
    /// Largest entry first.
    Backward,
}

/// Many cursors merged into one sorted sequence, walked in one direction.
///
/// Children are given newest source first. Sources never hold the same
/// `(user_key, timestamp)` twice in a consistent database; if they do, the
/// child given first wins the tie, so the newest source is seen first.
pub struct MergingCursor {
    children: Vec<Box<dyn Cursor>>,
    direction: Direction,
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
    /// Merges `children` (newest source first), walking in `direction`. The
    /// cursor is not valid until it is positioned.
    pub fn new(children: Vec<Box<dyn Cursor>>, direction: Direction) -> Self {
        MergingCursor {
            children,
            direction,
            current: None,
        }
    }

    /// The direction this cursor walks.
    pub fn direction(&self) -> Direction {
        self.direction
    }

    /// Whether the cursor is on an entry.
    pub fn valid(&self) -> bool {
        self.current.is_some()
    }

    /// Positions every child at the start of the walk: the first entry at or
    /// after `(user_key, timestamp)` forwards, the last at or before it
    /// backwards; `None` starts at the first (or last) entry.
    pub fn position(&mut self, from: Option<(&[u8], u64)>) -> Result<()> {
        for child in &mut self.children {
            match (self.direction, from) {
                (Direction::Forward, None) => child.seek_to_first()?,
                (Direction::Forward, Some((key, ts))) => child.seek(key, ts)?,
                (Direction::Backward, None) => child.seek_to_last()?,
                (Direction::Backward, Some((key, ts))) => child.seek_for_prev(key, ts)?,
            }
        }
        self.pick();
        Ok(())
    }

    /// Moves one entry on in the cursor's direction.
    ///
    /// REQUIRES: `self.valid()`.
    pub fn advance(&mut self) -> Result<()> {
        debug_assert!(self.valid(), "advance on an invalid merging cursor");
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

    /// The child the cursor is on.
    ///
    /// REQUIRES: `self.valid()`.
    pub fn current(&self) -> &dyn Cursor {
        let index = self.current.expect("REQUIRES: the merging cursor is valid");
        self.children[index].as_ref()
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iterator::vec_cursor::VecCursor;
    use crate::Operation;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    type Entry = (InternalKey, Operation, Vec<u8>);

    fn random_sources(rng: &mut StdRng) -> Vec<Vec<Entry>> {
        let mut ts = 0;
        (0..rng.random_range(0..5))
            .map(|_| {
                (0..rng.random_range(0..20))
                    .map(|_| {
                        ts += 1;
                        let key = vec![rng.random_range(b'a'..b'f')];
                        (InternalKey::new(key, ts), Operation::Put, vec![ts as u8])
                    })
                    .collect()
            })
            .collect()
    }

    fn collect(
        sources: &[Vec<Entry>],
        direction: Direction,
        from: Option<(&[u8], u64)>,
    ) -> Vec<InternalKey> {
        let children = sources
            .iter()
            .map(|s| Box::new(VecCursor::new(s.clone())) as Box<dyn Cursor>)
            .collect();
        let mut merged = MergingCursor::new(children, direction);
        merged.position(from).unwrap();
        let mut out = Vec::new();
        while merged.valid() {
            let c = merged.current();
            out.push(InternalKey::new(c.user_key(), c.timestamp()));
            merged.advance().unwrap();
        }
        out
    }

    #[test]
    fn merge_equals_sorting_the_union_both_ways_and_from_any_seek() {
        let mut rng = StdRng::seed_from_u64(11);
        for _ in 0..300 {
            let sources = random_sources(&mut rng);
            let mut all: Vec<InternalKey> = sources.iter().flatten().map(|e| e.0.clone()).collect();
            all.sort();
            assert_eq!(collect(&sources, Direction::Forward, None), all);
            let reversed: Vec<_> = all.iter().rev().cloned().collect();
            assert_eq!(collect(&sources, Direction::Backward, None), reversed);

            let key = [rng.random_range(b'a'..b'g')];
            let ts = rng.random_range(0..40);
            let target = InternalKey::new(key.to_vec(), ts);
            let from_fwd: Vec<_> = all.iter().filter(|k| **k >= target).cloned().collect();
            assert_eq!(
                collect(&sources, Direction::Forward, Some((&key, ts))),
                from_fwd
            );
            let from_back: Vec<_> = all
                .iter()
                .rev()
                .filter(|k| **k <= target)
                .cloned()
                .collect();
            assert_eq!(
                collect(&sources, Direction::Backward, Some((&key, ts))),
                from_back
            );
        }
    }

    #[test]
    fn on_a_tie_the_newer_source_comes_first() {
        let newer = vec![(InternalKey::new("k", 5), Operation::Put, b"new".to_vec())];
        let older = vec![(InternalKey::new("k", 5), Operation::Put, b"old".to_vec())];
        for direction in [Direction::Forward, Direction::Backward] {
            let children: Vec<Box<dyn Cursor>> = vec![
                Box::new(VecCursor::new(newer.clone())),
                Box::new(VecCursor::new(older.clone())),
            ];
            let mut merged = MergingCursor::new(children, direction);
            merged.position(None).unwrap();
            assert_eq!(merged.current().value(), b"new");
        }
    }
}
