//! [`Keyspace`]: a handle to one keyspace of a database, and the batch
//! methods that write to one ([`WriteBatch::put_in`],
//! [`WriteBatch::delete_in`], [`WriteBatch::delete_range_in`],
//! [`WriteBatch::delete_prefix_in`]). Its range deletes are in
//! `range_delete.rs`.
//!
//! A keyspace is one of a database's independent sets of keys: its own
//! MemTables, tables and settings, one log and one timestamp shared with
//! the others, so a batch across keyspaces is written atomically and a
//! snapshot sees every keyspace at one instant. `StorageEngine::put`, `get`
//! and the rest work on the `default` keyspace, which always exists; its
//! handle does the same through the same paths.

use std::fmt;
use std::ops::RangeBounds;
use std::sync::Arc;

use ferrisdb_core::range_tombstone::{half_open, prefix_successor};

use super::read::{full_range, owned_range, prefix_bounds};
use super::StorageEngine;
use crate::engine::Inner;
use crate::iterator::scan::Scan;
use crate::versions::KeyspaceVersions;
use crate::{ReadOptions, Result, Slice, TableRecord, Timestamp, WriteBatch, WriteOptions};

/// A handle to one keyspace of a database, from
/// [`StorageEngine::keyspace`].
///
/// It is a cheap `Clone + Send + Sync` handle, as the [`StorageEngine`] it
/// holds: it keeps the database open (the last handle, keyspace handles
/// included, closes it), and after a close its methods return
/// [`Error::Closed`](crate::Error::Closed). Every method of a handle whose
/// keyspace was dropped returns
/// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) and does
/// nothing.
///
/// # Examples
///
/// ```
/// use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};
///
/// # fn main() -> ferrisdb_storage::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
/// let default = db.keyspace("default")?;
/// default.put("user:1", "ada")?;
/// assert_eq!(db.get("user:1")?.unwrap(), "ada");
///
/// let mut batch = WriteBatch::new();
/// batch.put_in(&default, "user:2", "bob").delete_in(&default, "user:1");
/// db.write(batch)?;
/// assert_eq!(default.get("user:1")?, None);
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Keyspace {
    pub(super) db: StorageEngine,
    pub(super) ks: Arc<KeyspaceVersions>,
}

impl Keyspace {
    /// The handle of keyspace `ks` of `db`.
    pub(super) fn new(db: StorageEngine, ks: Arc<KeyspaceVersions>) -> Keyspace {
        Keyspace { db, ks }
    }

    /// The keyspace's name.
    pub fn name(&self) -> &str {
        self.ks.name()
    }

    /// Every live table of this keyspace as the manifest records it, in
    /// read order: level 0 newest first, then each deeper level by key (as
    /// [`StorageEngine::live_tables`] lists `default`'s). After a drop or
    /// a close, the tables the keyspace had then.
    pub fn live_tables(&self) -> Vec<TableRecord> {
        self.ks.current().version.records()
    }

    /// The engine of the keyspace's database, unless the keyspace was
    /// dropped (checked first) or the database closed.
    fn inner(&self) -> Result<&Arc<Inner>> {
        self.ks.check_live()?;
        self.db.inner()
    }

    /// The engine this handle's database is: what stamps the batches built
    /// with it.
    pub(super) fn origin(&self) -> u64 {
        self.db.handle.inner.instance
    }

    /// Stores `value` under `key` in this keyspace; returns the write's
    /// timestamp.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) once the
    /// keyspace was dropped; otherwise as for
    /// [`StorageEngine::write`].
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.put_opt(key, value, &WriteOptions::default())
    }

    /// [`put`](Self::put) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn put_opt(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        self.ks.check_live()?;
        let mut batch = WriteBatch::new();
        batch.put_in(self, key, value);
        self.db.write_opt(batch, options)
    }

    /// Deletes `key` from this keyspace (writes a tombstone); returns the
    /// write's timestamp.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.delete_opt(key, &WriteOptions::default())
    }

    /// [`delete`](Self::delete) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn delete_opt(&self, key: impl AsRef<[u8]>, options: &WriteOptions) -> Result<Timestamp> {
        self.ks.check_live()?;
        let mut batch = WriteBatch::new();
        batch.delete_in(self, key);
        self.db.write_opt(batch, options)
    }

    /// The value of `key` in this keyspace, or `None` if it is absent or
    /// deleted.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) once the
    /// keyspace was dropped; otherwise as for [`StorageEngine::get`].
    pub fn get(&self, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        self.get_opt(key, &ReadOptions::default())
    }

    /// [`get`](Self::get), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn get_opt(&self, key: impl AsRef<[u8]>, options: &ReadOptions) -> Result<Option<Slice>> {
        let inner = self.inner()?;
        self.db.get_from(inner, &self.ks, key.as_ref(), options)
    }

    /// Every live pair of this keyspace, in key order (and in reverse with
    /// `.rev()`), as of the moment of the call.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) once the
    /// keyspace was dropped; otherwise as for [`StorageEngine::iter`]. A
    /// scan opened before a drop reads on to its end.
    pub fn iter(&self) -> Result<Scan> {
        self.iter_opt(&ReadOptions::default())
    }

    /// [`iter`](Self::iter), reading blocks as `options` says.
    ///
    /// # Errors
    ///
    /// As for [`iter`](Self::iter).
    pub fn iter_opt(&self, options: &ReadOptions) -> Result<Scan> {
        let inner = self.inner()?;
        self.db.scan_from(inner, &self.ks, full_range(), options)
    }

    /// The live pairs of this keyspace whose keys fall in `range`, in key
    /// order, as of the moment of the call.
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
        let inner = self.inner()?;
        self.db
            .scan_from(inner, &self.ks, owned_range(&range), options)
    }

    /// The live pairs of this keyspace whose keys start with `prefix`, in
    /// key order.
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
        let inner = self.inner()?;
        self.db
            .scan_from(inner, &self.ks, prefix_bounds(prefix.as_ref()), options)
    }
}

