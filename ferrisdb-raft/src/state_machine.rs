//! [`StateMachine`]: openraft's `RaftStateMachine` on FerrisDB, a key-value
//! map in keyspace `raft_sm_<generation>` with its applied state in `raft_meta`
//! (see [`keys`](crate::keys)); snapshots are in [`snapshot`](crate::snapshot).
//!
//! Each `apply` call is one `WriteBatch`: the data of its entries and the
//! last applied id and membership together, so the applied state never
//! claims data that is not there, nor the data runs ahead of it. The batch
//! is not synced: a power loss may lose the last applies, and openraft then
//! applies again the committed entries (the committed id is saved durably by
//! the log store), from the log, which is synced.

use std::collections::HashMap;
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard};

use ferrisdb_storage::{Keyspace, StorageEngine, WriteBatch};
use openraft::storage::RaftStateMachine;
use openraft::{EntryPayload, ErrorSubject, ErrorVerb, LogId, OptionalSend, Snapshot};
use openraft::{SnapshotMeta, StoredMembership};

use crate::codec::{decode, encode, io_error, Entry};
use crate::keys;
use crate::{Request, Response, StorageError, TypeConfig};

/// A key and its value, owned.
pub type Pair = (Vec<u8>, Vec<u8>);

/// What [`StateMachine::scan`] counts for a pair beside its key and value:
/// more than an encoding spends on their two lengths (postcard: at most 10
/// bytes each), so that a budget bounds the encoded reply, however small
/// the pairs.
pub const PAIR_OVERHEAD: usize = 20;
/// The membership as openraft stores it, for [`TypeConfig`].
pub(crate) type Membership = StoredMembership<u64, openraft::BasicNode>;

/// The state machine of a node in a FerrisDB database. A clone is a handle
/// of the same state machine (the snapshot builder is one).
#[derive(Debug, Clone)]
pub struct StateMachine {
    pub(crate) db: StorageEngine,
    pub(crate) meta: Keyspace,
    /// The chunks of the current snapshot.
    pub(crate) snapshots: Keyspace,
    current: Arc<RwLock<Generation>>,
    /// Held while a snapshot is stored, so that a build and an install
    /// never take the same snapshot number.
    storing: Arc<Mutex<()>>,
}

/// The current data generation: its number and keyspace. Shared by the
/// clones, because the snapshot builder runs beside applies and installs;
/// locked while an install switches it and while a build takes its view, so
/// a build reads the generation its view's applied state belongs to.
#[derive(Debug)]
pub(crate) struct Generation {
    pub(crate) number: u64,
    pub(crate) data: Keyspace,
}

impl StateMachine {
    /// The state machine of `db`. Drops every state machine keyspace other
    /// than the current generation's, and the chunks of every snapshot but
    /// the current one: the leftovers of an install or a build a crash
    /// interrupted before it switched.
    ///
    /// One `StateMachine` per database: its clones share the current
    /// generation, and a second `open` beside it would not see its installs.
    ///
    /// # Errors
    ///
    /// As a `StorageError`: [`check_database`](crate::check_database)'s
    /// error for a database whose limits are below the store's; a missing
    /// data keyspace while an applied state is recorded; a corrupt
    /// generation number; a FerrisDB error.
    pub fn open(db: &StorageEngine) -> Result<StateMachine, StorageError> {
        let subject = ErrorSubject::StateMachine;
        let open_error =
            |e: &ferrisdb_storage::Error| io_error(subject.clone(), ErrorVerb::Read, e);
        crate::check_database(db).map_err(|e| open_error(&e))?;
        let meta = db
            .keyspace(keys::META_KEYSPACE)
            .map_err(|e| open_error(&e))?;
        let generation = match meta.get(keys::SM_GENERATION).map_err(|e| open_error(&e))? {
            Some(bytes) => decode(&bytes, subject.clone(), "state machine generation")?,
            None => 0,
        };
        let names = db.keyspaces();
        let data_name = keys::sm_keyspace(generation);
        let applied = meta.get(keys::LAST_APPLIED).map_err(|e| open_error(&e))?;
        if !names.contains(&data_name) && (generation > 0 || applied.is_some()) {
            // Made afresh, it would be an empty map that claims the applied
            // entries: wrong reads, and an empty snapshot sent to followers.
            // Checked before other generations are dropped: they may be all
            // there is to recover from.
            let source = openraft::AnyError::error(format!(
                "the state machine's data keyspace {data_name} is missing, while {} records \
                 generation {generation} and an applied state: restore the database from a \
                 backup, or remove this node's data and add it back so that it receives a \
                 snapshot",
                keys::META_KEYSPACE
            ));
            return Err(openraft::StorageIOError::read_state_machine(source).into());
        }
        for name in &names {
            if keys::sm_generation(name).is_some_and(|g| g != generation) {
                db.drop_keyspace(name)
                    .map_err(|e| io_error(subject.clone(), ErrorVerb::Delete, &e))?;
            }
        }
        let data = db.keyspace(&data_name).map_err(|e| open_error(&e))?;
        let snapshots = db
            .keyspace(keys::SNAPSHOT_KEYSPACE)
            .map_err(|e| open_error(&e))?;
        let sm = StateMachine {
            db: db.clone(),
            meta,
            snapshots,
            current: Arc::new(RwLock::new(Generation {
                number: generation,
                data,
            })),
            storing: Arc::new(Mutex::new(())),
        };
        sm.drop_leftover_chunks()?;
        Ok(sm)
    }

