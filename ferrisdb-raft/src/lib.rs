//! openraft storage on FerrisDB: the Raft log ([`LogStore`]) and the state
//! machine ([`StateMachine`]) of a node, kept in keyspaces of one
//! [`StorageEngine`](ferrisdb_storage::StorageEngine).
//!
//! The crate implements openraft 0.9.25's `storage-v2` traits
//! (`RaftLogReader`, `RaftLogStorage`, `RaftStateMachine`) on four kinds of
//! keyspaces (see [`keys`]): `raft_log` holds the entries keyed by their
//! index in big-endian, so that key order is index order and truncate and
//! purge are one range delete each; `raft_meta` holds the vote, the
//! committed and last purged log ids, the applied state and the record of
//! the current snapshot; `raft_snapshot` that snapshot's bytes in chunks;
//! `raft_sm_<generation>` the state machine's data, a new generation per
//! installed snapshot.
//!
//! Durability is what openraft assumes of a store: an appended entry is
//! reported flushed only once its batch is synced, a vote is synced before
//! `save_vote` returns, and the applied state is written in the same batch as
//! the data it covers, so that it never claims data that is not there.
//!
//! [`TypeConfig`] is the type configuration the crate's state machine
//! serves: a key-value map driven by [`Request`]s.
//!
//! [Raft storage on FerrisDB][raft] explains the key layout, the durability
//! points, the snapshot format and the tests; the crate's [README][readme]
//! runs a 3-node `raft-kv` cluster ([`service`]) on loopback.
//!
//! [raft]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/raft.md
//! [readme]: https://github.com/ferrisdb/ferrisdb/blob/main/ferrisdb-raft/README.md

// openraft's traits fix the error type, `StorageError`, at about 224 bytes;
// the crate's helpers return it as the trait methods must.
#![allow(clippy::result_large_err)]
#![deny(missing_docs)]

use std::io::Cursor;

pub mod keys;
pub mod linearizability;
pub mod service;

mod codec;
mod log_store;
mod request;
mod snapshot;
mod state_machine;

pub use log_store::{LogStore, MAX_BYTES_PER_READ, MAX_ENTRIES_PER_READ};
pub use request::{
    check_database, Request, Response, ENTRY_FRAMING_LEN, MAX_ENTRY_LEN, MAX_KEY_LEN, MAX_VALUE_LEN,
};
pub use state_machine::{Pair, StateMachine, PAIR_OVERHEAD};

openraft::declare_raft_types!(
    /// The openraft type configuration of a FerrisDB-backed node.
    pub TypeConfig:
        D = Request,
        R = Response,
        NodeId = u64,
        Node = openraft::BasicNode,
        Entry = openraft::Entry<TypeConfig>,
        SnapshotData = Cursor<Vec<u8>>,
        AsyncRuntime = openraft::TokioRuntime,
);

/// The storage error of [`TypeConfig`].
pub type StorageError = openraft::StorageError<u64>;
