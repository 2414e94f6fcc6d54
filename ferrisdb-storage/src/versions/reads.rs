//! The two reads of a [`SuperVersion`] at a timestamp, which every read of
//! the engine, its keyspaces and its snapshots comes down to: the point
//! lookup through MemTables and tables ([`SuperVersion::get`]) and the
//! merged scan ([`SuperVersion::scan`]), both honouring range tombstones.
//!
//! A range tombstone hides the versions of its keys strictly older than
//! itself, in its own source and every older one. `get` asks each source,
//! newest first, for the newest version at or below the read's timestamp
//! and for the newest tombstone over the key it sees: a version at least as
//! new as that tombstone decides; otherwise the key is deleted, and the
//! older sources, which hold only older versions, are not asked. A scan
//! gathers every source's tombstones it sees into one
//! [`ScanTombstones`] and hands it to the [`Scan`].
//!
//! Without range tombstones each costs one atomic load per MemTable and one
//! `is_empty` per table it consults, and allocates nothing more.

use std::ops::Bound;
use std::sync::Arc;

use ferrisdb_core::hash::key_hash;

use super::SuperVersion;
use crate::iterator::merge::MergingCursor;
use crate::iterator::scan::Scan;
use crate::iterator::Cursor;
use crate::memtable::{MemTable, MemTableCursor};
use crate::range_del::fragments::FragmentedTombstones;
use crate::range_del::view::ScanTombstones;
use crate::{Key, Operation, ReadOptions, Result, Slice, Timestamp};

impl SuperVersion {
    /// The value of `key` at `timestamp`, or `None` if it is absent or
    /// deleted: MemTables first, then tables, stopping at the first version,
    /// tombstone or covering range tombstone that decides.
    ///
    /// A MemTable's range tombstones are asked whether or not its filter
    /// rules the key out: a range delete holds no key for a filter to know.
    ///
    /// # Errors
    ///
    /// The error of reading a table (see [`Version::get`](super::Version::get)).
    #[inline]
    pub(crate) fn get(
        &self,
        key: &[u8],
        timestamp: Timestamp,
        options: &ReadOptions,
    ) -> Result<Option<Slice>> {
        // Hashed once for every filter on the way, the MemTables' and the tables'.
        let hash = key_hash(key);
        for memtable in self.memtables() {
            // One atomic load for a MemTable without range deletes.
            if let Some(covering) = memtable
                .range_tombstones()
                .and_then(|t| t.covering(key, timestamp))
            {
                return newest_unless_covered(memtable, key, timestamp, covering);
            }
            if let Some((value, operation)) = memtable.get_hashed(key, hash, timestamp) {
                return Ok(match operation {
                    Operation::Put => Some(value),
                    Operation::Delete => None,
                });
            }
        }
        Ok(self
            .version
            .get(key, hash, timestamp, options)?
            .filter(|entry| entry.operation == Operation::Put)
            .map(|entry| entry.value))
    }

    /// The scan of `range` at `timestamp` over every MemTable and table, its
    /// tables read as `options` says, hiding what the range tombstones of
    /// those sources hide.
    pub(crate) fn scan(
        self: &Arc<Self>,
        timestamp: Timestamp,
        range: (Bound<Key>, Bound<Key>),
        options: &ReadOptions,
    ) -> Scan {
        let lists = self.range_tombstones();
        let tombstones = ScanTombstones::new(lists.iter().map(Arc::as_ref), timestamp, &range);
        // One merge per end of the scan, so neither ever turns around; the
        // back end's is made only if the scan is read from the back.
        let (sources, back_options) = (Arc::clone(self), options.clone());
        let backward = Box::new(move || sources.merge(&back_options));
        Scan::new(self.merge(options), backward, timestamp, range, tombstones)
    }

    /// Every MemTable and table merged into one cursor, its tables read as
    /// `options` says.
    fn merge(&self, options: &ReadOptions) -> MergingCursor {
        let mut children: Vec<Box<dyn Cursor>> = Vec::new();
        for memtable in self.memtables() {
            children.push(Box::new(MemTableCursor::new(memtable)));
        }
        self.version.cursors(options, &mut children);
        MergingCursor::new(children)
    }

    /// The range tombstones of every MemTable and table that has some, in
    /// read order: what a scan gathers its [`ScanTombstones`] from. Without
    /// range deletes it is empty and allocates nothing.
    fn range_tombstones(&self) -> Vec<Arc<FragmentedTombstones>> {
        let mut lists: Vec<Arc<FragmentedTombstones>> = Vec::new();
        for memtable in self.memtables() {
            if let Some(tombstones) = memtable.range_tombstones() {
                lists.extend(tombstones.runs().iter().cloned());
            }
        }
        lists.extend(
            self.version
                .tables()
                .map(|t| t.range_tombstones())
                .filter(|l| !l.is_empty())
                .cloned(),
        );
        lists
    }

    /// The active MemTable, then the frozen ones, newest first.
    fn memtables(&self) -> impl Iterator<Item = &Arc<MemTable>> {
        std::iter::once(&self.active).chain(self.frozen.iter().map(|f| &f.memtable))
    }
}

/// The value of `key` in `memtable` at `timestamp`, whose range tombstone at
/// `covering` covers the key: its newest version at or below `timestamp` if
/// that is a value at least as new as the tombstone, else `None` (deleted).
fn newest_unless_covered(
    memtable: &Arc<MemTable>,
    key: &[u8],
    timestamp: Timestamp,
    covering: Timestamp,
) -> Result<Option<Slice>> {
    // A cursor, not `get`: the version's timestamp decides.
    let mut cursor = MemTableCursor::new(memtable);
    cursor.seek(key, timestamp)?;
    let wins = cursor.valid()
        && cursor.user_key() == key
        && cursor.timestamp() >= covering
        && cursor.operation() == Operation::Put;
    Ok(wins.then(|| cursor.value_slice()))
}

#[cfg(test)]
mod tests;
