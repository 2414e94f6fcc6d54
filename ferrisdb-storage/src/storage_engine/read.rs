//! The reads: [`StorageEngine::get`], [`scan`](StorageEngine::scan),
//! [`scan_prefix`](StorageEngine::scan_prefix) and
//! [`snapshot`](StorageEngine::snapshot), the [`Snapshot`] the last one
//! returns, and the two read paths all of them share at a timestamp: the
//! point lookup through MemTables and tables (`get_at`) and the merged scan
//! (`scan_at`).

use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use super::StorageEngine;
use crate::engine::cursors::MemTableCursor;
use crate::engine::{Inner, SuperVersion};
use crate::iterator::merge::{Direction, MergingCursor};
use crate::iterator::scan::Scan;
use crate::iterator::Cursor;
use crate::{Key, Operation, Result, Timestamp, Value};

impl StorageEngine {
    /// The value of `key`, or `None` if it is absent or deleted.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        // The timestamp and the super version in one step: see `read_view`.
        let (timestamp, current) = self.inner.read_view();
        self.chose_timestamp();
        get_at(&current, key.as_ref(), timestamp)
    }

    /// A consistent read-only view of the database as of now.
    ///
    /// Writes after this call are invisible through it, and compaction keeps
    /// every version it can see for as long as it lives.
    pub fn snapshot(&self) -> Snapshot {
        // Registered as it is taken, so no compaction can miss it.
        let timestamp = self
            .inner
            .snapshots
            .acquire(|| self.inner.visible_timestamp());
        self.chose_timestamp();
        Snapshot {
            inner: Arc::clone(&self.inner),
            timestamp,
        }
    }

    /// The live pairs whose keys fall in `range`, in key order (and in
    /// reverse with `.rev()`), as of the moment of the call.
    ///
    /// ```no_run
    /// # let db: ferrisdb_storage::StorageEngine = unimplemented!();
    /// for item in db.scan("a".."m")? {
    ///     let (key, value) = item?;
    /// }
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn scan<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Result<Scan> {
        let (timestamp, current) = self.inner.read_view();
        self.chose_timestamp();
        Ok(scan_at(
            &current,
            timestamp,
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
        ))
    }

    /// The live pairs whose keys start with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        let (start, end) = prefix_bounds(prefix.as_ref());
        let (timestamp, current) = self.inner.read_view();
        self.chose_timestamp();
        Ok(scan_at(&current, timestamp, start, end))
    }
}

impl StorageEngine {
    /// Where a read has chosen its timestamp and not yet looked at any data:
    /// a pause point for tests, nothing in a real build.
    #[inline(always)]
    fn chose_timestamp(&self) {
        #[cfg(feature = "test-hooks")]
        self.read_pause.reached();
    }
}

/// A consistent read-only view of the database at one timestamp.
///
/// Made by [`StorageEngine::snapshot`]. While it lives, compaction keeps every
/// version it can see.
///
/// A snapshot may outlive its engine. After [`StorageEngine::close`] (or a
/// drop) it keeps reading its view from the MemTables and open table files it
/// holds, and it does not hold the directory's lock: the database can be
/// reopened meanwhile, and what the new instance writes or compacts away
/// changes nothing the snapshot returns. Until dropped it keeps that memory,
/// and the disk space of tables deleted since.
#[derive(Debug)]
pub struct Snapshot {
    inner: Arc<Inner>,
    timestamp: Timestamp,
}

impl Snapshot {
    /// The timestamp this snapshot reads at: it sees every write with a
    /// timestamp at or below it.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The value of `key` as of the snapshot.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Value>> {
        get_at(&self.inner.current(), key.as_ref(), self.timestamp)
    }

    /// The live pairs in `range` as of the snapshot.
    pub fn scan<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Result<Scan> {
        Ok(scan_at(
            &self.inner.current(),
            self.timestamp,
            owned_bound(range.start_bound()),
            owned_bound(range.end_bound()),
        ))
    }

    /// The live pairs whose keys start with `prefix`, as of the snapshot.
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        let (start, end) = prefix_bounds(prefix.as_ref());
        Ok(scan_at(&self.inner.current(), self.timestamp, start, end))
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.inner.snapshots.release(self.timestamp);
    }
}

/// The newest visible version of `key` at `timestamp`: MemTables first, then
/// tables, stopping at the first version or tombstone found.
fn get_at(current: &SuperVersion, key: &[u8], timestamp: Timestamp) -> Result<Option<Value>> {
    let memtables =
        std::iter::once(&current.active).chain(current.frozen.iter().map(|f| &f.memtable));
    for memtable in memtables {
        if let Some((value, operation)) = memtable.get(key, timestamp) {
            return Ok(match operation {
                Operation::Put => Some(value),
                Operation::Delete => None,
            });
        }
    }
    Ok(current
        .version
        .get(key, timestamp)?
        .filter(|entry| entry.operation == Operation::Put)
        .map(|entry| entry.value))
}

fn scan_at(
    current: &SuperVersion,
    timestamp: Timestamp,
    start: Bound<Key>,
    end: Bound<Key>,
) -> Scan {
    let cursors = |direction| {
        let mut children: Vec<Box<dyn Cursor>> = Vec::new();
        children.push(Box::new(MemTableCursor::new(&current.active)));
        for frozen in &current.frozen {
            children.push(Box::new(MemTableCursor::new(&frozen.memtable)));
        }
        current.version.cursors(&mut children);
        MergingCursor::new(children, direction)
    };
    Scan::new(
        cursors(Direction::Forward),
        cursors(Direction::Backward),
        timestamp,
        start,
        end,
    )
}

fn owned_bound<K: AsRef<[u8]>>(bound: Bound<&K>) -> Bound<Key> {
    match bound {
        Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
        Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// `[prefix, successor)`, where the successor is the prefix with its last
/// non-0xff byte incremented (and the 0xff bytes after it dropped); a prefix
/// of only 0xff bytes has no successor and the range is unbounded above.
fn prefix_bounds(prefix: &[u8]) -> (Bound<Key>, Bound<Key>) {
    let start = Bound::Included(prefix.to_vec());
    let mut successor = prefix.to_vec();
    while let Some(last) = successor.pop() {
        if last < u8::MAX {
            successor.push(last + 1);
            return (start, Bound::Excluded(successor));
        }
    }
    (start, Bound::Unbounded)
}

#[cfg(test)]
mod tests {
    use super::prefix_bounds;
    use std::ops::Bound;

    #[test]
    fn prefix_successor_increments_the_last_byte_that_can_be() {
        assert_eq!(prefix_bounds(b"ab").1, Bound::Excluded(b"ac".to_vec()));
        assert_eq!(
            prefix_bounds(b"a\xff\xff").1,
            Bound::Excluded(b"b".to_vec())
        );
        assert_eq!(prefix_bounds(b"\xff").1, Bound::Unbounded);
        assert_eq!(prefix_bounds(b"").1, Bound::Unbounded);
    }
}
