//! The set of live snapshots, which compaction must respect.
//!
//! A snapshot is a timestamp: it sees, for each key, the newest version at or
//! below it. Compaction may drop an old version only if no live snapshot can
//! see it, so the engine keeps every live snapshot's timestamp here, counted
//! (two snapshots may share a timestamp), and compaction asks for the list.

use std::collections::BTreeMap;
use std::sync::Mutex;

use crate::Timestamp;

/// Live snapshot timestamps with their reference counts.
#[derive(Debug, Default)]
pub(crate) struct SnapshotList {
    live: Mutex<BTreeMap<Timestamp, usize>>,
}

impl SnapshotList {
    fn live(&self) -> std::sync::MutexGuard<'_, BTreeMap<Timestamp, usize>> {
        // The map is left consistent by every operation, so a panic elsewhere
        // while it was locked does not make it unusable.
        self.live
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Records a new snapshot at the timestamp `visible` returns, read while
    /// holding the list's lock, and returns it.
    ///
    /// Taking the timestamp and recording it as one step is what keeps a
    /// compaction from dropping a version the snapshot sees. A compaction
    /// reads this list (under the same lock) before it merges. If it read it
    /// after the snapshot was recorded, it keeps the snapshot's versions. If
    /// before, the snapshot's timestamp was loaded after the compaction
    /// chose its input tables, so it is at or above every timestamp in them
    /// (each was visible before its MemTable was frozen), and the newest
    /// version of each key, which the snapshot sees, is kept anyway. Loaded
    /// before the lock, the timestamp could be older than a compaction that
    /// missed it in the list.
    pub(crate) fn acquire(&self, visible: impl FnOnce() -> Timestamp) -> Timestamp {
        let mut live = self.live();
        let timestamp = visible();
        *live.entry(timestamp).or_insert(0) += 1;
        timestamp
    }

    /// Forgets one snapshot at `timestamp`. Returns whether that was the
    /// last one at it: then compaction may drop what only it could read.
    ///
    /// REQUIRES: a matching `acquire(timestamp)` that was not yet released.
    pub(crate) fn release(&self, timestamp: Timestamp) -> bool {
        let mut live = self.live();
        let count = live.get_mut(&timestamp);
        debug_assert!(count.is_some(), "release of unknown snapshot {timestamp}");
        if let Some(count) = count {
            *count -= 1;
            if *count == 0 {
                live.remove(&timestamp);
                return true;
            }
        }
        false
    }

    /// The number of live snapshots, two at one timestamp counted twice.
    pub(crate) fn len(&self) -> usize {
        self.live().values().sum()
    }

    /// Every live snapshot timestamp, ascending, without duplicates.
    pub(crate) fn timestamps(&self) -> Vec<Timestamp> {
        self.live().keys().copied().collect()
    }

    /// Every live snapshot timestamp and the one `visible` returns, read
    /// under the list's lock, ascending, without duplicates: every
    /// timestamp a reader can read at from now on is one of the snapshots,
    /// or at or above `visible`'s, since a snapshot taken later is recorded
    /// with a later load of it (see [`acquire`](Self::acquire)).
    pub(crate) fn timestamps_and(&self, visible: impl FnOnce() -> Timestamp) -> Vec<Timestamp> {
        let live = self.live();
        let now = visible();
        let mut timestamps: Vec<Timestamp> = live.keys().copied().filter(|&t| t < now).collect();
        timestamps.push(now);
        timestamps.extend(live.keys().copied().filter(|&t| t > now));
        timestamps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_shared_timestamps_and_forgets_released_ones() {
        let list = SnapshotList::default();
        assert_eq!(list.acquire(|| 7), 7);
        list.acquire(|| 3);
        list.acquire(|| 7);
        assert_eq!(list.timestamps(), [3, 7]);
        assert!(!list.release(7));
        assert_eq!(list.timestamps(), [3, 7]);
        assert!(list.release(7));
        assert!(list.release(3));
        assert!(list.timestamps().is_empty());
    }

    #[test]
    fn the_visible_timestamp_joins_the_snapshots_in_order() {
        let list = SnapshotList::default();
        assert_eq!(list.timestamps_and(|| 9), [9]);
        list.acquire(|| 3);
        list.acquire(|| 7);
        assert_eq!(list.timestamps_and(|| 9), [3, 7, 9]);
        assert_eq!(list.timestamps_and(|| 7), [3, 7]);
        assert_eq!(list.timestamps_and(|| 5), [3, 5, 7]);
    }
}
