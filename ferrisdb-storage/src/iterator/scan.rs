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
//! A `Scan` can be consumed from both ends ([`DoubleEndedIterator`]). It holds
//! one merging cursor per end; each end remembers the last key it yielded, and
//! an end stops as soon as it reaches a key the other end has already yielded,
//! so every key is returned exactly once.

use std::ops::Bound;

use ferrisdb_core::compare_user_keys;

use super::merge::MergingCursor;
use super::Cursor;
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
    done: bool,
}

#[derive(Debug)]
struct End {
    cursor: MergingCursor,
    positioned: bool,
    /// The last key this end yielded; the other end stops before reaching it.
    last_yielded: Option<Key>,
}

impl Scan {
    /// A scan of `[start, end]` (as the bounds say) at `snapshot`, over two
    /// merged views of the same sources: `forward` for the front end,
    /// walked forwards, and `backward` for the back end, walked backwards.
    ///
    /// REQUIRES: `forward` and `backward` merge the same sources.
    pub(crate) fn new(
        forward: MergingCursor,
        backward: MergingCursor,
        snapshot: Timestamp,
        start: Bound<Key>,
        end: Bound<Key>,
    ) -> Scan {
        let end_of = |cursor| End {
            cursor,
            positioned: false,
            last_yielded: None,
        };
        Scan {
            front: end_of(forward),
            back: end_of(backward),
            snapshot,
            start,
            end,
            done: false,
        }
    }

    /// The snapshot timestamp this scan reads at.
    pub fn timestamp(&self) -> Timestamp {
        self.snapshot
    }

    fn next_forward(&mut self) -> Result<Option<(Slice, Slice)>> {
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
            let skip_key = matches!(&self.start, Bound::Excluded(s) if *s == key);
            // Versions of `key` arrive newest first: the first one at or below
            // the snapshot is the visible one; the rest are older and hidden.
            let mut visible: Option<Option<Slice>> = None;
            while front.cursor.valid() && same_key(front.cursor.user_key(), &key) {
                let entry = &front.cursor;
                if visible.is_none() && entry.timestamp() <= self.snapshot {
                    visible = Some(match entry.operation() {
                        Operation::Put => Some(entry.value_slice()),
                        Operation::Delete => None,
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

    fn next_backward(&mut self) -> Result<Option<(Slice, Slice)>> {
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
            let skip_key = matches!(&self.end, Bound::Excluded(e) if *e == key);
            // Walking backwards, versions of `key` arrive oldest first: the
            // last one at or below the snapshot is the visible one.
            let mut visible: Option<Option<Slice>> = None;
            while back.cursor.valid() && same_key(back.cursor.user_key(), &key) {
                let entry = &back.cursor;
                if entry.timestamp() <= self.snapshot {
                    visible = Some(match entry.operation() {
                        Operation::Put => Some(entry.value_slice()),
                        Operation::Delete => None,
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
        match step {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
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
mod tests {
    use super::*;
    use crate::iterator::model::{Entry, VecCursor};
    use crate::InternalKey;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    use std::collections::BTreeMap;

    use ferrisdb_core::Value;

    /// Random writes to few keys, split over a few sources, with the model of
    /// the newest visible state at every timestamp.
    fn history(rng: &mut StdRng) -> (Vec<Vec<Entry>>, Vec<BTreeMap<Key, Value>>) {
        let sources_n = rng.random_range(1..4);
        let mut sources = vec![Vec::new(); sources_n];
        let mut states = vec![BTreeMap::new()];
        for ts in 1..rng.random_range(1..60u64) {
            let key = vec![rng.random_range(b'a'..b'h')];
            let mut state = states.last().cloned().unwrap_or_default();
            let entry = if rng.random_bool(0.3) {
                state.remove(&key);
                (InternalKey::new(key, ts), Operation::Delete, Vec::new())
            } else {
                let value = format!("v{ts}").into_bytes();
                state.insert(key.clone(), value.clone());
                (InternalKey::new(key, ts), Operation::Put, value)
            };
            sources[rng.random_range(0..sources_n)].push(entry);
            states.push(state);
        }
        (sources, states)
    }

    fn owned(item: Result<(Slice, Slice)>) -> (Key, Value) {
        let (key, value) = item.unwrap();
        (key.to_vec(), value.to_vec())
    }

    fn scan(sources: &[Vec<Entry>], snapshot: u64, start: Bound<Key>, end: Bound<Key>) -> Scan {
        let cursor = || {
            let children = sources
                .iter()
                .map(|s| Box::new(VecCursor::new(s.clone())) as Box<dyn Cursor>)
                .collect();
            MergingCursor::new(children)
        };
        Scan::new(cursor(), cursor(), snapshot, start, end)
    }

    fn random_bound(rng: &mut StdRng) -> Bound<Key> {
        let key = vec![rng.random_range(b'a'..b'i')];
        match rng.random_range(0..3) {
            0 => Bound::Unbounded,
            1 => Bound::Included(key),
            _ => Bound::Excluded(key),
        }
    }

    #[test]
    fn scan_matches_the_model_at_every_snapshot_from_both_ends() {
        let mut rng = StdRng::seed_from_u64(99);
        for _ in 0..400 {
            let (sources, states) = history(&mut rng);
            let snapshot = rng.random_range(0..states.len());
            let (start, end) = (random_bound(&mut rng), random_bound(&mut rng));
            let expected: Vec<(Key, Value)> = states[snapshot]
                .iter()
                .filter(|(k, _)| within_start(&start, k) && within_end(&end, k))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();

            let forward: Vec<_> = scan(&sources, snapshot as u64, start.clone(), end.clone())
                .map(owned)
                .collect();
            assert_eq!(forward, expected);

            let mut backward: Vec<_> = scan(&sources, snapshot as u64, start.clone(), end.clone())
                .rev()
                .map(owned)
                .collect();
            backward.reverse();
            assert_eq!(backward, expected);

            // Alternate ends at random: every key exactly once, in order.
            let mut s = scan(&sources, snapshot as u64, start, end);
            let (mut head, mut tail) = (Vec::new(), Vec::new());
            loop {
                let (item, side) = if rng.random_bool(0.5) {
                    (s.next(), &mut head)
                } else {
                    (s.next_back(), &mut tail)
                };
                match item {
                    Some(kv) => side.push(owned(kv)),
                    None => break,
                }
            }
            tail.reverse();
            head.extend(tail);
            assert_eq!(head, expected);
        }
    }
}
