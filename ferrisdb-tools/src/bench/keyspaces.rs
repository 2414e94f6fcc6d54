//! `--keyspaces=N`: which keyspace each key of a benchmark goes to.
//!
//! Key `i` (the index its bytes spell, see [`fill_key`](super::data::fill_key))
//! lives in keyspace `i mod N`, named `ks0` to `ks{N-1}`, so every workload
//! spreads its writes and reads evenly over them. With one keyspace the
//! benchmarks call the database's own `put`, `get`, `delete` and `scan`,
//! which work on `default`, exactly as they did before the flag existed, so
//! their numbers stay comparable.

use ferrisdb_storage::{Keyspace, Result, Scan, Slice, StorageEngine};

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

    /// The value of `key`, whose index is `index`.
    #[inline]
    pub(super) fn get(&self, db: &StorageEngine, index: u64, key: &[u8]) -> Result<Option<Slice>> {
        match self.of(index) {
            None => db.get(key),
            Some(ks) => ks.get(key),
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
        db.close().unwrap();
    }
}