    /// The current generation, read-locked: held across a read of its
    /// keyspace, so that an install does not switch and drop it meanwhile.
    /// A panic while the lock was held left the generation whole (it is
    /// replaced in one assignment), so a poisoned lock is used.
    pub(crate) fn generation(&self) -> RwLockReadGuard<'_, Generation> {
        self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// The current generation, write-locked, for an install's switch.
    pub(crate) fn generation_mut(&self) -> RwLockWriteGuard<'_, Generation> {
        self.current.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// The lock a snapshot store holds; poison is ignored as above.
    pub(crate) fn storing(&self) -> MutexGuard<'_, ()> {
        self.storing.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The keyspace of the current generation's data.
    fn data(&self) -> Keyspace {
        self.generation().data.clone()
    }

    /// The value of `key` in the map, `None` if it has none.
    ///
    /// # Errors
    ///
    /// FerrisDB's read error, as a `StorageError`.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        let value = self
            .generation()
            .data
            .get(key)
            .map_err(|e| io_error(ErrorSubject::StateMachine, ErrorVerb::Read, &e))?;
        Ok(value.map(|v| v.to_vec()))
    }

    /// The pairs of the map in `range`, in key order: at most `limit`, and
    /// none past the one that brings their size to `max_bytes` (the first
    /// always comes). A pair's size is its key, its value and
    /// [`PAIR_OVERHEAD`]. Also whether the scan stopped on `max_bytes` with
    /// pairs left in the range: the caller scans again after the last key.
    ///
    /// # Errors
    ///
    /// FerrisDB's read error, as a `StorageError`.
    pub fn scan(
        &self,
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        limit: usize,
        max_bytes: usize,
    ) -> Result<(Vec<Pair>, bool), StorageError> {
        let read_error =
            |e: &ferrisdb_storage::Error| io_error(ErrorSubject::StateMachine, ErrorVerb::Read, e);
        // The read lock held across the scan, as in `get`.
        let generation = self.generation();
        let mut scan = generation.data.scan(range).map_err(|e| read_error(&e))?;
        let (mut pairs, mut bytes) = (Vec::new(), 0usize);
        while pairs.len() < limit {
            let Some(item) = scan.next() else { break };
            let (key, value) = item.map_err(|e| read_error(&e))?;
            let size = key.len() + value.len() + PAIR_OVERHEAD;
            if !pairs.is_empty() && bytes + size > max_bytes {
                return Ok((pairs, true));
            }
            bytes += size;
            pairs.push((key.to_vec(), value.to_vec()));
        }
        Ok((pairs, false))
    }

    /// The metadata value under `key`, `None` if it was never written.
    pub(crate) fn read_meta<T: serde::de::DeserializeOwned>(
        &self,
        key: &[u8],
        what: &str,
    ) -> Result<Option<T>, StorageError> {
        let subject = ErrorSubject::StateMachine;
        let bytes = self
            .meta
            .get(key)
            .map_err(|e| io_error(subject.clone(), ErrorVerb::Read, &e))?;
        bytes.map(|b| decode(&b, subject, what)).transpose()
    }

    /// The last applied log id and the last applied membership.
    fn applied(&self) -> Result<(Option<LogId<u64>>, Membership), StorageError> {
        let applied = self.read_meta(keys::LAST_APPLIED, "last applied log id")?;
        let membership = self.read_meta(keys::LAST_MEMBERSHIP, "last membership")?;
        Ok((applied, membership.unwrap_or_default()))
    }

    /// The answer refusing `request` if it is over the limits, which every
    /// node gives the same way (see [`request`](crate::request)).
    fn refusal(request: &Request) -> Option<Response> {
        request.check().err().map(|e| Response {
            previous: None,
            refused: Some(e.to_string()),
        })
    }

    /// Applies `entries` in one batch; see the module docs.
    pub(crate) fn apply_entries(
        &mut self,
        entries: impl IntoIterator<Item = Entry>,
    ) -> Result<Vec<Response>, StorageError> {
        let data = self.data();
        let mut batch = WriteBatch::new();
        // The values this batch writes, so that a later entry of the batch
        // sees what an earlier one wrote.
        let mut written: HashMap<Vec<u8>, Option<Vec<u8>>> = HashMap::new();
        let mut responses = Vec::new();
        let mut last_applied = None;
        let mut membership = None;
        for entry in entries {
            last_applied = Some(entry.log_id);
            match entry.payload {
                EntryPayload::Blank => responses.push(Response::default()),
                EntryPayload::Normal(request) => {
                    if let Some(refused) = Self::refusal(&request) {
                        responses.push(refused);
                        continue;
                    }
                    let previous = match written.get(&request.key) {
                        Some(value) => value.clone(),
                        None => self.get(&request.key)?,
                    };
                    match &request.value {
                        Some(value) => batch.put_in(&data, &request.key, value),
                        None => batch.delete_in(&data, &request.key),
                    };
                    written.insert(request.key, request.value);
                    responses.push(Response {
                        previous,
                        refused: None,
                    });
                }
                EntryPayload::Membership(m) => {
                    membership = Some(Membership::new(Some(entry.log_id), m));
                    responses.push(Response::default());
                }
            }
        }
        let Some(last_applied) = last_applied else {
            return Ok(responses);
        };
        let subject = ErrorSubject::Apply(last_applied);
        batch.put_in(
            &self.meta,
            keys::LAST_APPLIED,
            encode(&last_applied, subject.clone())?,
        );
        if let Some(membership) = membership {
            batch.put_in(
                &self.meta,
                keys::LAST_MEMBERSHIP,
                encode(&membership, subject.clone())?,
            );
        }
        self.db
            .write(batch)
            .map_err(|e| io_error(subject, ErrorVerb::Write, &e))?;
        Ok(responses)
    }
}

