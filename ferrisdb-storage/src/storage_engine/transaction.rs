//! [`Transaction`]: optimistic, serializable transactions.
//!
//! A transaction reads a snapshot taken when it began, with its own writes
//! over it, and keeps its writes in a batch until `commit`. It notes what it
//! read from the snapshot: each key, and each range it scanned. The commit
//! writes the batch as one record, one timestamp, unless something
//! committed after the transaction began wrote what it read (a key, a key
//! in a scanned range: a phantom, a range delete over them, a dropped
//! keyspace): then it fails with [`Error::TransactionConflict`] and writes
//! nothing. The check runs under the write mutex against the recent writes
//! kept in memory (`engine/conflicts.rs`), never against the disk.
//!
//! Every committed transaction thus read the newest versions of what it
//! read as of its commit timestamp: transactions, and the plain writes
//! between them, are serializable in timestamp order. A transaction that
//! only read commits at once: its snapshot is a consistent past state.

mod pending;
mod reads;
mod scan;

use std::ops::RangeBounds;
use std::sync::Arc;

use ferrisdb_core::range_tombstone::{half_open, prefix_range};

use super::{Keyspace, Snapshot};
use crate::engine::conflicts::ReadSet;
use crate::engine::transactions::{Began, CommitCheck};
use crate::engine::Inner;
use crate::write_batch::Entry;
use crate::{
    Error, Key, KeyspaceId, Operation, Result, Slice, SyncMode, Timestamp, WriteBatch,
    WriteOptions, DEFAULT_KEYSPACE_ID,
};
use pending::PendingWrites;
pub use scan::TransactionScan;

/// An optimistic, serializable transaction, made by
/// [`StorageEngine::transaction`](super::StorageEngine::transaction).
///
/// Reads see the database as of the transaction's beginning, with its own
/// writes over it. Writes are kept until [`commit`](Self::commit), which
/// writes them all, atomically and under one timestamp, or fails with
/// [`Error::TransactionConflict`] if something committed since the
/// transaction began wrote what it read. A transaction dropped without
/// `commit` rolls back: nothing it wrote is written.
///
/// # Examples
///
/// ```
/// # use ferrisdb_storage::{StorageConfig, StorageEngine};
/// # fn main() -> ferrisdb_storage::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
/// db.put("acct:1", "100")?;
/// let mut tx = db.transaction()?;
/// let balance: u64 = std::str::from_utf8(&tx.get("acct:1")?.unwrap()).unwrap().parse().unwrap();
/// tx.put("acct:1", (balance - 10).to_string())?;
/// tx.put("acct:2", "10")?;
/// tx.commit()?;
/// assert_eq!(db.get("acct:1")?.as_deref(), Some(&b"90"[..]));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct Transaction {
    inner: Arc<Inner>,
    snapshot: Snapshot,
    began: Began,
    batch: WriteBatch,
    pending: PendingWrites,
    reads: ReadSet,
}

impl Transaction {
    /// Begins a transaction on `inner` at the newest published timestamp.
    pub(super) fn begin(inner: &Arc<Inner>) -> Transaction {
        let (began, keyspaces, pins) = inner.begin_transaction();
        Transaction {
            inner: Arc::clone(inner),
            snapshot: Snapshot::new(Arc::clone(inner), began.timestamp, keyspaces, pins),
            began,
            batch: WriteBatch::new(),
            pending: PendingWrites::default(),
            reads: ReadSet::default(),
        }
    }

    /// The timestamp the transaction reads at.
    pub fn timestamp(&self) -> Timestamp {
        self.began.timestamp
    }

    /// Writes `value` under `key`, when the transaction commits.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooLarge`] or [`Error::ValueTooLarge`] past the
    /// database's limits (nothing is added).
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<()> {
        self.point(DEFAULT_KEYSPACE_ID, key.as_ref(), Some(value.as_ref()))
    }

    /// [`put`](Self::put) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put); [`Error::InvalidArgument`] for a handle of
    /// another database.
    pub fn put_in(
        &mut self,
        keyspace: &Keyspace,
        key: impl AsRef<[u8]>,
        value: impl AsRef<[u8]>,
    ) -> Result<()> {
        let id = self.id_of(keyspace)?;
        self.point(id, key.as_ref(), Some(value.as_ref()))
    }

    /// Deletes `key`, when the transaction commits.
    ///
    /// # Errors
    ///
    /// As for [`put`](Self::put).
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> Result<()> {
        self.point(DEFAULT_KEYSPACE_ID, key.as_ref(), None)
    }

    /// [`delete`](Self::delete) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`put_in`](Self::put_in).
    pub fn delete_in(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>) -> Result<()> {
        let id = self.id_of(keyspace)?;
        self.point(id, key.as_ref(), None)
    }

    /// Deletes every key in `range`, when the transaction commits, as
    /// [`StorageEngine::delete_range`](super::StorageEngine::delete_range)
    /// does; an empty or inverted range deletes nothing.
    ///
    /// # Errors
    ///
    /// [`Error::KeyTooLarge`] for a bound past the database's limit.
    pub fn delete_range<K: AsRef<[u8]>, R: RangeBounds<K>>(&mut self, range: R) -> Result<()> {
        match half_open(&range) {
            Some((start, end)) => self.range(DEFAULT_KEYSPACE_ID, start, end),
            None => Ok(()),
        }
    }

