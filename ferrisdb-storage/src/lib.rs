//! FerrisDB's storage engine: a log-structured merge-tree (LSM) you embed as a
//! library.
//!
//! A write goes to the write-ahead log (so it survives a crash) and then to the
//! in-memory MemTable (so it can be read at once). A full MemTable is frozen and
//! flushed to an immutable sorted file, an SSTable; compaction merges tables in
//! the background so reads stay fast and deleted data leaves the disk. A read
//! looks in the MemTables first, then in the tables from newest to oldest.
//!
//! See `docs/architecture.md` in the repository for the crates, the modules and
//! the data flow of a write and a read.
//!
//! ```
//! use ferrisdb_storage::{Slice, StorageConfig, StorageEngine, SyncMode, WriteBatch, WriteOptions};
//!
//! # fn main() -> ferrisdb_storage::Result<()> {
//! # let dir = tempfile::tempdir().unwrap();
//! let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
//!
//! // A batch is built in place and written atomically, with one timestamp.
//! let mut batch = WriteBatch::new();
//! batch.put("fruit:apple", "red").put("fruit:kiwi", "green");
//! for (name, colour) in [("fruit:lime", "green"), ("fruit:plum", "purple")] {
//!     batch.put(name, colour);
//! }
//! batch.delete("fruit:kiwi");
//! db.write(batch)?;
//!
//! // This one write is on stable storage before `put_opt` returns, whatever
//! // the engine's default sync mode.
//! let durable = WriteOptions { sync: Some(SyncMode::Full), ..WriteOptions::default() };
//! db.put_opt("fruit:fig", "violet", &durable)?;
//!
//! // Values come back as `Slice`s: once the value's block is cached, a read
//! // shares its bytes instead of copying them, and cloning a `Slice` copies
//! // nothing either.
//! db.flush()?;
//! let apple: Slice = db.get("fruit:apple")?.expect("written above");
//! assert_eq!(apple, "red");
//! assert_eq!(&apple[..], b"red");
//!
//! // `iter` walks every key, forwards or, with `.rev()`, backwards.
//! let keys: Vec<Slice> = db.iter()?.map(|item| item.map(|(k, _)| k)).collect::<Result<_, _>>()?;
//! assert_eq!(keys, ["fruit:apple", "fruit:fig", "fruit:lime", "fruit:plum"]);
//! let (last, _) = db.iter()?.next_back().transpose()?.expect("not empty");
//! assert_eq!(last, "fruit:plum");
//!
//! // Handles are cheap clones of one database; `close` closes it for all.
//! let other = db.clone();
//! db.close()?;
//! assert!(matches!(other.get("fruit:apple"), Err(ferrisdb_storage::Error::Closed)));
//! # Ok(())
//! # }
//! ```

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![deny(missing_docs)]
// The internal modules' docs (reachable through the hidden `internals`) are
// written for the engine's maintainers and link to the private modules they
// explain.
#![allow(rustdoc::private_intra_doc_links)]

mod compaction;
mod config;
mod engine;
mod filename;
pub mod fs;
#[doc(hidden)]
pub mod internals;
mod iterator;
mod lock;
mod manifest;
mod memtable;
mod range_del;
pub mod sstable;
mod storage_engine;
mod telemetry;
mod versions;
pub mod wal;
mod write_batch;

pub use config::{
    CompactionStyle, KeyspaceOptions, LeveledOptions, SizeTieredOptions, StorageConfig,
};
pub use engine::progress::Progress;
pub use engine::repair::report::{
    AffectedRange, ManifestUse, MovedFile, RepairOptions, RepairReport, RepairedKeyspace,
};
pub use engine::stats::{EngineStats, KeyspaceStats, LevelStats};
pub use engine::verify::report::{Damage, VerifyReport};
pub use ferrisdb_core::{
    CompressionType, Error, FeatureClass, Operation, ReadOptions, Result, Slice, SyncMode,
    Timestamp, Unsupported, WriteOptions,
};
pub use iterator::scan::Scan;
// The core vocabulary, for the crate's own modules (`crate::Key`, ...).
pub(crate) use ferrisdb_core::{InternalKey, Key, KeyspaceId, DEFAULT_KEYSPACE_ID};
pub use manifest::TableRecord;
pub use sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
pub use storage_engine::{
    Keyspace, Snapshot, StorageEngine, Transaction, TransactionScan, TRANSACTION_ATTEMPTS,
};
pub use wal::RecoveryMode;
pub use write_batch::{Iter as WriteBatchIter, RangeDeletes as WriteBatchRangeDeletes, WriteBatch};

/// The Rust code of the repository's `README.md`, compiled and run as a
/// doctest so the front page cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
