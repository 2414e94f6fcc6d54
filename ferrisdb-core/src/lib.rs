//! Core types shared by every FerrisDB crate.
//!
//! FerrisDB is a log-structured merge-tree (LSM) key-value storage engine. This
//! crate holds the vocabulary the rest of the engine speaks:
//!
//! - [`Key`], [`Value`] and [`Timestamp`]: user data and the version stamp the
//!   engine gives every write; [`KeyspaceId`], which keyspace a key is in.
//! - [`Slice`]: the bytes a read returns, shared with the block they were read
//!   from instead of copied.
//! - [`Operation`]: whether an entry stores a value or deletes one (a tombstone).
//! - [`RangeTombstone`]: one write deleting every key of a range, and
//!   [`range_tombstone`]'s normal form `[start, end)` of any range.
//! - [`InternalKey`]: a user key with its timestamp, ordered so that the newest
//!   version of a key comes first. Every sorted structure in the engine (the
//!   MemTable, SSTables, merges) is ordered by it.
//! - [`SyncMode`] and [`CompressionType`]: settings whose meaning is shared by
//!   the write-ahead log, the tables and the engine.
//! - [`Error`] and [`Result`]: the one error type every public function returns,
//!   with [`Unsupported`] and [`FeatureClass`] saying what a database written
//!   by a newer FerrisDB needs.
//! - [`coding`]: bounds-checked little-endian and varint encoding, used by every
//!   on-disk format.
//!
//! Applications meet these types through `ferrisdb-storage`, which re-exports
//! those its API uses. The [architecture][architecture] maps the crates and
//! their modules, [LSM-trees explained][lsm-trees] says why versions are
//! ordered newest first, the [SSTable format][format-sstable] how an internal
//! key is laid out on disk, and the [glossary][glossary] defines the terms.
//!
//! [architecture]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/architecture.md
//! [lsm-trees]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/lsm-trees.md
//! [format-sstable]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/sstable.md
//! [glossary]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/glossary.md

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod coding;
mod error;
mod escape;
mod format_support;
pub mod hash;
mod internal_key;
mod operation;
mod options;
pub mod range_tombstone;
mod slice;

pub use error::{Error, Result};
pub use escape::{escape_bytes, unescape_bytes};
pub use format_support::{FeatureClass, Unsupported};
pub use internal_key::{compare_user_keys, InternalKey};
pub use operation::Operation;
pub use options::{CompressionType, ReadOptions, SyncMode, WriteOptions};
pub use range_tombstone::RangeTombstone;
pub use slice::Slice;

/// A user key: any sequence of bytes, compared bytewise.
pub type Key = Vec<u8>;

/// A user value: any sequence of bytes, possibly empty.
pub type Value = Vec<u8>;

/// The id of a keyspace: one of a database's independent sets of keys,
/// each with its own MemTables and tables, written atomically together.
///
/// The database gives each keyspace an id when it makes it, never reused;
/// the logs, the tables and the manifest name keyspaces by id, never by name.
pub type KeyspaceId = u32;

/// The id of the `default` keyspace, which every database has and which
/// cannot be dropped: the keys `StorageEngine::put` and `get` use.
pub const DEFAULT_KEYSPACE_ID: KeyspaceId = 0;

/// The version stamp of a write.
///
/// The engine assigns timestamps itself, strictly increasing across restarts;
/// every entry of one write batch shares one timestamp. A read at timestamp `t`
/// sees the newest version of each key whose timestamp is at most `t`.
pub type Timestamp = u64;
