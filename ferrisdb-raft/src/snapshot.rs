//! Snapshots of the [`StateMachine`]: built from a FerrisDB `Snapshot`, so
//! the data and the applied state are read at one point in time, and
//! installed into a fresh `sm_<generation>` keyspace, switched to in the one
//! synced batch that also records the applied state and the snapshot.
//!
//! The snapshot's bytes are the JSON list of the map's `(key, value)`
//! pairs. The current snapshot (built or installed) is kept in `raft_meta`
//! (its meta and bytes), because the map moves on after it is taken and
//! `get_current_snapshot` must still return it, also after a restart.

use std::io::Cursor;

use ferrisdb_storage::{WriteBatch, WriteOptions};
use openraft::{ErrorSubject, ErrorVerb, LogId, RaftSnapshotBuilder, Snapshot, SnapshotMeta};

use crate::codec::{decode, encode, io_error};
use crate::keys;
use crate::state_machine::{Generation, Membership, StateMachine};
use crate::{StorageError, TypeConfig};

/// The meta of a snapshot of [`TypeConfig`].
type Meta = SnapshotMeta<u64, openraft::BasicNode>;

/// How many pairs an install writes per batch into the new keyspace.
const INSTALL_BATCH_PAIRS: usize = 1024;

/// The `(key, value)` pairs a snapshot holds.
type Pairs = Vec<(Vec<u8>, Vec<u8>)>;

impl StateMachine {
    /// Records `meta` and `data` as the current snapshot, in `batch`.
    fn put_current(
        &self,
        batch: &mut WriteBatch,
        meta: &Meta,
        data: &[u8],
    ) -> Result<(), StorageError> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        batch
            .put_in(&self.meta, keys::SNAPSHOT_META, encode(meta, subject)?)
            .put_in(&self.meta, keys::SNAPSHOT_DATA, data);
        Ok(())
    }

    /// Replaces the map and the applied state with the snapshot `data` of
    /// `meta`, and makes it the current snapshot. A crash before the switch
    /// leaves the old generation whole (the new keyspace is dropped at the
    /// next open); after it, the new one.
    pub(crate) fn install(&mut self, meta: &Meta, data: Vec<u8>) -> Result<(), StorageError> {
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let write_error =
            |e: &ferrisdb_storage::Error| io_error(subject.clone(), ErrorVerb::Write, e);
        let pairs: Pairs = decode(&data, subject.clone(), "snapshot data")?;
        // Held to the end: a build waits, and then reads the new generation.
        let mut current = self.generation();
        let generation = current.number.checked_add(1).ok_or_else(|| {
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
        for chunk in pairs.chunks(INSTALL_BATCH_PAIRS) {
            let mut batch = WriteBatch::new();
            for (key, value) in chunk {
                batch.put_in(&data_keyspace, key, value);
            }
            // Not synced: the synced switch below is after these writes in
            // the log, and FerrisDB never keeps a write without the ones
            // before it.
            self.db.write(batch).map_err(|e| write_error(&e))?;
        }
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
        self.put_current(&mut batch, meta, &data)?;
        self.db
            .write_opt(batch, &WriteOptions::durable())
            .map_err(|e| write_error(&e))?;
        let old = keys::sm_keyspace(current.number);
        *current = Generation {
            number: generation,
            data: data_keyspace,
        };
        // The old data is unreachable now; if this fails, the next open
        // drops it.
        self.db
            .drop_keyspace(&old)
            .map_err(|e| io_error(subject, ErrorVerb::Delete, &e))
    }

    /// The current snapshot, `None` before the first is built or installed.
    pub(crate) fn current_snapshot(&self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        let Some(meta) = self.read_meta::<Meta>(keys::SNAPSHOT_META, "snapshot meta")? else {
            return Ok(None);
        };
        let subject = ErrorSubject::Snapshot(Some(meta.signature()));
        let data = self
            .meta
            .get(keys::SNAPSHOT_DATA)
            .map_err(|e| io_error(subject, ErrorVerb::Read, &e))?
            .map(|d| d.to_vec())
            .unwrap_or_default();
        Ok(Some(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        }))
    }
}

impl RaftSnapshotBuilder<TypeConfig> for StateMachine {
    /// Reads the map and its applied state at one FerrisDB snapshot, and
    /// records the result as the current snapshot (synced).
    async fn build_snapshot(&mut self) -> Result<Snapshot<TypeConfig>, StorageError> {
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
        let last_log_id: Option<LogId<u64>> = match read(keys::LAST_APPLIED)? {
            Some(b) => decode(&b, subject.clone(), "last applied log id")?,
            None => None,
        };
        let last_membership: Membership = match read(keys::LAST_MEMBERSHIP)? {
            Some(b) => decode(&b, subject.clone(), "last membership")?,
            None => Membership::default(),
        };
        let counter: u64 = match read(keys::SNAPSHOT_COUNTER)? {
            Some(b) => decode(&b, subject.clone(), "snapshot counter")?,
            None => 0,
        };
        let mut pairs: Pairs = Vec::new();
        for item in view.iter_in(&data).map_err(|e| read_error(&e))? {
            let (key, value) = item.map_err(|e| read_error(&e))?;
            pairs.push((key.to_vec(), value.to_vec()));
        }
        drop(view);
        let data = encode(&pairs, subject.clone())?;
        let counter = counter.wrapping_add(1);
        let snapshot_id = match last_log_id {
            Some(id) => format!("{}-{}-{counter}", id.leader_id, id.index),
            None => format!("none-{counter}"),
        };
        let meta = Meta {
            last_log_id,
            last_membership,
            snapshot_id,
        };
        let mut batch = WriteBatch::new();
        batch.put_in(
            &self.meta,
            keys::SNAPSHOT_COUNTER,
            encode(&counter, subject.clone())?,
        );
        self.put_current(&mut batch, &meta, &data)?;
        self.db
            .write_opt(batch, &WriteOptions::durable())
            .map_err(|e| io_error(subject, ErrorVerb::Write, &e))?;
        Ok(Snapshot {
            meta,
            snapshot: Box::new(Cursor::new(data)),
        })
    }
}