impl RaftStateMachine<TypeConfig> for StateMachine {
    type SnapshotBuilder = StateMachine;

    async fn applied_state(&mut self) -> Result<(Option<LogId<u64>>, Membership), StorageError> {
        self.applied()
    }

    async fn apply<I>(&mut self, entries: I) -> Result<Vec<Response>, StorageError>
    where
        I: IntoIterator<Item = Entry> + OptionalSend,
        I::IntoIter: OptionalSend,
    {
        self.apply_entries(entries)
    }

    async fn get_snapshot_builder(&mut self) -> StateMachine {
        self.clone()
    }

    async fn begin_receiving_snapshot(
        &mut self,
    ) -> Result<Box<std::io::Cursor<Vec<u8>>>, StorageError> {
        Ok(Box::new(std::io::Cursor::new(Vec::new())))
    }

    async fn install_snapshot(
        &mut self,
        meta: &SnapshotMeta<u64, openraft::BasicNode>,
        snapshot: Box<std::io::Cursor<Vec<u8>>>,
    ) -> Result<(), StorageError> {
        self.install(meta, snapshot.into_inner())
    }

    async fn get_current_snapshot(&mut self) -> Result<Option<Snapshot<TypeConfig>>, StorageError> {
        self.current_snapshot()
    }
}

#[cfg(test)]
pub(crate) mod tests;
