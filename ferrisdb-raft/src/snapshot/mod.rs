//! Snapshots of the [`StateMachine`]: built from a FerrisDB `Snapshot`, so
//! the data and the applied state are read at one point in time, and
//! installed into a fresh `raft_sm_<generation>` keyspace, switched to in the one
//! synced batch that also records the applied state and the snapshot.
//!
//! A snapshot's bytes are the map's pairs in the layout of [`format`]
//! ([`pairs`] writes and reads it). The current snapshot, built or
//! installed, is kept in chunks ([`stored`]), because the map moves on after
//! it is taken and `get_current_snapshot` must still return it, also after a
//! restart. Chunks keep every value and batch small, so a snapshot of any
//! size is stored and installed atomically: only the last, synced batch
//! makes it current.

mod format;
mod pairs;
mod stored;

use std::io::Cursor;

use ferrisdb_storage::{WriteBatch, WriteOptions};
use openraft::{ErrorSubject, ErrorVerb, LogId, RaftSnapshotBuilder, Snapshot};

use crate::codec::{decode, encode, io_error};
use crate::keys;
use crate::state_machine::{Generation, Membership, StateMachine};
use crate::{StorageError, TypeConfig};
pub(crate) use pairs::read_pairs;
use pairs::PairWriter;
pub(crate) use stored::Meta;

/// About how many bytes of pairs an install writes per batch.
const INSTALL_BATCH_BYTES: usize = 1 << 20;

impl StateMachine {
    /// Replaces the map and the applied state with the snapshot `data` of
    /// `meta`, and makes it the current snapshot. The whole snapshot is
    /// checked before anything is written. A crash before the switch leaves
    /// the old generation whole (the new keyspace is dropped at the next
    /// open); after it, the new one.
    pub(crate) fn install(&mut self, meta: &Meta, data: Vec<u8>) -> Result<(), StorageError> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let write_error =
            |e: &ferrisdb_storage::Error| io_error(subject.clone(), ErrorVerb::Write, e);
        let refused = |problem: String| -> StorageError {
            let source = openraft::AnyError::error(problem);
            openraft::StorageIOError::read_snapshot(Some(meta.signature()), source).into()
        };
        let pairs = read_pairs(&data).map_err(|e| refused(e.to_string()))?;
        // A pair over the limits, which no apply writes, would stop the
        // install halfway on a database with the smallest limits open takes.
        for (key, value) in &pairs {
            if let Err(e) = crate::request::check_pair(key, value) {
                return Err(refused(format!("a pair over a command's limits: {e}")));
            }
        }
        // openraft installs from the state machine's own task, one at a time,
        // so the generation read here is the one the switch replaces; the
        // lock is taken only for the switch, so reads and builds go on
        // while the pairs are written.
        let old_number = self.generation().number;
        let generation = old_number.checked_add(1).ok_or_else(|| {
            let source = openraft::AnyError::error("state machine generation overflows u64");
            openraft::StorageIOError::write_snapshot(Some(meta.signature()), source)
        })?;
        let name = keys::sm_keyspace(generation);
        // A keyspace of that name is the leftover of an install that did not
        // switch to it; only this install may fill it.
        if self.db.keyspaces().contains(&name) {
            self.db.drop_keyspace(&name).map_err(|e| write_error(&e))?;
        }
        let data_keyspace = self.db.keyspace(&name).map_err(|e| write_error(&e))?;
        // Not synced: the synced switch below is after these writes in the
        // log, and FerrisDB never keeps a write without the ones before it.
        let mut batch = WriteBatch::new();
        let mut batch_bytes = 0;
        for (key, value) in pairs {
            batch.put_in(&data_keyspace, key, value);
            batch_bytes += key.len() + value.len();
            if batch_bytes >= INSTALL_BATCH_BYTES {
                let full = std::mem::take(&mut batch);
                self.db.write(full).map_err(|e| write_error(&e))?;
                batch_bytes = 0;
            }
        }
        self.db.write(batch).map_err(|e| write_error(&e))?;

