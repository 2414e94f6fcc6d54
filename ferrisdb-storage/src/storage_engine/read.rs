//! The reads: [`StorageEngine::get`], [`iter`](StorageEngine::iter),
//! [`scan`](StorageEngine::scan), [`scan_prefix`](StorageEngine::scan_prefix)
//! (each with an `_opt` twin taking [`ReadOptions`]) and
//! [`snapshot`](StorageEngine::snapshot), the reads as of now of a keyspace
//! they and the [`Keyspace`](super::Keyspace) handles share (`get_from`,
//! `scan_from`), and the two read paths all of them and
//! [`Snapshot`](super::Snapshot) share at a timestamp: the point lookup
//! through MemTables and tables (`get_at`) and the merged scan (`scan_at`).

use std::ops::{Bound, RangeBounds};
use std::sync::Arc;

use ferrisdb_core::range_tombstone::prefix_successor;

use super::{Snapshot, StorageEngine};
use crate::engine::Inner;
use crate::iterator::merge::MergingCursor;
use crate::iterator::scan::Scan;
use crate::telemetry;
use crate::versions::{KeyspaceVersions, SuperVersion};
use crate::{Key, ReadOptions, Result, Slice, Timestamp};

impl StorageEngine {
    /// The value of `key`, or `None` if it is absent or deleted.
    ///
    /// The value is a [`Slice`]: served from the block cache, it shares the
    /// cached block instead of copying it.
    ///
    /// # Errors
    ///
    /// A corruption or checksum error naming the table and offset of a
    /// damaged block; [`Error::Io`](crate::Error::Io) if reading a table
    /// failed; [`Error::Closed`](crate::Error::Closed) once the database is
    /// closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("user:1", "ada")?;
    /// let value = db.get("user:1")?.expect("written above");
    /// assert_eq!(value, "ada"); // a `Slice` compares with strings...
    /// assert_eq!(&value[..], b"ada"); // ...and derefs to bytes
    /// assert_eq!(db.get("user:2")?, None);
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        self.get_opt(key, &ReadOptions::default())
    }

    /// [`get`](Self::get), reading blocks as `options` says (whether they
    /// fill the cache, whether their checksums are verified).
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn get_opt(&self, key: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Option<Slice>> {
        let inner = self.inner()?;
        self.get_from(inner, &inner.default, key.as_ref(), options)
    }

    /// The value of `key` in keyspace `ks` of `inner` as of now: the one
    /// path of the point reads of the engine and of its keyspace handles.
    pub(super) fn get_from(
        &self,
        inner: &Inner,
        ks: &KeyspaceVersions,
        key: &[u8],
        options: &ReadOptions,
    ) -> Result<Option<Slice>> {
        let started = telemetry::start();
        // The timestamp and the super version in one step: see `read_view`.
        let (timestamp, current) = inner.read_view(ks);
        self.chose_timestamp();
        let value = get_at(&current, key, timestamp, options)?;
        telemetry::get_done(started, value.is_some());
        Ok(value)
    }

    /// A consistent read-only view of the database as of now.
    ///
    /// Writes after this call are invisible through it, and compaction keeps
    /// every version it can see for as long as it lives.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`](crate::Error::Closed) once the database is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("stock", "10")?;
    /// let snapshot = db.snapshot()?;
    /// db.put("stock", "9")?;
    /// db.put("sold", "1")?;
    ///
    /// assert_eq!(snapshot.get("stock")?.unwrap(), "10"); // as of the snapshot
    /// assert_eq!(snapshot.get("sold")?, None);
    /// assert_eq!(snapshot.iter()?.count(), 1);
    /// assert_eq!(db.get("stock")?.unwrap(), "9"); // as of now
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn snapshot(&self) -> Result<Snapshot> {
        let inner = self.inner()?;
        // Registered as it is taken, so no compaction can miss it.
        let (timestamp, pins) =
            inner.pinned(|| inner.snapshots.acquire(|| inner.visible_timestamp()));
        // The keyspaces after the timestamp: a keyspace is made before any
        // write to it, so every keyspace with a write at or below the
        // timestamp is in this set (the Acquire load of the timestamp sees
        // the set that write's publication followed). One made since holds
        // only later writes, so it reads empty through the snapshot, as a
        // keyspace made after it; one dropped since is dropped for it too.
        let keyspaces = inner.versions.keyspaces();
        self.chose_timestamp();
        Ok(Snapshot::new(Arc::clone(inner), timestamp, keyspaces, pins))
    }

    /// Every live pair of the database, in key order (and in reverse with
    /// `.rev()`), as of the moment of the call.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`](crate::Error::Closed) once the database is closed;
    /// the items are `Result`s for the errors of reading tables (see
    /// [`Scan`]).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// for (key, value) in [("b", "2"), ("c", "3"), ("a", "1")] {
    ///     db.put(key, value)?;
    /// }
    /// let mut pairs = Vec::new();
    /// for item in db.iter()? {
    ///     let (key, value) = item?;
    ///     pairs.push(format!("{}={}", key.escape_ascii(), value.escape_ascii()));
    /// }
    /// assert_eq!(pairs, ["a=1", "b=2", "c=3"]);
    /// let (last, _) = db.iter()?.next_back().transpose()?.expect("not empty");
    /// assert_eq!(last, "c");
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn iter(&self) -> Result<Scan> {
        self.iter_opt(&ReadOptions::default())
    }

    /// [`iter`](Self::iter), reading blocks as `options` says: a full scan
    /// with `fill_cache: false` leaves the block cache to the other reads.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn iter_opt(&self, options: &ReadOptions) -> Result<Scan> {
        self.scan_now(full_range(), options)
    }

    /// The live pairs whose keys fall in `range`, in key order (and in
    /// reverse with `.rev()`), as of the moment of the call.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{Result, Slice};
    ///
    /// fn keys(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Result<Vec<Slice>> {
    ///     scan.map(|item| item.map(|(key, _value)| key)).collect()
    /// }
    ///
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// for key in ["apple", "fig", "kiwi", "lime", "plum"] {
    ///     db.put(key, "")?;
    /// }
    /// assert_eq!(keys(db.scan("fig".."lime")?)?, ["fig", "kiwi"]);
    /// assert_eq!(keys(db.scan("fig"..="lime")?)?, ["fig", "kiwi", "lime"]);
    /// assert_eq!(keys(db.scan("g"..)?.rev())?, ["plum", "lime", "kiwi"]);
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn scan<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Result<Scan> {
        self.scan_opt(range, &ReadOptions::default())
    }

    /// [`scan`](Self::scan), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn scan_opt<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &self,
        range: R,
        options: &ReadOptions,
    ) -> Result<Scan> {
        self.scan_now(owned_range(&range), options)
    }

    /// The live pairs whose keys start with `prefix`, in key order.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("user:1", "ada")?;
    /// db.put("user:2", "grace")?;
    /// db.put("users", "not a user")?;
    /// let mut names = Vec::new();
    /// for item in db.scan_prefix("user:")? {
    ///     let (_key, value) = item?;
    ///     names.push(value);
    /// }
    /// assert_eq!(names, ["ada", "grace"]);
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        self.scan_prefix_opt(prefix, &ReadOptions::default())
    }

    /// [`scan_prefix`](Self::scan_prefix), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn scan_prefix_opt(&self, prefix: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Scan> {
        self.scan_now(prefix_bounds(prefix.as_ref()), options)
    }

    /// The scan of `range` of `default` as of now: the one path of
    /// `iter_opt`, `scan_opt` and `scan_prefix_opt`.
    fn scan_now(&self, range: KeyRange, options: &ReadOptions) -> Result<Scan> {
        let inner = self.inner()?;
        self.scan_from(inner, &inner.default, range, options)
    }

    /// The scan of `range` of keyspace `ks` of `inner` as of now: the one
    /// path of the scans of the engine and of its keyspace handles.
    pub(super) fn scan_from(
        &self,
        inner: &Inner,
        ks: &KeyspaceVersions,
        range: KeyRange,
        options: &ReadOptions,
    ) -> Result<Scan> {
        let (timestamp, current) = inner.read_view(ks);
        self.chose_timestamp();
        Ok(scan_at(&current, timestamp, range, options))
    }

    /// Where a read has chosen its timestamp and not yet looked at any data:
    /// a pause point for tests, nothing in a real build.
    #[inline(always)]
    fn chose_timestamp(&self) {
        #[cfg(feature = "test-hooks")]
        self.handle.read_pause.reached();
    }
}

