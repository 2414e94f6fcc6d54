//! A MemTable's range tombstones, kept beside the skip list.
//!
//! A range delete is not an entry of the skip list: a tombstone over
//! `[a, z)` could not be found by a search for `m`. The MemTable keeps its
//! range deletes in a list of their own, and hands readers that list cut
//! into [`FragmentedTombstones`], built on the first read after a change and
//! cached until the next range delete (RocksDB caches its MemTable's
//! fragmented list the same way, because fragmenting on every read is the
//! cost).
//!
//! A MemTable without range deletes costs a reader one atomic load.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use ferrisdb_core::RangeTombstone;

use super::{InsertError, MemTable};
use crate::range_del::fragments::FragmentedTombstones;
use crate::{Key, Timestamp};

/// The range tombstones of one MemTable.
#[derive(Debug, Default)]
pub(super) struct RangeTombstones {
    /// Every range delete in the table, and its fragments once a reader has
    /// asked for them since the last insert.
    state: Mutex<State>,
    /// `state.raw.len()`, readable without the lock.
    count: AtomicUsize,
}

#[derive(Debug, Default)]
struct State {
    raw: Vec<RangeTombstone>,
    fragmented: Option<Arc<FragmentedTombstones>>,
}

impl RangeTombstones {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic while the lock was held left `raw` whole (a push either
        // happened or not) and `fragmented` either valid or cleared.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, tombstone: RangeTombstone) {
        let mut state = self.state();
        state.raw.push(tombstone);
        state.fragmented = None;
        // Release, under the lock: a reader that loads the new count (Acquire)
        // and then takes the lock sees the push; the lock orders the rest.
        self.count.store(state.raw.len(), Ordering::Release);
    }

    /// Inlined into every read: without range deletes it is one load.
    #[inline]
    fn fragmented(&self) -> Option<Arc<FragmentedTombstones>> {
        // Acquire pairs with the Release in `insert`. A reader that sees 0
        // runs before the insert in every order a caller can observe: the
        // engine makes a range delete visible to reads only after it is
        // inserted (the visible timestamp is published after the insert).
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.fragment()
    }

    /// The fragments, built under the lock if an insert cleared them.
    fn fragment(&self) -> Option<Arc<FragmentedTombstones>> {
        let mut state = self.state();
        if state.fragmented.is_none() {
            state.fragmented = Some(Arc::new(FragmentedTombstones::from_tombstones(
                state.raw.clone(),
            )));
        }
        state.fragmented.clone()
    }

    fn len(&self) -> usize {
        self.count.load(Ordering::Acquire)
    }
}

impl MemTable {
    /// Records that every key in `[start, end)` (`end: None`: no upper bound)
    /// is deleted as of `timestamp`: versions older than `timestamp` are
    /// hidden, newer ones are not.
    ///
    /// The tombstone is charged [`entry_size`](Self::entry_size)`(start,
    /// end)` against the table's size, like an entry.
    ///
    /// # Errors
    ///
    /// - [`InsertError::Full`] if it does not fit; nothing is recorded.
    /// - [`InsertError::TooLong`] if a bound is longer than `u32::MAX` bytes.
    pub fn delete_range(
        &self,
        start: Key,
        end: Option<Key>,
        timestamp: Timestamp,
    ) -> Result<(), InsertError> {
        let end_len = end.as_ref().map_or(0, Vec::len);
        for (what, len) in [("key", start.len()), ("range end", end_len)] {
            if u32::try_from(len).is_err() {
                return Err(InsertError::TooLong { what, len });
            }
        }
        self.reserve(Self::entry_size(start.len(), end_len))?;
        self.range_tombstones
            .insert(RangeTombstone::new(start, end, timestamp));
        Ok(())
    }

    /// The table's range tombstones, fragmented; `None` when it has none (the
    /// common case, one atomic load).
    #[inline]
    pub(crate) fn range_tombstones(&self) -> Option<Arc<FragmentedTombstones>> {
        self.range_tombstones.fragmented()
    }

    /// The number of range deletes in the table.
    pub fn range_delete_count(&self) -> usize {
        self.range_tombstones.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_delete_is_charged_and_found_by_its_readers() {
        let table = MemTable::new(4096);
        assert!(table.range_tombstones().is_none());
        assert!(table.is_empty());
        table
            .delete_range(b"b".to_vec(), Some(b"d".to_vec()), 5)
            .unwrap();
        assert!(
            !table.is_empty(),
            "a table of only a range delete must still be flushed"
        );
        assert_eq!(table.memory_usage(), MemTable::entry_size(1, 1));
        let first = table.range_tombstones().unwrap();
        assert_eq!(first.covering(b"c", 9), Some(5));
        assert!(
            Arc::ptr_eq(&first, &table.range_tombstones().unwrap()),
            "cached"
        );
        table.delete_range(b"a".to_vec(), None, 7).unwrap();
        let second = table.range_tombstones().unwrap();
        assert_eq!(second.covering(b"c", 9), Some(7));
        assert_eq!(second.covering(b"c", 6), Some(5));
        assert_eq!(table.range_delete_count(), 2);
    }

    #[test]
    fn a_range_delete_that_does_not_fit_records_nothing() {
        let table = MemTable::new(MemTable::entry_size(1, 1));
        let err = table
            .delete_range(b"b".to_vec(), Some(b"dd".to_vec()), 5)
            .unwrap_err();
        assert!(matches!(err, InsertError::Full { .. }));
        assert!(table.range_tombstones().is_none());
        assert_eq!(table.memory_usage(), 0);
    }

    #[test]
    fn concurrent_range_deletes_and_reads_see_every_finished_delete() {
        let table = Arc::new(MemTable::new(1 << 20));
        std::thread::scope(|s| {
            for writer in 0..4u8 {
                let table = &table;
                s.spawn(move || {
                    for i in 0..50u64 {
                        let ts = u64::from(writer) * 100 + i + 1;
                        table
                            .delete_range(vec![writer], Some(vec![writer, 1]), ts)
                            .unwrap();
                        let seen = table.range_tombstones().unwrap();
                        assert!(seen.covering(&[writer], u64::MAX).unwrap() >= ts);
                    }
                });
            }
        });
        assert_eq!(table.range_delete_count(), 200);
    }
}
