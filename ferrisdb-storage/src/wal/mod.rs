//! The write-ahead log: makes a write durable before it is acknowledged.
//!
//! Every [`WriteBatch`](crate::WriteBatch) is appended to the log as one
//! record before it goes into the MemTable. After a crash the engine replays
//! the log: a batch comes back whole or not at all.
//!
//! - `WalWriter` (the engine's) appends batches under a
//!   [`SyncMode`](crate::SyncMode), rotates to a new file at a size limit,
//!   and shares syncs between threads (group commit).
//! - [`WalReader`] iterates the batches of one file and tells a torn tail
//!   (what a crash leaves, past the durable length the log's records claim)
//!   from corruption, as its [`RecoveryMode`] asks.
//! - [`wal_files`] lists the WAL files of a directory in log order.
//!
//! Files are named `000001.wal`, `000002.wal`, ...; the byte format is
//! specified in `docs/format/wal.md` and its constants are in `format.rs`.
//!
//! The public part of this module is the reader, for tools that inspect
//! logs; the writer is the engine's own.

pub(crate) mod files;
pub(crate) mod format;
mod fragment;
mod payload;
pub(crate) mod reader;
pub(crate) mod writer;

pub use files::{wal_files, WalHeader};
pub use reader::{DamageKind, RecoveryMode, WalDamage, WalReader, WalRecord};

pub(crate) use payload::framed_seal;
pub(crate) use writer::{WalOptions, WalPosition, WalWriter};
