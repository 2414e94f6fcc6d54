//! The user's view of a range: newest visible version per key, no tombstones.
//!
//! Underneath a scan, the merged cursors yield every version of every key:
//! `b@9 (Put "3")`, `b@7 (Delete)`, `b@2 (Put "1")`, ... A user asked for
//! "the value of each key as of my snapshot", so [`Scan`] walks that stream
//! and, for each user key, keeps only the newest version whose timestamp is at
//! or below the snapshot's; it yields the key if that version is a value and
//! skips it if it is a tombstone. Versions newer than the snapshot are written
//! after it was taken and stay invisible.
//!
//! Range tombstones hide versions too: the scan holds the ones it sees
//! ([`ScanTombstones`]) and skips a key whose visible version is older than
//! the tombstone over it. It does not step over a covered range key by key:
//! on the first key inside one, it seeks past the range every source whose
//! entries there are all older than the tombstone (a level of tables knows
//! that from its tables' newest timestamps, without reading them), and
//! steps only through the sources that may hold a newer write there. So a
//! scan across a deleted range of a million keys reads about as many blocks
//! as a scan of an empty range.
//!
//! A `Scan` can be consumed from both ends ([`DoubleEndedIterator`]). It holds
//! one merging cursor per end; each end remembers the last key it yielded, and
//! an end stops as soon as it reaches a key the other end has already yielded,
//! so every key is returned exactly once.

use std::ops::Bound;

use ferrisdb_core::compare_user_keys;

use super::merge::MergingCursor;
use super::Cursor;
use crate::range_del::view::{CoveredRange, ScanTombstones};
use crate::{Key, Operation, Result, Slice, Timestamp};

/// An iterator over the live `(key, value)` pairs of a key range, as of one
/// snapshot, in key order from the front and in reverse from the back.
///
/// Items are `Result`s: reading a table can fail (an I/O error, a damaged
/// block). After an error the scan is finished.
///
/// A scan holds the MemTables and tables it reads, so it may outlive the
/// engine that made it: after `close` it keeps returning the view it was
/// made at. It holds open the table file it is reading; one the table cache
/// closed meanwhile (a database of more than `max_open_files` tables) is
/// reopened by name, and checked to be the same table. So once the database
/// was reopened and compacted, such a table may be gone, and the scan ends
/// with an error naming it: never with another table's data.
#[derive(Debug)]
pub struct Scan {
    front: End,
    back: End,
    snapshot: Timestamp,
    start: Bound<Key>,
    end: Bound<Key>,
    /// The range tombstones the scan sees; `None` when it sees none.
    tombstones: Option<ScanTombstones>,
    done: bool,
}

#[derive(Debug)]
struct End {
    cursor: MergingCursor,
    positioned: bool,
    /// The last key this end yielded; the other end stops before reaching it.
    last_yielded: Option<Key>,
    /// The covered range (its index in the scan's tombstones) this end last
    /// sought past: it seeks once per range, and steps through what the
    /// sources that may hold newer versions there keep.
    sought_past: Option<usize>,
}

impl Scan {
    /// A scan of `[start, end]` (as the bounds say) at `snapshot`, over two
    /// merged views of the same sources: `forward` for the front end,
    /// walked forwards, and `backward` for the back end, walked backwards.
    ///
    /// `tombstones` are the range tombstones of those sources the scan sees
    /// (see [`ScanTombstones::new`]).
    ///
    /// REQUIRES: `forward` and `backward` merge the same sources.
    pub(crate) fn new(
        forward: MergingCursor,
        backward: MergingCursor,
        snapshot: Timestamp,
        (start, end): (Bound<Key>, Bound<Key>),
        tombstones: Option<ScanTombstones>,
    ) -> Scan {
        let end_of = |cursor| End {
            cursor,
            positioned: false,
            last_yielded: None,
            sought_past: None,
        };
        Scan {
            front: end_of(forward),
            back: end_of(backward),
            snapshot,
            start,
            end,
            tombstones,
            done: false,
        }
    }

    /// The snapshot timestamp this scan reads at.
    pub fn timestamp(&self) -> Timestamp {
        self.snapshot
    }

