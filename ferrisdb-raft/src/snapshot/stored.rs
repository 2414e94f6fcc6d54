//! The current snapshot, kept so that `get_current_snapshot` returns it
//! after later applies and after a restart: its bytes in chunks in
//! `raft_snapshot`, its record (meta, number, length) in `raft_meta`.
//!
//! A snapshot is stored in two steps: its chunks under a new number, in
//! unsynced batches of about [`BATCH_BYTES`]; then the record, in a synced
//! batch the caller may add to (an install adds its switch of generations),
//! with the range delete of every older snapshot's chunks. FerrisDB never
//! keeps a write without those before it, so a record that survives a crash
//! has its chunks; chunks without a record are a crash's leftovers, deleted
//! by the next store and at open.

use std::io::Cursor;

use ferrisdb_storage::{WriteBatch, WriteOptions};
use openraft::{ErrorSubject, ErrorVerb, Snapshot, SnapshotMeta};
use serde::{Deserialize, Serialize};

use crate::codec::{decode, encode, io_error};
use crate::keys::{self, snapshot_chunk_key};
use crate::state_machine::StateMachine;
use crate::{StorageError, TypeConfig};

/// The meta of a snapshot of [`TypeConfig`].
pub(crate) type Meta = SnapshotMeta<u64, openraft::BasicNode>;

/// The most bytes a chunk holds: far below the smallest `max_value_size`
/// a node is likely to set, and small enough to keep a batch near
/// [`BATCH_BYTES`].
pub(crate) const CHUNK_BYTES: usize = 64 << 10;
/// About how many bytes of chunks one batch writes.
const BATCH_BYTES: usize = 1 << 20;

/// The record of the current snapshot, JSON under
/// [`CURRENT_SNAPSHOT`](keys::CURRENT_SNAPSHOT).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct CurrentSnapshot {
    pub(crate) meta: Meta,
    /// The number its chunks are keyed by.
    pub(crate) number: u64,
    /// Its length in bytes.
    pub(crate) len: u64,
}

/// The `StorageError` of a stored snapshot that does not read back whole.
fn damaged(meta: &Meta, problem: String) -> StorageError {
    let source = openraft::AnyError::error(format!(
        "stored snapshot {} in keyspace {}: {problem}",
        meta.snapshot_id,
        keys::SNAPSHOT_KEYSPACE
    ));
    openraft::StorageIOError::read_snapshot(Some(meta.signature()), source).into()
}

impl StateMachine {
    /// The record of the current snapshot, `None` before the first.
    pub(crate) fn current_record(&self) -> Result<Option<CurrentSnapshot>, StorageError> {
        self.read_meta(keys::CURRENT_SNAPSHOT, "current snapshot record")
    }

