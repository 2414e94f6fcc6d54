//! The writes: [`StorageEngine::put`], [`delete`](StorageEngine::delete) and
//! [`write`](StorageEngine::write), each with an `_opt` twin that takes
//! [`WriteOptions`] for that one call (range deletes are in
//! `range_delete.rs`).

use std::borrow::Borrow;

use super::StorageEngine;
use crate::telemetry;
use crate::{Result, Timestamp, WriteBatch, WriteOptions};

impl StorageEngine {
    /// Stores `value` under `key`; returns the write's timestamp.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let first = db.put("user:1", "ada")?;
    /// let second = db.put("user:1", "grace")?; // replaces it
    /// assert!(second > first); // timestamps only grow
    /// assert_eq!(db.get("user:1")?.unwrap(), "grace");
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.put_opt(key, value, &WriteOptions::default())
    }

    /// [`put`](Self::put) with `options` for this write, such as its own
    /// sync mode.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteOptions};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// // On stable storage before it returns, whatever the engine's mode.
    /// let durable = WriteOptions { sync: Some(SyncMode::Full), ..WriteOptions::default() };
    /// db.put_opt("order:17", "paid", &durable)?;
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn put_opt(
        &self,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        let mut batch = WriteBatch::new();
        batch.put(key, value);
        self.write_opt(batch, options)
    }

    /// Deletes `key` (writes a tombstone); returns the write's timestamp.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("user:1", "ada")?;
    /// db.delete("user:1")?;
    /// assert_eq!(db.get("user:1")?, None);
    /// // An absent key is no error: the tombstone is written all the same.
    /// db.delete("user:2")?;
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.delete_opt(key, &WriteOptions::default())
    }

    /// [`delete`](Self::delete) with `options` for this write.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write).
    pub fn delete_opt(&self, key: impl AsRef<[u8]>, options: &WriteOptions) -> Result<Timestamp> {
        let mut batch = WriteBatch::new();
        batch.delete(key);
        self.write_opt(batch, options)
    }

    /// Applies every write of `batch` atomically, with one timestamp: after a
    /// crash either all of them are there or none. Within a batch, a later
    /// write to a key replaces an earlier one, and a range delete deletes
    /// the keys written before it, not after. Takes the batch by value or by
    /// reference (`db.write(&batch)` leaves it to be cleared and reused).
    ///
    /// Readers see the batch once it is acknowledged as the sync mode
    /// demands; under [`SyncMode::Full`](crate::SyncMode::Full), only once it
    /// is durable. If its log sync fails, the batch never becomes visible in
    /// this process and the database stops accepting writes; after a reopen
    /// the batch may be there or not (its bytes may have reached the disk).
    ///
    /// # Errors
    ///
    /// - [`Error::KeyTooLarge`](crate::Error::KeyTooLarge) or
    ///   [`Error::ValueTooLarge`](crate::Error::ValueTooLarge) for an entry
    ///   over the limits, and
    ///   [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    ///   batch of more than `u32::MAX` entries, or one built
    ///   ([`WriteBatch::put_in`]) with a keyspace handle of another
    ///   database: nothing is written.
    /// - [`Error::KeyspaceNotFound`](crate::Error::KeyspaceNotFound) for an
    ///   entry of a keyspace the database does not hold (decoded from
    ///   another database's bytes), and
    ///   [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped) for one
    ///   of a keyspace dropped since: nothing is written.
    /// - [`Error::Io`](crate::Error::Io) if the log write or sync failed
    ///   (the outcome is then unknown, see above).
    /// - A corruption error naming the `MANIFEST` once the database's
    ///   timestamps are used up (past `MAX_TIMESTAMP`, which only a damaged
    ///   manifest or log leads to; nothing is written).
    /// - [`Error::Background`](crate::Error::Background) once an earlier
    ///   failure stopped the database, until it is reopened; and when the
    ///   batch holds the database's first range delete and writing the
    ///   manifest that declares them failed, which stops the database:
    ///   nothing is logged.
    /// - [`Error::Closed`](crate::Error::Closed) once the database is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// use ferrisdb_storage::WriteBatch;
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("cart:1", "pending")?;
    /// let mut batch = WriteBatch::new();
    /// batch.put("order:1", "paid").put("order:1", "shipped").delete("cart:1");
    /// let timestamp = db.write(&batch)?; // all or nothing, at one timestamp
    /// assert_eq!(db.get("order:1")?.unwrap(), "shipped"); // the later put wins
    /// assert_eq!(db.get("cart:1")?, None);
    ///
    /// batch.clear(); // written by reference, the batch is left to reuse
    /// batch.put("order:2", "paid");
    /// assert!(db.write(&batch)? > timestamp);
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn write(&self, batch: impl Borrow<WriteBatch>) -> Result<Timestamp> {
        self.write_opt(batch, &WriteOptions::default())
    }

    /// [`write`](Self::write) with `options` for this batch: its sync mode
    /// ([`WriteOptions::sync`]) overrides the engine's for this write only.
    ///
    /// # Errors
    ///
    /// As for [`write`](Self::write).
    pub fn write_opt(
        &self,
        batch: impl Borrow<WriteBatch>,
        options: &WriteOptions,
    ) -> Result<Timestamp> {
        let started = telemetry::start();
        let batch = batch.borrow();
        let timestamp = self.inner()?.write(batch, options)?;
        telemetry::write_done(started, batch.approximate_size());
        Ok(timestamp)
    }
}
