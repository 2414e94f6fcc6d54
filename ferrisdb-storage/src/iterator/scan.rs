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
//! A key can have thousands of versions (a hot key, updated again and
//! again, until compaction drops what no reader sees), so the walk does
//! not step over all of them: after a few steps over versions of one key
//! it does not need, it seeks to the visible one or past the key, moving
//! only the sources on that key (`scan/walk.rs`).
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
//! so every key is returned exactly once. The back end's cursor is made on
//! the first step from the back: most scans are read forwards only, and a
//! merge costs a cursor per source and a handle on every table of a level.

use std::ops::Bound;

use super::merge::MergingCursor;
use crate::range_del::view::ScanTombstones;
use crate::{Key, Result, Slice, Timestamp};

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
pub struct Scan {
    front: End,
    /// `None` until the scan is first read from the back.
    back: Option<End>,
    /// Makes the back end's merge, of the same sources as the front's.
    make_back: MakeMerge,
    snapshot: Timestamp,
    start: Bound<Key>,
    end: Bound<Key>,
    /// The range tombstones the scan sees; `None` when it sees none.
    tombstones: Option<ScanTombstones>,
    done: bool,
}

/// Makes a merged view of a scan's sources.
pub(crate) type MakeMerge = Box<dyn Fn() -> MergingCursor + Send>;

impl std::fmt::Debug for Scan {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scan")
            .field("front", &self.front)
            .field("back", &self.back)
            .field("snapshot", &self.snapshot)
            .field("start", &self.start)
            .field("end", &self.end)
            .field("tombstones", &self.tombstones)
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
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
    /// walked forwards, and the one `backward` makes for the back end,
    /// walked backwards, made when the scan is first read from the back.
    ///
    /// `tombstones` are the range tombstones of those sources the scan sees
    /// (see [`ScanTombstones::new`]).
    ///
    /// REQUIRES: `forward` and every merge `backward` makes merge the same
    /// sources.
    pub(crate) fn new(
        forward: MergingCursor,
        backward: MakeMerge,
        snapshot: Timestamp,
        (start, end): (Bound<Key>, Bound<Key>),
        tombstones: Option<ScanTombstones>,
    ) -> Scan {
        Scan {
            front: End::new(forward),
            back: None,
            make_back: backward,
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

    fn finish(&mut self, step: Result<Option<(Slice, Slice)>>) -> Option<Result<(Slice, Slice)>> {
        finish(&mut self.done, step)
    }
}

impl End {
    fn new(cursor: MergingCursor) -> End {
        End {
            cursor,
            positioned: false,
            last_yielded: None,
            sought_past: None,
        }
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

mod walk;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tombstone_tests;
#[cfg(test)]
mod version_tests;