    /// The next pair from the front. The walk is compiled twice, with and
    /// without range tombstones, so a scan that sees none pays nothing per
    /// entry for them: no check, no second timestamp read.
    fn next_forward(&mut self) -> Result<Option<(Slice, Slice)>> {
        if self.tombstones.is_some() {
            self.walk_forward::<true>()
        } else {
            self.walk_forward::<false>()
        }
    }

    /// The next pair from the back; compiled twice as
    /// [`next_forward`](Self::next_forward) is.
    fn next_backward(&mut self) -> Result<Option<(Slice, Slice)>> {
        if self.tombstones.is_some() {
            self.walk_backward::<true>()
        } else {
            self.walk_backward::<false>()
        }
    }

    /// Walks the front end to its next live pair; `TOMBSTONES` says whether
    /// the scan sees range tombstones.
    fn walk_forward<const TOMBSTONES: bool>(&mut self) -> Result<Option<(Slice, Slice)>> {
        let front = &mut self.front;
        if !front.positioned {
            front.positioned = true;
            match &self.start {
                Bound::Unbounded => front.cursor.seek_to_first()?,
                // The newest possible version of `key` is the first entry of it.
                Bound::Included(key) | Bound::Excluded(key) => {
                    front.cursor.seek(key, Timestamp::MAX)?
                }
            }
        }
        while front.cursor.valid() {
            let key = front.cursor.user_key().to_vec();
            if !within_end(&self.end, &key) {
                break;
            }
            if let Some(stop) = &self.back.last_yielded {
                if key >= *stop {
                    break;
                }
            }
            // A key under a range tombstone: first seek the sources holding
            // only older versions there past the whole covered range.
            let mut covering: Option<Timestamp> = None;
            if let Some((at, range)) = covered_range::<TOMBSTONES>(&self.tombstones, &key) {
                if front.sought_past != Some(at) {
                    front.sought_past = Some(at);
                    front
                        .cursor
                        .skip_older(&key, range.end.as_deref(), range.timestamp)?;
                    continue;
                }
                covering = Some(range.timestamp);
            }
            let skip_key = matches!(&self.start, Bound::Excluded(s) if *s == key);
            // Versions of `key` arrive newest first: the first one at or below
            // the snapshot is the visible one; the rest are older and hidden.
            let mut visible: Option<Option<Slice>> = None;
            while front.cursor.valid() && same_key(front.cursor.user_key(), &key) {
                let entry = &front.cursor;
                let timestamp = entry.timestamp();
                if visible.is_none() && timestamp <= self.snapshot {
                    visible = Some(match entry.operation() {
                        Operation::Put if !(TOMBSTONES && older(timestamp, covering)) => {
                            Some(entry.value_slice())
                        }
                        _ => None,
                    });
                }
                front.cursor.next()?;
            }
            if let (false, Some(Some(value))) = (skip_key, visible) {
                remember(&mut front.last_yielded, &key);
                return Ok(Some((Slice::from(key), value)));
            }
        }
        Ok(None)
    }