    /// [`delete_range`](Self::delete_range) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range); [`Error::InvalidArgument`]
    /// for a handle of another database.
    pub fn delete_range_in<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &mut self,
        keyspace: &Keyspace,
        range: R,
    ) -> Result<()> {
        let id = self.id_of(keyspace)?;
        match half_open(&range) {
            Some((start, end)) => self.range(id, start, end),
            None => Ok(()),
        }
    }

    /// Deletes every key that starts with `prefix`, when the transaction
    /// commits.
    ///
    /// # Errors
    ///
    /// As for [`delete_range`](Self::delete_range).
    pub fn delete_prefix(&mut self, prefix: impl AsRef<[u8]>) -> Result<()> {
        let (start, end) = prefix_range(prefix.as_ref());
        self.range(DEFAULT_KEYSPACE_ID, start, end)
    }

    /// [`delete_prefix`](Self::delete_prefix) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`delete_range_in`](Self::delete_range_in).
    pub fn delete_prefix_in(
        &mut self,
        keyspace: &Keyspace,
        prefix: impl AsRef<[u8]>,
    ) -> Result<()> {
        let id = self.id_of(keyspace)?;
        let (start, end) = prefix_range(prefix.as_ref());
        self.range(id, start, end)
    }

    /// Adds a put (`Some(value)`) or delete of `key` in keyspace `id`,
    /// checked against the limits a write is held to.
    fn point(&mut self, id: KeyspaceId, key: &[u8], value: Option<&[u8]>) -> Result<()> {
        let entry = Entry::Point {
            keyspace: id,
            operation: if value.is_some() {
                Operation::Put
            } else {
                Operation::Delete
            },
            key,
            value: value.unwrap_or_default(),
        };
        self.check(&entry)?;
        match value {
            Some(value) => self.batch.put_to(id, key, value),
            None => self.batch.delete_to(id, key),
        };
        let value = value.map(|v| Slice::from(v.to_vec()));
        self.pending.point(id, key, value);
        Ok(())
    }

    /// Adds a delete of `[start, end)` in keyspace `id`, checked as a
    /// write's range delete is.
    fn range(&mut self, id: KeyspaceId, start: Key, end: Option<Key>) -> Result<()> {
        let entry = Entry::RangeDelete {
            keyspace: id,
            start: &start,
            end: end.as_deref(),
        };
        self.check(&entry)?;
        self.batch.delete_range_to(id, &start, end.as_deref());
        self.pending.range(id, start, end);
        Ok(())
    }

    /// The limits of a write, the same check the commit's write makes.
    fn check(&self, entry: &Entry<'_>) -> Result<()> {
        let config = &self.inner.config;
        WriteBatch::check_entry(entry, config.max_key_size, config.max_value_size)
    }

    /// The id of `keyspace`, a keyspace of this transaction's database.
    fn id_of(&mut self, keyspace: &Keyspace) -> Result<KeyspaceId> {
        if !Arc::ptr_eq(&keyspace.db.handle.inner, &self.inner) {
            return Err(Error::InvalidArgument(format!(
                "the handle of keyspace \"{}\" is of another database than this transaction \
                 (or of an instance of it closed since): use a handle of the transaction's \
                 database",
                keyspace.name()
            )));
        }
        self.batch.mark_origin(keyspace.origin());
        Ok(keyspace.ks.id())
    }

    /// Commits: writes every write of the transaction, atomically, at one
    /// timestamp, which it returns (a transaction that wrote nothing
    /// returns the one it read at). Durable as the engine's
    /// `wal_sync_mode` says; see [`commit_opt`](Self::commit_opt). In an
    /// instance opened with
    /// [`open_read_only`](super::StorageEngine::open_read_only), a
    /// transaction that wrote nothing commits without a write, and what it
    /// read may include writes its writer has not synced yet: a reader
    /// cannot make another process's log durable.
    ///
    /// # Errors
    ///
    /// [`Error::TransactionConflict`] if something committed after the
    /// transaction began wrote what it read, or it ran longer than
    /// `StorageConfig::max_transaction_age`: nothing is written, and it
    /// may succeed if run again. Otherwise the errors of
    /// [`StorageEngine::write`](super::StorageEngine::write).
    pub fn commit(self) -> Result<Timestamp> {
        self.commit_opt(&WriteOptions::default())
    }

    /// [`commit`](Self::commit), durable as `options` say.
    ///
    /// # Errors
    ///
    /// As for [`commit`](Self::commit).
    pub fn commit_opt(self, options: &WriteOptions) -> Result<Timestamp> {
        if self.batch.is_empty() {
            // Read-only: its snapshot is a state the database was in. A
            // durable commit makes it durable too, as an empty durable
            // write does: what it read survives a power loss. A read-only
            // instance writes nothing: the writer is another process, whose
            // log a reader cannot sync.
            let mode = options.sync.unwrap_or(self.inner.config.wal_sync_mode);
            if mode == SyncMode::Full && !self.inner.is_read_only() {
                self.inner.write(&self.batch, options)?;
            }
            return Ok(self.began.timestamp);
        }
        let check = CommitCheck {
            began: self.began,
            reads: &self.reads,
        };
        self.inner.write_checked(&self.batch, options, Some(&check))
    }

    /// Rolls back: nothing the transaction wrote is written. Dropping it
    /// does the same.
    pub fn rollback(self) {}
}

impl Drop for Transaction {
    fn drop(&mut self) {
        self.inner.end_transaction(&self.began);
    }
}
