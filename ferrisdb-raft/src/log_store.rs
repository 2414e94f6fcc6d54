//! [`LogStore`]: openraft's `RaftLogStorage` and `RaftLogReader` on the
//! `raft_log` and `raft_meta` keyspaces (see [`keys`](crate::keys)).
//!
//! Every write is one FerrisDB `WriteBatch`, so a crash never leaves half of
//! one, and the writes openraft needs durable (appended entries, the vote,
//! the committed id, truncate and purge) are synced
//! ([`WriteOptions::durable`]) before the call returns or the flush callback
//! fires. FerrisDB publishes writes in timestamp order and waits for an
//! earlier synced write before a later one returns, so the writes stay in
//! the order openraft issues them.

use std::fmt::Debug;
use std::ops::{Bound, RangeBounds};

use ferrisdb_storage::{Keyspace, StorageEngine, WriteBatch, WriteOptions};
use openraft::storage::{LogFlushed, RaftLogStorage};
use openraft::{ErrorSubject, ErrorVerb, LogId, LogState, OptionalSend, RaftLogReader, Vote};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::codec::{decode, decode_entry, encode, encode_entry, io_error, Entry};
use crate::keys::{self, log_key};
use crate::{StorageError, TypeConfig};

/// The Raft log of a node in a FerrisDB database: a cheap `Clone` handle,
/// also its own log reader.
#[derive(Debug, Clone)]
pub struct LogStore {
    db: StorageEngine,
    log: Keyspace,
    meta: Keyspace,
}

impl LogStore {
    /// The log store of `db`, creating its keyspaces on first use.
    ///
    /// # Errors
    ///
    /// [`check_database`](crate::check_database)'s error for a database
    /// whose limits are below the store's; FerrisDB's error when a keyspace
    /// cannot be opened or created.
    pub fn open(db: &StorageEngine) -> ferrisdb_storage::Result<LogStore> {
        crate::check_database(db)?;
        Ok(LogStore {
            db: db.clone(),
            log: db.keyspace(keys::LOG_KEYSPACE)?,
            meta: db.keyspace(keys::META_KEYSPACE)?,
        })
    }

    /// The metadata value under `key`, `None` if it was never written.
    fn read_meta<T: DeserializeOwned>(
        &self,
        key: &[u8],
        subject: ErrorSubject<u64>,
        what: &str,
    ) -> Result<Option<T>, StorageError> {
        let bytes = self
            .meta
            .get(key)
            .map_err(|e| io_error(subject.clone(), ErrorVerb::Read, &e))?;
        bytes.map(|b| decode(&b, subject, what)).transpose()
    }

    /// Writes `value` under metadata `key`, durably.
    fn write_meta<T: Serialize>(
        &self,
        key: &[u8],
        value: &T,
        subject: ErrorSubject<u64>,
    ) -> Result<(), StorageError> {
        let mut batch = WriteBatch::new();
        batch.put_in(&self.meta, key, encode(value, subject.clone())?);
        self.write_durably(batch, subject)
    }

    /// Writes `batch` and returns once it is on stable storage.
    fn write_durably(
        &self,
        batch: WriteBatch,
        subject: ErrorSubject<u64>,
    ) -> Result<(), StorageError> {
        self.db
            .write_opt(batch, &WriteOptions::durable())
            .map(|_| ())
            .map_err(|e| io_error(subject, ErrorVerb::Write, &e))
    }

    /// The last purged log id, `None` before the first purge.
    fn last_purged(&self) -> Result<Option<LogId<u64>>, StorageError> {
        self.read_meta(keys::LAST_PURGED, ErrorSubject::Logs, "last purged log id")
    }

