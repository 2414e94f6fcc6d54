//! The write-ahead log: makes a write durable before it is acknowledged.
//!
//! The log is a plain appender of bytes: a record's payload is whatever its
//! writer gives, and a reader gives it back as it was, or reports damage.
//! The log knows nothing of what the bytes mean (the engine logs the
//! encoding of each write batch), nor when to move on to a new file, nor how
//! files are numbered: its caller decides both.
//!
//! - `WalWriter` (the engine's) appends records under a
//!   [`SyncMode`](crate::SyncMode), finishes a file and starts the next one
//!   when told to, and shares syncs between threads (group commit).
//! - [`WalReader`] iterates the records of one file and tells a torn tail
//!   (what a crash leaves, past the durable length the log's records claim)
//!   from corruption, as its [`RecoveryMode`] asks. Records of logs written
//!   by older versions, which logged write batches themselves, come back
//!   marked [`PayloadKind::LegacyBatch`].
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
pub use payload::PayloadKind;
pub use reader::{DamageKind, RecoveryMode, WalDamage, WalReader, WalRecord};

pub(crate) use payload::framed_seal;
pub(crate) use writer::{len_after_append, WalOptions, WalPosition, WalWriter};
