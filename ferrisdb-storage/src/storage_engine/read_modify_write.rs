//! Transactions from the engine's side: [`StorageEngine::transaction`],
//! [`run_transaction`](StorageEngine::run_transaction), which retries one
//! on conflict, and the atomic read-modify-writes built on it,
//! [`compare_and_swap`](StorageEngine::compare_and_swap) and
//! [`fetch_update`](StorageEngine::fetch_update).

use std::time::Duration;

use rand::Rng;

use super::transaction::Transaction;
use super::StorageEngine;
use crate::{Result, Slice, WriteOptions};

/// How many times `run_transaction` runs a transaction that keeps
/// conflicting before it returns the conflict.
pub const TRANSACTION_ATTEMPTS: u32 = 100;

/// The first pause after a conflict; each one after doubles, up to
/// [`MAX_BACKOFF`], and a random part of it is taken, so the transactions
/// that conflicted do not meet again at once.
const FIRST_BACKOFF: Duration = Duration::from_micros(20);
const MAX_BACKOFF: Duration = Duration::from_millis(10);

impl StorageEngine {
    /// Begins a [`Transaction`], reading at the newest published timestamp.
    ///
    /// # Errors
    ///
    /// [`Error::Closed`](crate::Error::Closed) once the database is closed.
    ///
    /// # Examples
    ///
    /// Two transactions read the last seat and both take it: the first to
    /// commit wins, and the other's commit fails, writing nothing.
    ///
    /// ```
    /// # use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("seats", "1")?;
    /// let (mut alice, mut bob) = (db.transaction()?, db.transaction()?);
    /// for (tx, name) in [(&mut alice, "alice"), (&mut bob, "bob")] {
    ///     assert_eq!(tx.get("seats")?.unwrap(), "1");
    ///     tx.put("seats", "0")?;
    ///     tx.put("seat:1", name)?;
    /// }
    /// alice.commit()?;
    /// assert!(matches!(bob.commit(), Err(Error::TransactionConflict { .. })));
    /// assert_eq!(db.get("seat:1")?.unwrap(), "alice");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn transaction(&self) -> Result<Transaction> {
        Ok(Transaction::begin(self.inner()?))
    }

    /// Runs `body` in a transaction and commits it, running it again in a
    /// new transaction, after a short random pause growing with each
    /// attempt, while the commit (or `body`) fails with
    /// [`Error::TransactionConflict`](crate::Error::TransactionConflict): at most
    /// [`TRANSACTION_ATTEMPTS`] times. Returns what `body` returned the time
    /// its transaction committed.
    ///
    /// `body` may run several times, so it should do nothing outside the
    /// transaction that must happen once.
    ///
    /// # Errors
    ///
    /// The last conflict once the attempts are used up; any other error of
    /// `body` or of the commit at once (the transaction is rolled back).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.run_transaction(|tx| {
    ///     let hits = tx.get("hits")?.map_or(0, |v| v[0]);
    ///     tx.put("hits", [hits + 1])
    /// })?;
    /// assert_eq!(db.get("hits")?.as_deref(), Some(&[1u8][..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn run_transaction<T>(&self, body: impl FnMut(&mut Transaction) -> Result<T>) -> Result<T> {
        self.run_transaction_opt(&WriteOptions::default(), body)
    }

    /// [`run_transaction`](Self::run_transaction), committing as `options`
    /// say.
    ///
    /// # Errors
    ///
    /// As for [`run_transaction`](Self::run_transaction).
    pub fn run_transaction_opt<T>(
        &self,
        options: &WriteOptions,
        mut body: impl FnMut(&mut Transaction) -> Result<T>,
    ) -> Result<T> {
        let mut backoff = FIRST_BACKOFF;
        let mut attempt = 1;
        loop {
            let mut tx = self.transaction()?;
            let outcome = body(&mut tx).and_then(|out| tx.commit_opt(options).map(|_| out));
            match outcome {
                Err(error) if error.is_conflict() && attempt < TRANSACTION_ATTEMPTS => {
                    let pause = rand::rng().random_range(Duration::ZERO..=backoff);
                    std::thread::sleep(pause);
                    backoff = (backoff * 2).min(MAX_BACKOFF);
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }

    /// Sets `key` to `new` (`None`: deletes it) if its value is `expected`
    /// (`None`: absent), atomically. Returns `Ok(Ok(()))` if it did, and
    /// `Ok(Err(current))` with the value it found if that was not
    /// `expected`.
    ///
    /// # Errors
    ///
    /// As for [`run_transaction`](Self::run_transaction).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// assert!(db.compare_and_swap("k", None, Some(b"v1".as_ref()))?.is_ok());
    /// let lost = db.compare_and_swap("k", None, Some(b"v2".as_ref()))?;
    /// assert_eq!(lost.unwrap_err().as_deref(), Some(&b"v1"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn compare_and_swap(
        &self,
        key: impl AsRef<[u8]>,
        expected: Option<&[u8]>,
        new: Option<&[u8]>,
    ) -> Result<std::result::Result<(), Option<Slice>>> {
        let key = key.as_ref();
        self.run_transaction(|tx| {
            let current = tx.get(key)?;
            if current.as_deref() != expected {
                return Ok(Err(current));
            }
            match new {
                Some(value) => tx.put(key, value)?,
                None => tx.delete(key)?,
            }
            Ok(Ok(()))
        })
    }

    /// Replaces the value of `key` with `update(current)` atomically
    /// (`None` in: absent; `None` out: delete it), retrying on conflict as
    /// [`run_transaction`](Self::run_transaction) does, and returns the
    /// value it replaced. `update` may be called several times.
    ///
    /// # Errors
    ///
    /// As for [`run_transaction`](Self::run_transaction).
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let add_one = |old: Option<&[u8]>| {
    ///     let n = old.map_or(0, |v| u64::from_le_bytes(v.try_into().unwrap()));
    ///     Some((n + 1).to_le_bytes().to_vec())
    /// };
    /// db.fetch_update("counter", add_one)?;
    /// db.fetch_update("counter", add_one)?;
    /// assert_eq!(db.get("counter")?.as_deref(), Some(&2u64.to_le_bytes()[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn fetch_update<V: AsRef<[u8]>>(
        &self,
        key: impl AsRef<[u8]>,
        mut update: impl FnMut(Option<&[u8]>) -> Option<V>,
    ) -> Result<Option<Slice>> {
        let key = key.as_ref();
        self.run_transaction(|tx| {
            let current = tx.get(key)?;
            match update(current.as_deref()) {
                Some(value) => tx.put(key, value)?,
                None => tx.delete(key)?,
            }
            Ok(current)
        })
    }
}