    /// The entries whose indexes are in `range`, in index order; with a
    /// `limit`, at most its count of entries and, past the first entry, not
    /// more than its bytes.
    fn read_entries(
        &self,
        range: (Bound<u64>, Bound<u64>),
        limit: Option<(usize, usize)>,
    ) -> Result<Vec<Entry>, StorageError> {
        let start = range.0.map(log_key);
        let end = range.1.map(log_key);
        let read_error =
            |e: &ferrisdb_storage::Error| io_error(ErrorSubject::Logs, ErrorVerb::Read, e);
        let scan = self.log.scan((start, end)).map_err(|e| read_error(&e))?;
        let mut entries = Vec::new();
        let mut bytes = 0usize;
        for item in scan {
            if limit.is_some_and(|(count, _)| entries.len() >= count) {
                break;
            }
            let (key, value) = item.map_err(|e| read_error(&e))?;
            bytes = bytes.saturating_add(value.len());
            if limit.is_some_and(|(_, most)| bytes > most) && !entries.is_empty() {
                break;
            }
            let entry = decode_entry(&value)?;
            if keys::log_index(&key) != Some(entry.log_id.index) {
                let message = format!("log key {key:?} holds the entry of {}", entry.log_id);
                let source = openraft::AnyError::error(message);
                return Err(openraft::StorageIOError::read_logs(source).into());
            }
            entries.push(entry);
        }
        Ok(entries)
    }

    /// The id of the last entry in the log, `None` when it is empty.
    fn last_entry_id(&self) -> Result<Option<LogId<u64>>, StorageError> {
        let read_error =
            |e: &ferrisdb_storage::Error| io_error(ErrorSubject::Logs, ErrorVerb::Read, e);
        let mut scan = self.log.iter().map_err(|e| read_error(&e))?;
        match scan.next_back() {
            None => Ok(None),
            Some(item) => {
                let (_, value) = item.map_err(|e| read_error(&e))?;
                Ok(Some(decode_entry(&value)?.log_id))
            }
        }
    }
}

/// The bounds of `range`, owned.
fn owned_bounds<RB: RangeBounds<u64>>(range: &RB) -> (Bound<u64>, Bound<u64>) {
    (range.start_bound().cloned(), range.end_bound().cloned())
}

impl RaftLogReader<TypeConfig> for LogStore {
    async fn try_get_log_entries<RB: RangeBounds<u64> + Clone + Debug + OptionalSend>(
        &mut self,
        range: RB,
    ) -> Result<Vec<Entry>, StorageError> {
        self.read_entries(owned_bounds(&range), None)
    }

    /// Reads at most [`MAX_ENTRIES_PER_READ`] entries and, past the first,
    /// [`MAX_BYTES_PER_READ`] bytes of them, so that one replication message
    /// stays bounded; never none of a range that has entries.
    async fn limited_get_log_entries(
        &mut self,
        start: u64,
        end: u64,
    ) -> Result<Vec<Entry>, StorageError> {
        self.read_entries(
            (Bound::Included(start), Bound::Excluded(end)),
            Some((MAX_ENTRIES_PER_READ, MAX_BYTES_PER_READ)),
        )
    }
}

/// The most entries [`LogStore`]'s `limited_get_log_entries` returns.
pub const MAX_ENTRIES_PER_READ: usize = 4096;
/// The most bytes of stored entries `limited_get_log_entries` returns,
/// unless its first entry alone is larger.
pub const MAX_BYTES_PER_READ: usize = 4 << 20;

impl RaftLogStorage<TypeConfig> for LogStore {
    type LogReader = LogStore;

    async fn get_log_state(&mut self) -> Result<LogState<TypeConfig>, StorageError> {
        let last_purged_log_id = self.last_purged()?;
        // An empty log (everything purged) ends at the purge marker; the
        // marker is written with the purge's range delete, so it never lags.
        let last_log_id = self.last_entry_id()?.or(last_purged_log_id);
        Ok(LogState {
            last_purged_log_id,
            last_log_id,
        })
    }

    async fn get_log_reader(&mut self) -> LogStore {
        self.clone()
    }

    async fn save_vote(&mut self, vote: &Vote<u64>) -> Result<(), StorageError> {
        self.write_meta(keys::VOTE, vote, ErrorSubject::Vote)
    }