    /// Writes `data` as the chunks of snapshot `number`, after deleting
    /// what a crashed store left under that number. Unsynced: the record's
    /// synced batch comes after.
    pub(crate) fn write_chunks(
        &self,
        meta: &Meta,
        number: u64,
        data: &[u8],
    ) -> Result<(), StorageError> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let write = |batch| {
            self.db
                .write(batch)
                .map(|_| ())
                .map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))
        };
        let mut batch = WriteBatch::new();
        batch.delete_range_in(&self.snapshots, snapshot_chunk_key(number, 0)..);
        let mut batch_bytes = 0;
        for (chunk, bytes) in (0u64..).zip(data.chunks(CHUNK_BYTES)) {
            batch.put_in(&self.snapshots, snapshot_chunk_key(number, chunk), bytes);
            batch_bytes += bytes.len();
            if batch_bytes >= BATCH_BYTES {
                write(std::mem::take(&mut batch))?;
                batch_bytes = 0;
            }
        }
        write(batch)
    }

    /// Adds to `batch` the record of snapshot `number` (`meta`, `len`
    /// bytes, its chunks written) as the current one, and the delete of
    /// every older snapshot's chunks.
    pub(crate) fn record_current(
        &self,
        batch: &mut WriteBatch,
        meta: &Meta,
        number: u64,
        len: usize,
    ) -> Result<(), StorageError> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let record = CurrentSnapshot {
            meta: meta.clone(),
            number,
            len: u64::try_from(len).unwrap_or(u64::MAX),
        };
        batch
            .put_in(
                &self.meta,
                keys::CURRENT_SNAPSHOT,
                encode(&record, subject)?,
            )
            .delete_range_in(&self.snapshots, ..snapshot_chunk_key(number, 0));
        Ok(())
    }

    /// Stores `data` as snapshot `number`, the current one, durably.
    pub(crate) fn store_current(
        &self,
        meta: &Meta,
        number: u64,
        data: &[u8],
    ) -> Result<(), StorageError> {
        self.write_chunks(meta, number, data)?;
        let mut batch = WriteBatch::new();
        self.record_current(&mut batch, meta, number, data.len())?;
        self.db
            .write_opt(batch, &WriteOptions::durable())
            .map(|_| ())
            .map_err(|e| {
                io_error(
                    ErrorSubject::Snapshot(Some(meta.signature())),
                    ErrorVerb::Write,
                    &e,
                )
            })
    }

    /// The current snapshot, `None` before the first is built or installed.
    pub(crate) fn current_snapshot(&self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let read_error = |e: &ferrisdb_storage::Error| {
            io_error(ErrorSubject::Snapshot(None), ErrorVerb::Read, e)
        };
        // The record and its chunks from one view: a build that stores a
        // new snapshot meanwhile deletes these chunks.
        let view = self.db.snapshot().map_err(|e| read_error(&e))?;
        let Some(record) = view
            .get_in(&self.meta, keys::CURRENT_SNAPSHOT)
            .map_err(|e| read_error(&e))?
        else {
            return Ok(None);
        };
        let record: CurrentSnapshot = decode(
            &record,
            ErrorSubject::Snapshot(None),
            "current snapshot record",
        )?;
        let meta = &record.meta;
        let start = snapshot_chunk_key(record.number, 0);
        let scan = match record.number.checked_add(1) {
            Some(next) => view.scan_in(&self.snapshots, start..snapshot_chunk_key(next, 0)),
            None => view.scan_in(&self.snapshots, start..),
        };
        let mut data = Vec::new();
        for (expected, item) in (0u64..).zip(scan.map_err(|e| read_error(&e))?) {
            let (key, chunk) = item.map_err(|e| read_error(&e))?;
            if key[..] != snapshot_chunk_key(record.number, expected) {
                return Err(damaged(meta, format!("chunk {expected} is missing")));
            }
            data.extend_from_slice(&chunk);
        }
        if u64::try_from(data.len()).ok() != Some(record.len) {
            let problem = format!("{} bytes in chunks, {} recorded", data.len(), record.len);
            return Err(damaged(meta, problem));
        }
        Ok(Some(Snapshot {
            meta: record.meta,
            snapshot: Box::new(Cursor::new(data)),
        }))
    }

    /// Deletes the chunks of every snapshot but the current one: what a
    /// crash left of a store that did not record its snapshot. Writes only
    /// if there are some.
    pub(crate) fn drop_leftover_chunks(&self) -> Result<(), StorageError> {
        let subject = ErrorSubject::StateMachine;
        let read_error =
            |e: &ferrisdb_storage::Error| io_error(subject.clone(), ErrorVerb::Read, e);
        let mut all = self.snapshots.iter().map_err(|e| read_error(&e))?;
        let Some((first, _)) = all.next().transpose().map_err(|e| read_error(&e))? else {
            return Ok(());
        };
        let last = match all.next_back().transpose().map_err(|e| read_error(&e))? {
            Some((key, _)) => key,
            None => first.clone(),
        };
        let mut batch = WriteBatch::new();
        match self.current_record()? {
            None => {
                batch.delete_prefix_in(&self.snapshots, b"");
            }
            Some(record) => {
                let start = snapshot_chunk_key(record.number, 0);
                let end = record
                    .number
                    .checked_add(1)
                    .map(|n| snapshot_chunk_key(n, 0));
                let below = first[..] < start[..];
                let above = end.is_some_and(|end| last[..] >= end[..]);
                if !below && !above {
                    return Ok(());
                }
                batch.delete_range_in(&self.snapshots, ..start);
                if let Some(end) = end {
                    batch.delete_range_in(&self.snapshots, end..);
                }
            }
        }
        self.db
            .write(batch)
            .map(|_| ())
            .map_err(|e| io_error(subject, ErrorVerb::Delete, &e))
    }
}
