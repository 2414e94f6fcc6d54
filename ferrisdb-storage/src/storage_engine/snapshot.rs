//! [`Snapshot`]: a consistent read-only view at one timestamp.

use std::ops::RangeBounds;
use std::sync::Arc;

use super::read::{full_range, get_at, owned_range, prefix_bounds, scan_at, KeyRange};
use crate::engine::Inner;
use crate::iterator::scan::Scan;
use crate::{ReadOptions, Result, Slice, Timestamp};

/// A consistent read-only view of the database at one timestamp.
///
/// Made by [`StorageEngine::snapshot`](super::StorageEngine::snapshot).
/// While it lives, compaction keeps every version it can see. Its reads
/// return the same [`Slice`] values and [`Scan`]s as the engine's, and take
/// the same [`ReadOptions`].
///
/// A snapshot may outlive its engine. After
/// [`StorageEngine::close`](super::StorageEngine::close) (or the drop of the
/// last handle) it keeps reading its view from the MemTables and open table
/// files it holds, and it does not hold the directory's lock: the database
/// can be reopened meanwhile, and what the new instance writes or compacts
/// away changes nothing the snapshot returns. Until dropped it keeps that
/// memory, and the disk space of tables deleted since.
#[derive(Debug)]
pub struct Snapshot {
    inner: Arc<Inner>,
    timestamp: Timestamp,
}

impl Snapshot {
    /// A snapshot of `inner` at `timestamp`, already registered with its
    /// snapshot list (which the drop releases).
    pub(super) fn new(inner: Arc<Inner>, timestamp: Timestamp) -> Snapshot {
        Snapshot { inner, timestamp }
    }

    /// The timestamp this snapshot reads at: it sees every write with a
    /// timestamp at or below it.
    pub fn timestamp(&self) -> Timestamp {
        self.timestamp
    }

    /// The value of `key` as of the snapshot.
    ///
    /// # Errors
    ///
    /// A corruption or checksum error naming the table and offset of a
    /// damaged block; [`Error::Io`](crate::Error::Io) if reading a table
    /// failed.
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        self.get_opt(key, &ReadOptions::default())
    }

    /// [`get`](Self::get), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn get_opt(&self, key: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Option<Slice>> {
        get_at(
            &self.inner.default.current(),
            key.as_ref(),
            self.timestamp,
            options,
        )
    }

    /// Every live pair as of the snapshot, in key order (and in reverse with
    /// `.rev()`).
    ///
    /// # Errors
    ///
    /// None today: the `Result` leaves room for one, as the engine's
    /// [`iter`](super::StorageEngine::iter) has. The items are `Result`s for
    /// the errors of reading tables (see [`Scan`]).
    pub fn iter(&self) -> Result<Scan> {
        self.iter_opt(&ReadOptions::default())
    }

    /// [`iter`](Self::iter), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn iter_opt(&self, options: &ReadOptions) -> Result<Scan> {
        Ok(self.scan_range(full_range(), options))
    }

    /// The live pairs in `range` as of the snapshot.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
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
        Ok(self.scan_range(owned_range(&range), options))
    }

    /// The live pairs whose keys start with `prefix`, as of the snapshot.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn scan_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        self.scan_prefix_opt(prefix, &ReadOptions::default())
    }

    /// [`scan_prefix`](Self::scan_prefix), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn scan_prefix_opt(&self, prefix: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Scan> {
        Ok(self.scan_range(prefix_bounds(prefix.as_ref()), options))
    }

    /// The scan of `range` at the snapshot's timestamp: the one path of
    /// `iter_opt`, `scan_opt` and `scan_prefix_opt`.
    fn scan_range(&self, range: KeyRange, options: &ReadOptions) -> Scan {
        scan_at(
            &self.inner.default.current(),
            self.timestamp,
            range,
            options,
        )
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        self.inner.snapshots.release(self.timestamp);
    }
}
