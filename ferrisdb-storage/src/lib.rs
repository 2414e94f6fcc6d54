//! FerrisDB's storage engine: a log-structured merge-tree (LSM) you embed as a
//! library.
//!
//! A write goes to the write-ahead log (so it survives a crash) and then to the
//! in-memory MemTable (so it can be read at once). A full MemTable is frozen and
//! flushed to an immutable sorted file, an SSTable; compaction merges tables in
//! the background so reads stay fast and deleted data leaves the disk. A read
//! looks in the MemTables first, then in the tables from newest to oldest.
//!
//! The crate is meant to be read as well as used: the [guides](#guides) below
//! explain its design through its real code.
//!
//! # Quick start
//!
//! ```
//! use ferrisdb_storage::{Slice, StorageConfig, StorageEngine, WriteBatch};
//!
//! # fn main() -> ferrisdb_storage::Result<()> {
//! let path = std::env::temp_dir().join("ferrisdb-quick-start");
//! # let _ = std::fs::remove_dir_all(&path);
//! // Opening a directory that holds no database makes one.
//! let db = StorageEngine::open(StorageConfig::new(&path))?;
//!
//! db.put("fruit:apple", "red")?;
//! // A batch is written atomically, with one timestamp.
//! let mut batch = WriteBatch::new();
//! batch.put("fruit:kiwi", "green").put("fruit:plum", "purple").put("veg:leek", "green");
//! db.write(batch)?;
//! db.delete("fruit:kiwi")?;
//!
//! // Values come back as `Slice`s, which compare with strings and bytes.
//! assert_eq!(db.get("fruit:apple")?.expect("written above"), "red");
//! assert_eq!(db.get("fruit:kiwi")?, None);
//!
//! // Scans walk keys in order (`.rev()` for backwards); each item is a
//! // `Result`, since reading a table can fail.
//! let mut fruit = Vec::new();
//! for item in db.scan_prefix("fruit:")? {
//!     let (key, _value): (Slice, Slice) = item?;
//!     fruit.push(key);
//! }
//! assert_eq!(fruit, ["fruit:apple", "fruit:plum"]);
//!
//! // Syncs and seals the log and releases the directory; dropping the last
//! // handle does the same, without reporting an error.
//! db.close()?;
//! # std::fs::remove_dir_all(&path).unwrap();
//! # Ok(())
//! # }
//! ```
//!
//! # Where to start
//!
//! - [`StorageEngine`] is the database, a cheap `Clone` handle shared between
//!   threads. [`open`](StorageEngine::open) it; write with
//!   [`put`](StorageEngine::put), [`delete`](StorageEngine::delete) and
//!   [`write`](StorageEngine::write); read with [`get`](StorageEngine::get),
//!   [`iter`](StorageEngine::iter), [`scan`](StorageEngine::scan) and
//!   [`scan_prefix`](StorageEngine::scan_prefix); end with
//!   [`close`](StorageEngine::close).
//! - [`StorageConfig`] holds the settings as public fields with defaults:
//!   start from [`StorageConfig::new`] and set only what you care about.
//!   [`SyncMode`], [`CompressionType`] and [`CompactionStyle`] are the main
//!   choices; [`WriteOptions`] and [`ReadOptions`] change one call.
//! - [`WriteBatch`]: several puts, deletes and range deletes written
//!   atomically, across keyspaces too.
//! - Keyspaces, a database's independent sets of keys (RocksDB's column
//!   families) with settings of their own, sharing one log:
//!   [`StorageEngine::keyspace`] makes or opens one and returns a
//!   [`Keyspace`] handle with `put`, `get`, `delete`, scans and range
//!   deletes of its own; [`KeyspaceOptions`] are its settings.
//! - [`Snapshot`]: a consistent read-only view of every keyspace at one
//!   instant, from [`StorageEngine::snapshot`].
//! - Range deletes: [`StorageEngine::delete_range`] and
//!   [`delete_prefix`](StorageEngine::delete_prefix) delete any number of
//!   keys in one small write.
//! - [`Transaction`]: optimistic, serializable transactions, from
//!   [`StorageEngine::transaction`];
//!   [`run_transaction`](StorageEngine::run_transaction) retries one on
//!   conflict, and [`compare_and_swap`](StorageEngine::compare_and_swap) and
//!   [`fetch_update`](StorageEngine::fetch_update) are built on it.
//! - Operations: [`checkpoint`](StorageEngine::checkpoint) writes a
//!   consistent copy; [`verify`](StorageEngine::verify) reads every table and
//!   log back and reports damage ([`VerifyReport`]);
//!   [`StorageEngine::repair`] rebuilds a database that no longer opens
//!   ([`RepairReport`]); [`StorageEngine::open_read_only`] reads a database
//!   beside the process writing it; [`stats`](StorageEngine::stats) returns
//!   the counters to watch ([`EngineStats`]).
//! - [`Error`] is the one error type; each variant's documentation says what
//!   to do about it.
//! - [`fs`] is the file I/O the engine goes through
//!   ([`StorageConfig::file_system`]), which tests swap for one that injects
//!   faults and crashes. [`wal`] and [`sstable`] are the log and table
//!   layers, public for the project's tools (`wal-reader`, `sstable-dump`);
//!   an application needs neither.
//!
//! # Durability
//!
//! A write is acknowledged once it is in the write-ahead log as its
//! [`SyncMode`] demands, and then survives what that mode covers: under the
//! default [`SyncMode::Normal`] a crash of the process, under
//! [`SyncMode::Full`] a power loss, under [`SyncMode::None`] nothing. A batch
//! is all there after a crash or not at all, and recovery replays the log as
//! a prefix, so it never keeps a write and loses one acknowledged before it.
//!
//! # Guides
//!
//! The repository's documentation explains the engine through this code:
//!
//! - [Getting started][getting-started]: embedding the engine, in a runnable
//!   tour: writes, reads, scans, snapshots, keyspaces, transactions, settings.
//! - [Architecture][architecture]: the crates, the modules, the path of a
//!   write and of a read.
//! - Deep dives: [LSM-trees explained][lsm-trees] (start here),
//!   [WAL and crash recovery][wal], [SSTable design][sstable],
//!   [the concurrent skip list][skip-list], [compaction][compaction] and
//!   [the read path][read-path]; the [glossary][glossary] defines their
//!   terms.
//! - [Tuning][tuning]: each setting, with a `ferrisdb-bench` command and its
//!   measured effect.
//! - [Operations][operations]: the directory, checkpoints and restores,
//!   verify and repair, the stats to watch, and what to do about each error.
//! - [Performance][performance]: FerrisDB against fjall and RocksDB, and how
//!   it is measured.
//! - [Reliability][reliability]: the fault-injection, crash, corruption,
//!   stress and fuzz tests.
//! - Byte-level formats: [write-ahead log][format-wal], [SSTable][format-sstable],
//!   [manifest][format-manifest].
//! - [Raft storage][raft]: openraft's log and state machine on keyspaces
//!   (the `ferrisdb-raft` crate).
//!
//! [getting-started]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/getting-started.md
//! [architecture]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/architecture.md
//! [lsm-trees]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/lsm-trees.md
//! [wal]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/wal-crash-recovery.md
//! [sstable]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/sstable-design.md
//! [skip-list]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/concurrent-skip-list.md
//! [compaction]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/compaction.md
//! [read-path]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/deep-dive/read-path.md
//! [glossary]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/glossary.md
//! [tuning]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/tuning.md
//! [operations]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/operations.md
//! [performance]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/performance.md
//! [reliability]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/reliability.md
//! [format-wal]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/wal.md
//! [format-sstable]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/sstable.md
//! [format-manifest]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/format/manifest.md
//! [raft]: https://github.com/ferrisdb/ferrisdb/blob/main/docs/raft.md
//!
//! # Features
//!
//! - `serde`: [`EngineStats`] and [`LevelStats`] implement
//!   `serde::Serialize`.
//! - `metrics`: counters and latency histograms through the `metrics` crate's
//!   facade; the application installs the recorder.

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