    async fn read_vote(&mut self) -> Result<Option<Vote<u64>>, StorageError> {
        self.read_meta(keys::VOTE, ErrorSubject::Vote, "vote")
    }

    async fn save_committed(&mut self, committed: Option<LogId<u64>>) -> Result<(), StorageError> {
        self.write_meta(keys::COMMITTED, &committed, ErrorSubject::Store)
    }

    async fn read_committed(&mut self) -> Result<Option<LogId<u64>>, StorageError> {
        let committed: Option<Option<LogId<u64>>> =
            self.read_meta(keys::COMMITTED, ErrorSubject::Store, "committed log id")?;
        Ok(committed.flatten())
    }

    /// Writes all `entries` in one synced batch, readable and durable when
    /// it returns; only then reports them flushed.
    async fn append<I>(
        &mut self,
        entries: I,
        callback: LogFlushed<TypeConfig>,
    ) -> Result<(), StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        let mut batch = WriteBatch::new();
        for entry in entries {
            let value = encode_entry(&entry)
                .map_err(|e| io_error(ErrorSubject::Log(entry.log_id), ErrorVerb::Write, &e))?;
            batch.put_in(&self.log, log_key(entry.log_id.index), value);
        }
        match self.write_durably(batch, ErrorSubject::Logs) {
            Ok(()) => {
                callback.log_io_completed(Ok(()));
                Ok(())
            }
            Err(e) => {
                callback.log_io_completed(Err(std::io::Error::other(e.to_string())));
                Err(e)
            }
        }
    }

    /// Deletes the entries at and after `log_id`'s index.
    async fn truncate(&mut self, log_id: LogId<u64>) -> Result<(), StorageError> {
        let mut batch = WriteBatch::new();
        batch.delete_range_in(&self.log, log_key(log_id.index)..);
        self.write_durably(batch, ErrorSubject::Logs)
    }

    /// Deletes the entries at and before `log_id`'s index, and records it as
    /// the last purged id in the same batch.
    async fn purge(&mut self, log_id: LogId<u64>) -> Result<(), StorageError> {
        let mut batch = WriteBatch::new();
        batch
            .put_in(
                &self.meta,
                keys::LAST_PURGED,
                encode(&log_id, ErrorSubject::Logs)?,
            )
            .delete_range_in(&self.log, ..=log_key(log_id.index));
        self.write_durably(batch, ErrorSubject::Logs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ferrisdb_storage::StorageConfig;
    use openraft::storage::RaftLogStorageExt;
    use openraft::{CommittedLeaderId, EntryPayload};

    fn entry(index: u64, value_len: usize) -> Entry {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(1, 0), index),
            payload: EntryPayload::Normal(crate::Request {
                key: b"k".to_vec(),
                value: Some(vec![0; value_len]),
            }),
        }
    }

    #[test]
    fn a_limited_read_stops_at_its_bytes_but_returns_a_first_larger_entry() {
        let dir = tempfile::tempdir().unwrap();
        let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
        let mut log = LogStore::open(&db).unwrap();
        let sizes = [5 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 20, 1 << 10];
        let indexes =
            |entries: &[Entry]| -> Vec<u64> { entries.iter().map(|e| e.log_id.index).collect() };
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(async {
                let entries = (1..).zip(sizes).map(|(index, len)| entry(index, len));
                log.blocking_append(entries).await.unwrap();
                // The first entry alone is over 4 MiB: it is returned alone.
                let read = log.limited_get_log_entries(1, 7).await.unwrap();
                assert_eq!(indexes(&read), [1]);
                // Four 1 MiB entries and their framing are over 4 MiB.
                let read = log.limited_get_log_entries(2, 7).await.unwrap();
                assert_eq!(indexes(&read), [2, 3, 4]);
                let read = log.limited_get_log_entries(5, 7).await.unwrap();
                assert_eq!(indexes(&read), [5, 6]);
                let read = log.try_get_log_entries(1..7).await.unwrap();
                assert_eq!(indexes(&read), [1, 2, 3, 4, 5, 6]);
            });
    }
}
