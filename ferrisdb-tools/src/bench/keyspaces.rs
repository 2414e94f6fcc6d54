//! `--keyspaces=N`: which keyspace each key of a benchmark goes to.
//!
//! Key `i` (the index its bytes spell, see [`fill_key`](super::data::fill_key))
//! lives in keyspace `i mod N`, named `ks0` to `ks{N-1}`, so every workload
//! spreads its writes and reads evenly over them. With one keyspace the
//! benchmarks call the database's own `put`, `get`, `delete` and `scan`,
//! which work on `default`, exactly as they did before the flag existed, so
//! their numbers stay comparable.

use std::ops::Bound;

use ferrisdb_storage::{Keyspace, Result, Scan, Slice, StorageEngine, Transaction, WriteBatch};

/// A range of keys as a pair of bounds, as `scan` and `delete_range` take.
pub(super) type KeyRange<'k> = (Bound<&'k [u8]>, Bound<&'k [u8]>);

/// The name of the `i`-th keyspace of `--keyspaces`: `ks{i}`.
pub fn keyspace_name(i: usize) -> String {
    format!("ks{i}")
}

/// The keyspaces of `--keyspaces=N` in a database: none for N = 1 (the
/// database's `default`), else the handles of `ks0` to `ks{N-1}`.
#[derive(Debug, Clone, Default)]
pub struct Targets {
    keyspaces: Vec<Keyspace>,
}

