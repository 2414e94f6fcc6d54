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

#![deny(unsafe_op_in_unsafe_fn, clippy::undocumented_unsafe_blocks)]
#![warn(missing_docs)]

mod compaction;
mod config;
mod engine;
pub mod fs;
pub mod iterator;
pub mod manifest;
pub mod memtable;
pub mod sstable;
mod storage_engine;
pub mod wal;
mod write_batch;

pub use compaction::CompactionStyle;
pub use config::StorageConfig;
pub use engine::stats::{EngineStats, LevelStats};
pub use ferrisdb_core::{
    CompressionType, Error, InternalKey, Key, Operation, Result, SyncMode, Timestamp, Value,
};
pub use iterator::scan::Scan;
pub use sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
pub use storage_engine::{Snapshot, StorageEngine};
pub use wal::RecoveryMode;
pub use write_batch::WriteBatch;

/// The Rust code of the repository's `README.md`, compiled and run as a
/// doctest so the front page cannot go stale.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
pub struct ReadmeDoctests;