impl fmt::Debug for Keyspace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyspace")
            .field("name", &self.ks.name())
            .field("id", &self.ks.id())
            .finish()
    }
}

impl WriteBatch {
    /// Adds a put of `value` under `key` in `keyspace`.
    ///
    /// A batch may hold entries of several keyspaces of one database: it is
    /// written atomically, with one timestamp, across all of them. Written to
    /// another database than the keyspace's, it is refused with
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument); written
    /// after the keyspace was dropped, with
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped).
    pub fn put_in(
        &mut self,
        keyspace: &Keyspace,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> &mut Self {
        self.mark_origin(keyspace.origin());
        self.put_to(keyspace.ks.id(), key.as_ref(), value.as_ref())
    }

    /// Adds a delete of `key` in `keyspace`, as [`put_in`](Self::put_in)
    /// adds a put.
    pub fn delete_in(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>) -> &mut Self {
        self.mark_origin(keyspace.origin());
        self.delete_to(keyspace.ks.id(), key.as_ref())
    }

    /// Adds a delete of every key in `range` in `keyspace`, as
    /// [`delete_range`](Self::delete_range) adds one in `default` and
    /// [`put_in`](Self::put_in) adds a put. An empty or inverted range adds
    /// nothing.
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let users = db.keyspace("users")?;
    /// let mut batch = WriteBatch::new();
    /// // Deletes the users 100 to 199, then writes user 150 anew: the put is
    /// // after the range delete in the batch, so it stays.
    /// batch
    ///     .delete_range_in(&users, "user:100".."user:200")
    ///     .put_in(&users, "user:150", "new");
    /// db.write(batch)?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_range_in<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &mut self,
        keyspace: &Keyspace,
        range: R,
    ) -> &mut Self {
        let Some((start, end)) = half_open(&range) else {
            return self;
        };
        self.mark_origin(keyspace.origin());
        self.delete_range_to(keyspace.ks.id(), &start, end.as_deref())
    }

    /// Adds a delete of every key that starts with `prefix` in `keyspace`,
    /// as [`delete_prefix`](Self::delete_prefix) adds one in `default`.
    pub fn delete_prefix_in(&mut self, keyspace: &Keyspace, prefix: impl AsRef<[u8]>) -> &mut Self {
        let prefix = prefix.as_ref();
        self.mark_origin(keyspace.origin());
        self.delete_range_to(
            keyspace.ks.id(),
            prefix,
            prefix_successor(prefix).as_deref(),
        )
    }
}

#[cfg(test)]
mod tests {
    use ferrisdb_core::Error;

    use super::Keyspace;
    use crate::fs::FaultFileSystem;
    use crate::{StorageConfig, StorageEngine, WriteBatch};

    fn open(fs: &FaultFileSystem) -> StorageEngine {
        StorageEngine::open(StorageConfig {
            file_system: std::sync::Arc::new(fs.clone()),
            ..StorageConfig::new("/db")
        })
        .unwrap()
    }

    fn dropped<T: std::fmt::Debug>(result: crate::Result<T>) -> bool {
        matches!(result, Err(Error::KeyspaceDropped { ref name }) if name == "default")
    }

    #[test]
    fn a_handle_is_clone_send_sync_and_shows_its_name() {
        fn clone_send_sync<T: Clone + Send + Sync>() {}
        clone_send_sync::<Keyspace>();
        let db = open(&FaultFileSystem::new());
        let default = db.keyspace("default").unwrap();
        assert_eq!(default.name(), "default");
        assert_eq!(
            format!("{default:?}"),
            r#"Keyspace { name: "default", id: 0 }"#
        );
    }

    #[test]
    fn every_method_of_a_dropped_keyspace_s_handle_is_refused_and_writes_nothing() {
        let fs = FaultFileSystem::new();
        let db = open(&fs);
        let handle = db.keyspace("default").unwrap();
        handle.put("kept", "1").unwrap();
        let logged = db.stats().wal_bytes_written;
        // What dropping the keyspace does to its handles, simulated.
        handle.ks.mark_dropped();

        assert!(dropped(handle.put("k", "v")));
        assert!(dropped(handle.delete("kept")));
        assert!(dropped(handle.get("kept")));
        assert!(dropped(handle.iter()));
        assert!(dropped(handle.scan("a".."z")));
        assert!(dropped(handle.scan_prefix("k")));
        assert!(dropped(handle.clone().put_opt(
            "k",
            "v",
            &Default::default()
        )));
        assert_eq!(db.stats().wal_bytes_written, logged, "nothing logged");
        assert_eq!(handle.name(), "default", "the name stays readable");
        // The data is untouched.
        assert_eq!(db.get("kept").unwrap().unwrap(), "1");
        assert_eq!(db.get("k").unwrap(), None);
        let mut batch = WriteBatch::new();
        batch.put_in(&handle, "b", "1");
        assert_eq!(batch.len(), 1, "building a batch cannot fail");
    }
}