impl Targets {
    /// The targets of `count` keyspaces in `db`, opening or creating each
    /// one (with the database's settings) when `count` is above 1.
    ///
    /// # Errors
    ///
    /// The error of [`StorageEngine::keyspace`].
    pub fn open(db: &StorageEngine, count: usize) -> Result<Targets> {
        let keyspaces = if count > 1 {
            (0..count)
                .map(|i| db.keyspace(&keyspace_name(i)))
                .collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        Ok(Targets { keyspaces })
    }

    /// The keyspaces keys go to: 1 for `default` alone.
    pub(super) fn keyspace_count(&self) -> usize {
        self.keyspaces.len().max(1)
    }

    /// The keyspace of key `index`, or `None` for `default`.
    #[inline]
    fn of(&self, index: u64) -> Option<&Keyspace> {
        match self.keyspaces.len() {
            0 => None,
            // The remainder is below the length, a usize.
            n => self.keyspaces.get((index % n as u64) as usize),
        }
    }

    /// Stores `value` under `key`, whose index is `index`.
    #[inline]
    pub(super) fn put(
        &self,
        db: &StorageEngine,
        index: u64,
        key: &[u8],
        value: &[u8],
    ) -> Result<()> {
        match self.of(index) {
            None => db.put(key, value)?,
            Some(ks) => ks.put(key, value)?,
        };
        Ok(())
    }

    /// Deletes `key`, whose index is `index`.
    #[inline]
    pub(super) fn delete(&self, db: &StorageEngine, index: u64, key: &[u8]) -> Result<()> {
        match self.of(index) {
            None => db.delete(key)?,
            Some(ks) => ks.delete(key)?,
        };
        Ok(())
    }

    /// Adds a delete of `key`, whose index is `index`, to `batch`.
    #[inline]
    pub(super) fn delete_in_batch(&self, batch: &mut WriteBatch, index: u64, key: &[u8]) {
        match self.of(index) {
            None => batch.delete(key),
            Some(ks) => batch.delete_in(ks, key),
        };
    }

    /// Deletes every key in `range` with one write: one range delete, or
    /// one per keyspace in one batch, since every keyspace holds keys of
    /// any range of indexes.
    pub(super) fn delete_range(&self, db: &StorageEngine, range: KeyRange<'_>) -> Result<()> {
        if self.keyspaces.is_empty() {
            db.delete_range::<&[u8], _>(range)?;
        } else {
            let mut batch = WriteBatch::new();
            for ks in &self.keyspaces {
                batch.delete_range_in::<&[u8], _>(ks, range);
            }
            db.write(batch)?;
        }
        Ok(())
    }

    /// The value of `key`, whose index is `index`.
    #[inline]
    pub(super) fn get(&self, db: &StorageEngine, index: u64, key: &[u8]) -> Result<Option<Slice>> {
        match self.of(index) {
            None => db.get(key),
            Some(ks) => ks.get(key),
        }
    }

    /// The value of `key`, whose index is `index`, in transaction `tx`.
    #[inline]
    pub(super) fn tx_get(
        &self,
        tx: &mut Transaction,
        index: u64,
        key: &[u8],
    ) -> Result<Option<Slice>> {
        match self.of(index) {
            None => tx.get(key),
            Some(ks) => tx.get_in(ks, key),
        }
    }

    /// Stores `value` under `key`, whose index is `index`, in transaction
    /// `tx`.
    #[inline]
    pub(super) fn tx_put(
        &self,
        tx: &mut Transaction,
        index: u64,
        key: &[u8],
        value: &[u8],
    ) -> Result<()> {
        match self.of(index) {
            None => tx.put(key, value),
            Some(ks) => tx.put_in(ks, key, value),
        }
    }

    /// A scan from `key`, whose index is `index`, to the end of its
    /// keyspace.
    #[inline]
    pub(super) fn scan_from(&self, db: &StorageEngine, index: u64, key: &[u8]) -> Result<Scan> {
        match self.of(index) {
            None => db.scan(key..),
            Some(ks) => ks.scan(key..),
        }
    }

    /// A scan of `range` in each keyspace, in the order of their names'
    /// indexes.
    pub(super) fn scans_of(&self, db: &StorageEngine, range: KeyRange<'_>) -> Result<Vec<Scan>> {
        if self.keyspaces.is_empty() {
            return Ok(vec![db.scan::<&[u8], _>(range)?]);
        }
        self.keyspaces
            .iter()
            .map(|ks| ks.scan::<&[u8], _>(range))
            .collect()
    }

    /// A scan of each keyspace, whole, in the order of their names' indexes.
    pub(super) fn scans(&self, db: &StorageEngine) -> Result<Vec<Scan>> {
        if self.keyspaces.is_empty() {
            return Ok(vec![db.iter()?]);
        }
        self.keyspaces.iter().map(Keyspace::iter).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_storage::StorageConfig;

    #[test]
    fn key_i_goes_to_keyspace_i_mod_n() {
        let dir = tempfile::tempdir().unwrap();
        let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
        let one = Targets::open(&db, 1).unwrap();
        one.put(&db, 7, b"k7", b"v").unwrap();
        assert_eq!(db.get("k7").unwrap().unwrap(), "v");
        assert_eq!(db.keyspaces(), ["default"]);

        let three = Targets::open(&db, 3).unwrap();
        assert_eq!(db.keyspaces(), ["default", "ks0", "ks1", "ks2"]);
        for i in 0..6u64 {
            three.put(&db, i, format!("k{i}").as_bytes(), b"v").unwrap();
        }
        let ks1 = db.keyspace("ks1").unwrap();
        let keys: Vec<_> = ks1.iter().unwrap().map(|e| e.unwrap().0).collect();
        assert_eq!(keys, ["k1", "k4"]);
        assert_eq!(three.get(&db, 4, b"k4").unwrap().unwrap(), "v");
        assert_eq!(three.get(&db, 5, b"k4").unwrap(), None);
        three.delete(&db, 4, b"k4").unwrap();
        assert_eq!(ks1.get("k4").unwrap(), None);
        let first = three.scan_from(&db, 2, b"k").unwrap().next();
        assert_eq!(first.unwrap().unwrap().0, "k2");
        let counts: Vec<usize> = three
            .scans(&db)
            .unwrap()
            .into_iter()
            .map(Iterator::count)
            .collect();
        assert_eq!(counts, [2, 1, 2]);

        // A range delete reaches every keyspace in one write; a scan of a
        // range looks in each.
        let range: KeyRange<'_> = (Bound::Included(b"k1"), Bound::Included(b"k3"));
        let before = db.stats().wal_bytes_written;
        three.delete_range(&db, range).unwrap();
        assert!(db.stats().wal_bytes_written - before < 100);
        let left: Vec<Vec<_>> = three
            .scans(&db)
            .unwrap()
            .into_iter()
            .map(|scan| scan.map(|e| e.unwrap().0).collect())
            .collect();
        assert_eq!(left, [vec!["k0"], vec![], vec!["k5"]]);
        let mut batch = WriteBatch::new();
        three.delete_in_batch(&mut batch, 5, b"k5");
        db.write(batch).unwrap();
        let found: usize = three
            .scans_of(&db, (Bound::Included(b"k"), Bound::Unbounded))
            .unwrap()
            .into_iter()
            .map(Iterator::count)
            .sum();
        assert_eq!(found, 1, "k0 left");
        assert_eq!((three.keyspace_count(), one.keyspace_count()), (3, 1));

        // In a transaction, key i goes to keyspace i mod N too.
        let mut tx = db.transaction().unwrap();
        three.tx_put(&mut tx, 7, b"k7", b"t").unwrap();
        assert_eq!(three.tx_get(&mut tx, 7, b"k7").unwrap().unwrap(), "t");
        tx.commit().unwrap();
        assert_eq!(ks1.get("k7").unwrap().unwrap(), "t");
        let mut tx = db.transaction().unwrap();
        assert_eq!(three.tx_get(&mut tx, 8, b"k7").unwrap(), None);
        assert_eq!(one.tx_get(&mut tx, 8, b"k7").unwrap().unwrap(), "v");
        tx.rollback();
        db.close().unwrap();
    }
}
