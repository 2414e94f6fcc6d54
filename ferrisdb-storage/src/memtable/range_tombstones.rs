//! A MemTable's range tombstones, kept beside the skip list.
//!
//! A range delete is not an entry of the skip list: a tombstone over
//! `[a, z)` could not be found by a search for `m`. The MemTable keeps its
//! range deletes in runs, each cut into [`FragmentedTombstones`] once, and
//! hands readers the runs ([`MemTableTombstones`]). A new range delete is a
//! run of its own, and two runs of about the same size merge into one, as a
//! binary counter carries: a MemTable of `n` range deletes holds at most
//! `log2(n) + 1` runs, a read asks each in `O(log n)`, and each delete is
//! re-fragmented `O(log n)` times over the MemTable's life, whatever the
//! reads in between. (Re-fragmenting the whole list on the first read after
//! each delete, as a single cached list does, costs a read after each of
//! `n` deletes `O(n^2)` in all.)
//!
//! Readers take the runs without a lock: a MemTable without range deletes
//! costs one atomic load, one with some an `ArcSwap` load.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use arc_swap::ArcSwapOption;
use ferrisdb_core::RangeTombstone;

use super::{InsertError, MemTable};
use crate::range_del::fragments::FragmentedTombstones;
use crate::{Key, Timestamp};

/// A MemTable's range tombstones as a reader takes them: a few runs, each
/// fragmented.
#[derive(Debug)]
pub struct MemTableTombstones {
    runs: Vec<Arc<FragmentedTombstones>>,
}

impl MemTableTombstones {
    /// The newest tombstone timestamp at or below `read_ts` over `key`.
    pub fn covering(&self, key: &[u8], read_ts: Timestamp) -> Option<Timestamp> {
        self.runs
            .iter()
            .filter_map(|run| run.covering(key, read_ts))
            .max()
    }

    /// The runs: together, every range delete of the MemTable.
    pub fn runs(&self) -> &[Arc<FragmentedTombstones>] {
        &self.runs
    }

    /// Every range delete of the MemTable in one list (for a flush).
    pub fn merged(&self) -> FragmentedTombstones {
        FragmentedTombstones::merge(self.runs.iter().map(Arc::as_ref))
    }
}

/// The range tombstones of one MemTable.
#[derive(Debug, Default)]
pub(super) struct RangeTombstones {
    /// The runs' tombstones, as inserted, oldest run first; writers only.
    runs: Mutex<Vec<Vec<RangeTombstone>>>,
    /// The runs, fragmented, as readers take them; replaced whole.
    published: ArcSwapOption<MemTableTombstones>,
    /// The number of range deletes, readable without a load of `published`.
    count: AtomicUsize,
}

impl RangeTombstones {
    fn runs(&self) -> MutexGuard<'_, Vec<Vec<RangeTombstone>>> {
        // A panic while the lock was held left every run whole: a run is
        // pushed, or two are replaced by their merge, in one step.
        self.runs.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn insert(&self, tombstone: RangeTombstone) {
        let mut runs = self.runs();
        runs.push(vec![tombstone]);
        // Carry: the newest run merges into the one before while it is at
        // least as large, so sizes at least halve from oldest to newest.
        while runs.len() >= 2 && runs[runs.len() - 2].len() <= runs[runs.len() - 1].len() {
            let newer = runs.pop().unwrap_or_default();
            runs.last_mut().expect("two runs").extend(newer);
        }
        // Only the last run changed: the runs before it keep their
        // fragments, and it is fragmented once, whatever it carried.
        let mut fragmented: Vec<Arc<FragmentedTombstones>> = self
            .published
            .load_full()
            .map(|p| p.runs.clone())
            .unwrap_or_default();
        fragmented.truncate(runs.len() - 1);
        let last = runs.last().cloned().unwrap_or_default();
        fragmented.push(Arc::new(FragmentedTombstones::from_tombstones(last)));
        let count = runs.iter().map(Vec::len).sum();
        self.published
            .store(Some(Arc::new(MemTableTombstones { runs: fragmented })));
        // Release, after the store, under the lock: a reader that loads the
        // new count (Acquire) then loads `published` and finds these runs.
        self.count.store(count, Ordering::Release);
    }

    /// Inlined into every read: without range deletes it is one load.
    #[inline]
    fn fragmented(&self) -> Option<Arc<MemTableTombstones>> {
        // Acquire pairs with the Release in `insert`. A reader that sees 0
        // runs before the insert in every order a caller can observe: the
        // engine makes a range delete visible to reads only after it is
        // inserted (the visible timestamp is published after the insert).
        if self.count.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.published.load_full()
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

    /// The table's range tombstones, in fragmented runs; `None` when it has
    /// none (the common case, one atomic load).
    #[inline]
    pub(crate) fn range_tombstones(&self) -> Option<Arc<MemTableTombstones>> {
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
    fn runs_carry_like_a_binary_counter_and_answer_as_one_list() {
        let table = MemTable::new(1 << 24);
        let mut all = Vec::new();
        for i in 0..300u64 {
            let (start, end) = (i * 7 % 101, i * 7 % 101 + 1 + i % 13);
            let end = (i % 50 != 0).then(|| vec![end as u8]);
            table
                .delete_range(vec![start as u8], end.clone(), i + 1)
                .unwrap();
            all.push(RangeTombstone::new(vec![start as u8], end, i + 1));
            let runs = table.range_tombstones().unwrap();
            let n = (i + 1) as f64;
            assert!(
                runs.runs().len() <= n.log2() as usize + 1,
                "{} runs",
                runs.runs().len()
            );
            for key in [i as u8, (i * 3 % 120) as u8] {
                for read_ts in [i / 2, i + 1] {
                    let want = all
                        .iter()
                        .filter(|t| t.covers(&[key]) && t.timestamp <= read_ts)
                        .map(|t| t.timestamp)
                        .max();
                    assert_eq!(runs.covering(&[key], read_ts), want);
                }
            }
        }
        let merged = table.range_tombstones().unwrap().merged();
        assert_eq!(merged, FragmentedTombstones::from_tombstones(all));
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