        let _storing = self.storing();
        let number = self.next_snapshot_number()?;
        self.write_chunks(meta, number, &data)?;
        let mut batch = WriteBatch::new();
        batch
            .put_in(
                &self.meta,
                keys::SM_GENERATION,
                encode(&generation, subject.clone())?,
            )
            .put_in(
                &self.meta,
                keys::LAST_APPLIED,
                encode(&meta.last_log_id, subject.clone())?,
            )
            .put_in(
                &self.meta,
                keys::LAST_MEMBERSHIP,
                encode(&meta.last_membership, subject.clone())?,
            );
        self.record_current(&mut batch, meta, number, data.len())?;
        {
            // The switch and the new generation together: a build takes its
            // view and the generation under this lock, so it reads the
            // generation its view's applied state belongs to.
            let mut current = self.generation_mut();
            self.db
                .write_opt(batch, &WriteOptions::durable())
                .map_err(|e| write_error(&e))?;
            *current = Generation {
                number: generation,
                data: data_keyspace,
            };
        }
        // The old data is unreachable now. The install is done whether or
        // not this succeeds (an error would stop the node for nothing): the
        // next open drops a generation left behind.
        let _ = self.db.drop_keyspace(&keys::sm_keyspace(old_number));
        Ok(())
    }

    /// The number the next stored snapshot takes: one above the current's.
    fn next_snapshot_number(&self) -> Result<u64, StorageError> {
        let current = self.current_record()?.map_or(0, |r| r.number);
        current.checked_add(1).ok_or_else(|| {
            let source = openraft::AnyError::error("snapshot number overflows u64");
            openraft::StorageIOError::write_snapshot(None, source).into()
        })
    }
}

/// What a build reads at one FerrisDB snapshot: the applied state and the
/// snapshot's bytes.
pub(crate) struct Taken {
    last_log_id: Option<LogId<u64>>,
    last_membership: Membership,
    bytes: Vec<u8>,
}

impl StateMachine {
    /// Reads the map and its applied state at one FerrisDB snapshot.
    pub(crate) fn take_snapshot(&self) -> Result<Taken, StorageError> {
        let subject = ErrorSubject::Snapshot(None);
        let read_error =
            |e: &ferrisdb_storage::Error| io_error(subject.clone(), ErrorVerb::Read, e);
        // The view and the generation are taken together, under the lock an
        // install holds while it switches generations.
        let (data, view) = {
            let current = self.generation();
            let view = self.db.snapshot().map_err(|e| read_error(&e))?;
            (current.data.clone(), view)
        };
        let read = |key: &[u8]| view.get_in(&self.meta, key).map_err(|e| read_error(&e));
        let last_log_id = match read(keys::LAST_APPLIED)? {
            Some(b) => decode(&b, subject.clone(), "last applied log id")?,
            None => None,
        };
        let last_membership = match read(keys::LAST_MEMBERSHIP)? {
            Some(b) => decode(&b, subject.clone(), "last membership")?,
            None => Membership::default(),
        };
        let mut writer = PairWriter::new();
        for item in view.iter_in(&data).map_err(|e| read_error(&e))? {
            let (key, value) = item.map_err(|e| read_error(&e))?;
            writer
                .push(&key, &value)
                .map_err(|e| io_error(subject.clone(), ErrorVerb::Write, &e))?;
        }
        Ok(Taken {
            last_log_id,
            last_membership,
            bytes: writer.finish(),
        })
    }

    /// Names `taken` and stores it as the current snapshot (synced), unless
    /// an install since it was taken holds a newer state: that one stays
    /// current, as openraft keeps the newer of two snapshots.
    pub(crate) fn keep_snapshot(&self, taken: Taken) -> Result<Snapshot<TypeConfig>, StorageError> {
        let _storing = self.storing();
        let number = self.next_snapshot_number()?;
        let snapshot_id = match taken.last_log_id {
            Some(id) => format!("{}-{}-{number}", id.leader_id, id.index),
            None => format!("none-{number}"),
        };
        let meta = Meta {
            last_log_id: taken.last_log_id,
            last_membership: taken.last_membership,
            snapshot_id,
        };
        let newer_current = self
            .current_record()?
            .is_some_and(|r| r.meta.last_log_id > meta.last_log_id);
        if !newer_current {
            self.store_current(&meta, number, &taken.bytes)?;
        }
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(taken.bytes)),
        })
    }
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    /// Takes the map and its applied state at one FerrisDB snapshot and
    /// keeps the result as the current snapshot.
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
        let taken = self.take_snapshot()?;
        self.keep_snapshot(taken)
    }
}

#[cfg(test)]
mod tests;