    /// The mirror of [`walk_forward`](Self::walk_forward).
    fn walk_backward<const TOMBSTONES: bool>(&mut self) -> Result<Option<(Slice, Slice)>> {
        let back = &mut self.back;
        if !back.positioned {
            back.positioned = true;
            match &self.end {
                Bound::Unbounded => back.cursor.seek_to_last()?,
                // The oldest possible version of `key` is the last entry of it.
                Bound::Included(key) | Bound::Excluded(key) => back.cursor.seek_for_prev(key, 0)?,
            }
        }
        while back.cursor.valid() {
            let key = back.cursor.user_key().to_vec();
            if !within_start(&self.start, &key) {
                break;
            }
            if let Some(stop) = &self.front.last_yielded {
                if key <= *stop {
                    break;
                }
            }
            let mut covering: Option<Timestamp> = None;
            if let Some((at, range)) = covered_range::<TOMBSTONES>(&self.tombstones, &key) {
                if back.sought_past != Some(at) {
                    back.sought_past = Some(at);
                    back.cursor.skip_older_back(
                        &range.start,
                        range.end.as_deref(),
                        range.timestamp,
                    )?;
                    continue;
                }
                covering = Some(range.timestamp);
            }
            let skip_key = matches!(&self.end, Bound::Excluded(e) if *e == key);
            // Walking backwards, versions of `key` arrive oldest first: the
            // last one at or below the snapshot is the visible one.
            let mut visible: Option<Option<Slice>> = None;
            while back.cursor.valid() && same_key(back.cursor.user_key(), &key) {
                let entry = &back.cursor;
                let timestamp = entry.timestamp();
                if timestamp <= self.snapshot {
                    visible = Some(match entry.operation() {
                        Operation::Put if !(TOMBSTONES && older(timestamp, covering)) => {
                            Some(entry.value_slice())
                        }
                        _ => None,
                    });
                }
                back.cursor.prev()?;
            }
            if let (false, Some(Some(value))) = (skip_key, visible) {
                remember(&mut back.last_yielded, &key);
                return Ok(Some((Slice::from(key), value)));
            }
        }
        Ok(None)
    }

    fn finish(&mut self, step: Result<Option<(Slice, Slice)>>) -> Option<Result<(Slice, Slice)>> {
        finish(&mut self.done, step)
    }
}

/// A step of a fused scan as its iterator yields it: the item, or `None`
/// at the end, or the error; the end and an error finish the scan
/// (`done`).
pub(crate) fn finish<T>(done: &mut bool, step: Result<Option<T>>) -> Option<Result<T>> {
    match step {
        Ok(Some(item)) => Some(Ok(item)),
        Ok(None) => {
            *done = true;
            None
        }
        Err(e) => {
            *done = true;
            Some(Err(e))
        }
    }
}

/// The covered range over `key` and its index, when the scan sees range
/// tombstones (`TOMBSTONES`: known at compile time, so the walk without
/// them has no check).
fn covered_range<'t, const TOMBSTONES: bool>(
    tombstones: &'t Option<ScanTombstones>,
    key: &[u8],
) -> Option<(usize, &'t CoveredRange)> {
    if !TOMBSTONES {
        return None;
    }
    tombstones.as_ref().and_then(|t| t.range_at(key))
}

/// Whether a version at `version` is older than the range tombstone at
/// `covering` over its key, and so hidden by it.
fn older(version: Timestamp, covering: Option<Timestamp>) -> bool {
    covering.is_some_and(|c| version < c)
}

/// Whether two user keys are equal: one call per entry of a scan, so it
/// checks the lengths first and compares eight bytes at a time.
fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && compare_user_keys(a, b).is_eq()
}

/// Stores `key` as an end's last yielded key, reusing the buffer of the
/// previous one: a scan yields millions of keys, and each would otherwise
/// cost an allocation here on top of the one it hands to the caller.
fn remember(last: &mut Option<Key>, key: &[u8]) {
    match last {
        Some(buffer) => {
            buffer.clear();
            buffer.extend_from_slice(key);
        }
        None => *last = Some(key.to_vec()),
    }
}

fn within_end(end: &Bound<Key>, key: &[u8]) -> bool {
    match end {
        Bound::Unbounded => true,
        Bound::Included(e) => key <= e.as_slice(),
        Bound::Excluded(e) => key < e.as_slice(),
    }
}

fn within_start(start: &Bound<Key>, key: &[u8]) -> bool {
    match start {
        Bound::Unbounded => true,
        Bound::Included(s) => key >= s.as_slice(),
        Bound::Excluded(s) => key > s.as_slice(),
    }
}

impl Iterator for Scan {
    /// A key and its value, both [`Slice`]s; a value read from a cached
    /// block shares it instead of being copied.
    type Item = Result<(Slice, Slice)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.next_forward();
        self.finish(step)
    }
}

impl DoubleEndedIterator for Scan {
    fn next_back(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let step = self.next_backward();
        self.finish(step)
    }
}

impl std::iter::FusedIterator for Scan {}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tombstone_tests;
