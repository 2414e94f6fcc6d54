//! [`Snapshot`]: a consistent read-only view at one timestamp, of every
//! keyspace.

use std::ops::RangeBounds;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::read::{empty_scan, full_range, get_at, owned_range, prefix_bounds, scan_at, KeyRange};
use super::Keyspace;
use crate::engine::{Inner, Pins};
use crate::iterator::scan::Scan;
use crate::versions::{KeyspaceSet, KeyspaceVersions, SuperVersion};
use crate::{Error, ReadOptions, Result, Slice, Timestamp};

/// A consistent read-only view of the database at one timestamp.
///
/// Made by [`StorageEngine::snapshot`](super::StorageEngine::snapshot).
/// While it lives, compaction keeps every version it can see. Its reads
/// return the same [`Slice`] values and [`Scan`]s as the engine's, and take
/// the same [`ReadOptions`]. `get`, `scan` and the rest read the `default`
/// keyspace; `get_in`, `scan_in` and the rest read any keyspace, all at the
/// snapshot's one instant.
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
    /// The keyspaces live at the snapshot's instant: one dropped since is
    /// still read through it.
    keyspaces: Arc<KeyspaceSet>,
    /// In a read-only instance, the super versions of its instant, read
    /// whatever `catch_up` installs since (see `Inner::pinned`).
    pins: Option<Pins>,
}

impl Snapshot {
    /// A snapshot of `inner` at `timestamp`, already registered with its
    /// snapshot list (which the drop releases), of the keyspaces
    /// `keyspaces`, reading the super versions `pins` holds if any.
    pub(super) fn new(
        inner: Arc<Inner>,
        timestamp: Timestamp,
        keyspaces: Arc<KeyspaceSet>,
        pins: Option<Pins>,
    ) -> Snapshot {
        Snapshot {
            inner,
            timestamp,
            keyspaces,
            pins,
        }
    }

    /// The super version the snapshot reads of keyspace `ks`: the pinned
    /// one, or the current one.
    fn current(&self, ks: &KeyspaceVersions) -> Arc<SuperVersion> {
        match self.pins.as_ref().and_then(|pins| pins.get(&ks.id())) {
            Some(pinned) => Arc::clone(pinned),
            None => ks.current(),
        }
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
            &self.current(&self.inner.default),
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

    /// The scan of `range` of `default` at the snapshot's timestamp: the
    /// one path of `iter_opt`, `scan_opt` and `scan_prefix_opt`.
    fn scan_range(&self, range: KeyRange, options: &ReadOptions) -> Scan {
        scan_at(
            &self.current(&self.inner.default),
            self.timestamp,
            range,
            options,
        )
    }

    /// The value of `key` in `keyspace` as of the snapshot.
    ///
    /// A keyspace dropped after the snapshot was taken is read as it was;
    /// one made after it is empty.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a handle of another database; otherwise
    /// as for [`get`](Self::get).
    pub fn get_in(&self, keyspace: &Keyspace, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        self.get_in_opt(keyspace, key, &ReadOptions::default())
    }

    /// [`get_in`](Self::get_in), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`get_in`](Self::get_in).
    pub fn get_in_opt(
        &self,
        keyspace: &Keyspace,
        key: impl AsRef<[u8]>,
        options: &ReadOptions,
    ) -> Result<Option<Slice>> {
        match self.view_of(keyspace)? {
            Some(current) => get_at(&current, key.as_ref(), self.timestamp, options),
            None => Ok(None),
        }
    }

    /// Every live pair of `keyspace` as of the snapshot, in key order (and in
    /// reverse with `.rev()`).
    ///
    /// # Errors
    ///
    /// As for [`get_in`](Self::get_in); the items are `Result`s for the
    /// errors of reading tables (see [`Scan`]).
    pub fn iter_in(&self, keyspace: &Keyspace) -> Result<Scan> {
        self.scan_range_in(keyspace, full_range(), &ReadOptions::default())
    }

    /// The live pairs of `keyspace` in `range` as of the snapshot.
    ///
    /// # Errors
    ///
    /// As for [`iter_in`](Self::iter_in).
    pub fn scan_in<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &self,
        keyspace: &Keyspace,
        range: R,
    ) -> Result<Scan> {
        self.scan_in_opt(keyspace, range, &ReadOptions::default())
    }

    /// [`scan_in`](Self::scan_in), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter_in`](Self::iter_in).
    pub fn scan_in_opt<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &self,
        keyspace: &Keyspace,
        range: R,
        options: &ReadOptions,
    ) -> Result<Scan> {
        self.scan_range_in(keyspace, owned_range(&range), options)
    }

    /// The live pairs of `keyspace` whose keys start with `prefix`, as of
    /// the snapshot.
    ///
    /// # Errors
    ///
    /// As for [`iter_in`](Self::iter_in).
    pub fn scan_prefix_in(&self, keyspace: &Keyspace, prefix: impl AsRef<[u8]>) -> Result<Scan> {
        let range = prefix_bounds(prefix.as_ref());
        self.scan_range_in(keyspace, range, &ReadOptions::default())
    }

    /// The scan of `range` of `keyspace` at the snapshot's timestamp: the one
    /// path of `iter_in`, `scan_in_opt` and `scan_prefix_in`.
    fn scan_range_in(
        &self,
        keyspace: &Keyspace,
        range: KeyRange,
        options: &ReadOptions,
    ) -> Result<Scan> {
        Ok(match self.view_of(keyspace)? {
            Some(current) => scan_at(&current, self.timestamp, range, options),
            None => empty_scan(self.timestamp, range),
        })
    }

    /// What the snapshot reads of `keyspace`: its current super version,
    /// read at the snapshot's timestamp, if it was live at the snapshot's
    /// instant (a drop since does not change what that timestamp sees:
    /// compaction keeps what a live snapshot reads); `None` if it was made
    /// after, when it held nothing the snapshot can see; the
    /// `KeyspaceDropped` error if it was made after and dropped too, or
    /// dropped before: the handle is of a dropped keyspace.
    fn view_of(&self, keyspace: &Keyspace) -> Result<Option<Arc<SuperVersion>>> {
        if !Arc::ptr_eq(&keyspace.db.handle.inner, &self.inner) {
            return Err(Error::InvalidArgument(format!(
                "the handle of keyspace \"{}\" is of another database than this snapshot \
                 (or of an instance of it closed since): read through a handle of the \
                 snapshot's database",
                keyspace.name()
            )));
        }
        // Ids are never given out twice, so a keyspace of this id in the
        // set is this one.
        let live = self.keyspaces.get(keyspace.ks.id());
        debug_assert!(live.is_none_or(|ks| Arc::ptr_eq(ks, &keyspace.ks)));
        match live {
            Some(ks) => Ok(Some(self.current(ks))),
            None => keyspace.ks.check_live().map(|()| None),
        }
    }
}

impl Drop for Snapshot {
    fn drop(&mut self) {
        // SeqCst: after the release, as the compaction thread stores the
        // flag before it reads the snapshots (`next_compaction`).
        if self.inner.snapshots.release(self.timestamp)
            && self.inner.snapshot_release_wakes.load(Ordering::SeqCst)
        {
            // Tables a range delete hid from every reader but this snapshot
            // may go now: the compaction thread looks again.
            self.inner.notify_background();
        }
    }
}

#[cfg(test)]
#[path = "snapshot_tests.rs"]
mod tests;
