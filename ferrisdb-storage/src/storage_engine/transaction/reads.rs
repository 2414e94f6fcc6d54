//! A transaction's reads: its own writes over its snapshot, each noted in
//! its read set (a key read from the snapshot, a range scanned) for the
//! commit's check.

use std::ops::RangeBounds;

use ferrisdb_core::range_tombstone::{half_open, prefix_range};

use super::{Transaction, TransactionScan};
use crate::storage_engine::Keyspace;
use crate::{Key, KeyspaceId, Result, Scan, Slice, DEFAULT_KEYSPACE_ID};

impl Transaction {
    /// The value of `key`: the transaction's own write of it if it made
    /// one, else the snapshot's.
    ///
    /// # Errors
    ///
    /// As for [`Snapshot::get`](crate::Snapshot::get).
    pub fn get(&mut self, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        let key = key.as_ref();
        if let Some(own) = self.pending.get(DEFAULT_KEYSPACE_ID, key) {
            return Ok(own);
        }
        let value = self.snapshot.get(key)?;
        self.reads.add_key(DEFAULT_KEYSPACE_ID, key);
        Ok(value)
    }

    /// [`get`](Self::get) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`Snapshot::get_in`](crate::Snapshot::get_in).
    pub fn get_in(&mut self, keyspace: &Keyspace, key: impl AsRef<[u8]>) -> Result<Option<Slice>> {
        let (id, key) = (self.id_of(keyspace)?, key.as_ref());
        if let Some(own) = self.pending.get(id, key) {
            return Ok(own);
        }
        let value = self.snapshot.get_in(keyspace, key)?;
        self.reads.add_key(id, key);
        Ok(value)
    }

    /// The live pairs in `range`, the transaction's writes over its
    /// snapshot. The whole range counts as read: a write into it committed
    /// after the transaction began, even of a key that was absent, makes
    /// the commit fail.
    ///
    /// # Errors
    ///
    /// As for [`Snapshot::scan`](crate::Snapshot::scan); the items are `Result`s.
    pub fn scan<K: AsRef<[u8]>, R: RangeBounds<K>>(&mut self, range: R) -> Result<TransactionScan> {
        let bounds = half_open(&range);
        let snapshot = self.snapshot.scan(range)?;
        Ok(self.scan_of(DEFAULT_KEYSPACE_ID, bounds, snapshot))
    }

    /// [`scan`](Self::scan) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`Snapshot::scan_in`](crate::Snapshot::scan_in).
    pub fn scan_in<K: AsRef<[u8]>, R: RangeBounds<K>>(
        &mut self,
        keyspace: &Keyspace,
        range: R,
    ) -> Result<TransactionScan> {
        let id = self.id_of(keyspace)?;
        let bounds = half_open(&range);
        let snapshot = self.snapshot.scan_in(keyspace, range)?;
        Ok(self.scan_of(id, bounds, snapshot))
    }

    /// The live pairs whose keys start with `prefix`, as
    /// [`scan`](Self::scan) reads them.
    ///
    /// # Errors
    ///
    /// As for [`scan`](Self::scan).
    pub fn scan_prefix(&mut self, prefix: impl AsRef<[u8]>) -> Result<TransactionScan> {
        let prefix = prefix.as_ref();
        let snapshot = self.snapshot.scan_prefix(prefix)?;
        Ok(self.scan_of(DEFAULT_KEYSPACE_ID, Some(prefix_range(prefix)), snapshot))
    }

    /// [`scan_prefix`](Self::scan_prefix) in `keyspace`.
    ///
    /// # Errors
    ///
    /// As for [`scan_in`](Self::scan_in).
    pub fn scan_prefix_in(
        &mut self,
        keyspace: &Keyspace,
        prefix: impl AsRef<[u8]>,
    ) -> Result<TransactionScan> {
        let (id, prefix) = (self.id_of(keyspace)?, prefix.as_ref());
        let snapshot = self.snapshot.scan_prefix_in(keyspace, prefix)?;
        Ok(self.scan_of(id, Some(prefix_range(prefix)), snapshot))
    }

    /// Every live pair, as [`scan`](Self::scan) reads them.
    ///
    /// # Errors
    ///
    /// As for [`scan`](Self::scan).
    pub fn iter(&mut self) -> Result<TransactionScan> {
        self.scan::<&[u8], _>(..)
    }

    /// Every live pair of `keyspace`, as [`scan`](Self::scan) reads them.
    ///
    /// # Errors
    ///
    /// As for [`scan_in`](Self::scan_in).
    pub fn iter_in(&mut self, keyspace: &Keyspace) -> Result<TransactionScan> {
        self.scan_in::<&[u8], _>(keyspace, ..)
    }

    /// The scan of `bounds` (`None`: an empty range) of keyspace `id`:
    /// notes the range as read and lays the pending writes in it over
    /// `snapshot`, the snapshot's scan of it.
    fn scan_of(
        &mut self,
        id: KeyspaceId,
        bounds: Option<(Key, Option<Key>)>,
        snapshot: Scan,
    ) -> TransactionScan {
        let pending = match bounds {
            Some((start, end)) => {
                let pending = self.pending.in_range(id, &start, end.as_deref());
                self.reads.add_range(id, start, end);
                pending
            }
            None => Default::default(),
        };
        TransactionScan::new(snapshot, pending)
    }
}