/// A key range with owned bounds.
pub(super) type KeyRange = (Bound<Key>, Bound<Key>);

/// The value of `key` at `timestamp` in `current` (see
/// [`SuperVersion::get`]).
#[inline]
pub(super) fn get_at(
    current: &SuperVersion,
    key: &[u8],
    timestamp: Timestamp,
    options: &ReadOptions,
) -> Result<Option<Slice>> {
    current.get(key, timestamp, options)
}

/// The scan of `range` at `timestamp` over `current` (see
/// [`SuperVersion::scan`]).
pub(super) fn scan_at(
    current: &Arc<SuperVersion>,
    timestamp: Timestamp,
    range: KeyRange,
    options: &ReadOptions,
) -> Scan {
    telemetry::scan_opened();
    current.scan(timestamp, range, options)
}

/// An empty scan of `range` at `timestamp`: what a keyspace holds at an
/// instant before it was made.
pub(super) fn empty_scan(timestamp: Timestamp, range: KeyRange) -> Scan {
    let merge = || MergingCursor::new(Vec::new());
    Scan::new(merge(), Box::new(merge), timestamp, range, None)
}

/// Every key.
pub(super) fn full_range() -> KeyRange {
    (Bound::Unbounded, Bound::Unbounded)
}

/// `range` with its bounds copied.
pub(super) fn owned_range<K: AsRef<[u8]>, R: RangeBounds<K>>(range: &R) -> KeyRange {
    fn owned<K: AsRef<[u8]>>(bound: Bound<&K>) -> Bound<Key> {
        match bound {
            Bound::Included(k) => Bound::Included(k.as_ref().to_vec()),
            Bound::Excluded(k) => Bound::Excluded(k.as_ref().to_vec()),
            Bound::Unbounded => Bound::Unbounded,
        }
    }
    (owned(range.start_bound()), owned(range.end_bound()))
}

/// `[prefix, successor)`: every key that starts with `prefix`
/// ([`prefix_successor`] says where that ends; a prefix without one is
/// unbounded above).
pub(super) fn prefix_bounds(prefix: &[u8]) -> KeyRange {
    let end = match prefix_successor(prefix) {
        Some(successor) => Bound::Excluded(successor),
        None => Bound::Unbounded,
    };
    (Bound::Included(prefix.to_vec()), end)
}
