//! [`TransactionScan`]: a transaction's scan, its own writes over its
//! snapshot.

use std::cmp::Ordering;
use std::collections::VecDeque;

use super::pending::PendingRange;
use crate::iterator::scan::finish;
use crate::{Key, Result, Scan, Slice};

/// The live pairs of a range as a transaction sees them: its snapshot's,
/// with its own pending puts, deletes and range deletes over them. In key
/// order, and in reverse from the back ([`DoubleEndedIterator`]).
///
/// Made by [`Transaction::scan`](super::Transaction::scan) and its
/// siblings. It holds a copy of the transaction's writes in its range as
/// they were when it was made: writes the transaction makes later are not
/// in it. Items are `Result`s for the errors of reading tables; after an
/// error the scan is finished.
#[derive(Debug)]
pub struct TransactionScan {
    snapshot: Scan,
    /// The snapshot's next pair from the front, taken but not yet yielded.
    front: Option<(Slice, Slice)>,
    /// The same from the back.
    back: Option<(Slice, Slice)>,
    /// The pending puts (`Some`) and deletes in the range, in key order;
    /// each end takes from its side.
    points: VecDeque<(Key, Option<Slice>)>,
    /// Decides whether a pending range delete hides a snapshot pair.
    pending: PendingRange,
    done: bool,
}

/// Which end of the scan a step takes from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum End {
    Front,
    Back,
}

impl TransactionScan {
    /// The scan of `snapshot`, a scan of the range, with `pending`, the
    /// transaction's writes in it, over it.
    pub(super) fn new(snapshot: Scan, mut pending: PendingRange) -> TransactionScan {
        let points = std::mem::take(&mut pending.points).into();
        TransactionScan {
            snapshot,
            front: None,
            back: None,
            points,
            pending,
            done: false,
        }
    }

    /// Takes the snapshot's next pair at `end` into `front` or `back`
    /// unless it holds one: the scan's next; once the scan's ends have met,
    /// the one the other end took and has not yielded.
    fn fill(&mut self, end: End) -> Result<()> {
        let (held, other) = match end {
            End::Front => (&mut self.front, &mut self.back),
            End::Back => (&mut self.back, &mut self.front),
        };
        if held.is_none() {
            let next = match end {
                End::Front => self.snapshot.next(),
                End::Back => self.snapshot.next_back(),
            };
            *held = match next {
                Some(item) => Some(item?),
                None => other.take(),
            };
        }
        Ok(())
    }

    /// The next live pair at `end`.
    fn step(&mut self, end: End) -> Result<Option<(Slice, Slice)>> {
        loop {
            self.fill(end)?;
            let (held, pending) = match end {
                End::Front => (&mut self.front, self.points.front()),
                End::Back => (&mut self.back, self.points.back()),
            };
            // Which comes first at this end: the snapshot's pair, the
            // pending write, or both (the same key: the pending write wins).
            let order = match (held.as_ref(), pending) {
                (None, None) => return Ok(None),
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (Some((key, _)), Some((pending_key, _))) => {
                    let order = key.as_ref().cmp(pending_key.as_slice());
                    if end == End::Back {
                        order.reverse()
                    } else {
                        order
                    }
                }
            };
            if order != Ordering::Greater {
                // The snapshot's pair is used up either way.
                let (key, value) = held.take().expect("the snapshot's pair comes first");
                if order == Ordering::Less {
                    if !self.pending.deletes(&key) {
                        return Ok(Some((key, value)));
                    }
                    continue;
                }
            }
            let (key, value) = match end {
                End::Front => self.points.pop_front(),
                End::Back => self.points.pop_back(),
            }
            .expect("a pending write comes first");
            if let Some(value) = value {
                return Ok(Some((Slice::from(key), value)));
            }
        }
    }
}

impl Iterator for TransactionScan {
    type Item = Result<(Slice, Slice)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.step(End::Front);
        finish(&mut self.done, step)
    }
}

impl DoubleEndedIterator for TransactionScan {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.step(End::Back);
        finish(&mut self.done, step)
    }
}

impl std::iter::FusedIterator for TransactionScan {}
