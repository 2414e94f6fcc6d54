//! Range deletes: [`StorageEngine::delete_range`] and
//! [`delete_prefix`](StorageEngine::delete_prefix), the same on a
//! [`Keyspace`], each with an `_opt` twin that takes [`WriteOptions`] for
//! that one call.
//!
//! Each is a batch of one range delete ([`WriteBatch::delete_range`]): one
//! log record and one timestamp however many keys the range holds. An empty
//! or inverted range deletes nothing and writes nothing, as an empty batch
//! does.

use std::ops::RangeBounds;

use super::{Keyspace, StorageEngine};
use crate::{Result, Timestamp, WriteBatch, WriteOptions};

impl StorageEngine {
    /// Deletes every key in `range`; returns the write's timestamp.
    ///
    /// It is one write however many keys the range holds: every version of
    /// every key in the range written before it reads as absent, and a key
    /// written after it reads as written. `range` is any range of byte keys
    /// (`"a".."c"`, `"a"..="c"`, `"a"..`, `..`, a pair of
    /// [`Bound`](std::ops::Bound)s). An empty or inverted range
    /// (`"a".."a"`, `"b".."a"`) deletes nothing and writes nothing: it
    /// returns as [`write`](Self::write) of an empty batch does.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write); a bound longer than the key size
    /// limit allows is [`Error::KeyTooLarge`](crate::Error::KeyTooLarge):
    /// either bound may be one byte longer than a key (the end of `..=k`
    /// and the start of `(Excluded(k), ..)` are the key after `k`).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{StorageConfig, StorageEngine};
    ///
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// for i in 100..300 {
    ///     db.put(format!("user:{i}"), "x")?;
    /// }
    /// let before = db.stats().wal_bytes_written;
    /// // One write for the hundred keys `user:100` to `user:199`.
    /// let deleted = db.delete_range("user:100".."user:200")?;
    /// assert!(db.stats().wal_bytes_written - before < 100);
    /// assert_eq!(db.get("user:150")?, None);
    /// assert_eq!(db.get("user:200")?.unwrap(), "x"); // the end is excluded
    ///
    /// // Inverted: nothing is deleted, nothing is written.
    /// assert_eq!(db.delete_range("user:2".."user:1")?, deleted);
    /// # Ok(())
    /// # }
    /// ```
    pub fn delete_range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Result<Timestamp> {
        self.delete_range_opt(range, &WriteOptions::default())
    }

    /// [`delete_range`](Self::delete_range) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_range_opt<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &self,
        range: R,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        let mut batch = WriteBatch::new();
        batch.delete_range(range);
        self.write_opt(batch, options)
    }

    /// Deletes every key that starts with `prefix`, as
    /// [`delete_range`](Self::delete_range) of the range they fill; returns
    /// the write's timestamp. The empty prefix deletes every key.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.delete_prefix_opt(prefix, &WriteOptions::default())
    }

    /// [`delete_prefix`](Self::delete_prefix) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_prefix_opt(
        &self,
        prefix: impl AsRef<[u8]>,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        let mut batch = WriteBatch::new();
        batch.delete_prefix(prefix);
        self.write_opt(batch, options)
    }
}

impl Keyspace {
    /// Deletes every key in `range` from this keyspace, as
    /// [`StorageEngine::delete_range`] does in `default`; returns the
    /// write's timestamp. An empty or inverted range deletes nothing and
    /// writes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) once the
    /// keyspace was dropped, whatever the range; otherwise as for
    /// [`StorageEngine::delete_range`].
    pub fn delete_range<K: AsRef<[u8]>, R: RangeBounds<K>>(&self, range: R) -> Result<Timestamp> {
        self.delete_range_opt(range, &WriteOptions::default())
    }

    /// [`delete_range`](Self::delete_range) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_range_opt<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &self,
        range: R,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        self.ks.check_live()?;
        let mut batch = WriteBatch::new();
        batch.delete_range_in(self, range);
        self.db.write_opt(batch, options)
    }

    /// Deletes every key that starts with `prefix` from this keyspace, as
    /// [`StorageEngine::delete_prefix`] does in `default`; returns the
    /// write's timestamp.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_prefix(&self, prefix: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.delete_prefix_opt(prefix, &WriteOptions::default())
    }

    /// [`delete_prefix`](Self::delete_prefix) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_prefix_opt(
        &self,
        prefix: impl AsRef<[u8]>,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        self.ks.check_live()?;
        let mut batch = WriteBatch::new();
        batch.delete_prefix_in(self, prefix);
        self.db.write_opt(batch, options)
    }
}
