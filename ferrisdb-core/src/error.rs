//! The one error type of FerrisDB.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Unsupported;

/// The result of every fallible FerrisDB function.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong in FerrisDB.
///
/// Each variant carries what a user needs to act: the file and the offset for
/// damage on disk, the OS error for failed I/O. The enum is `#[non_exhaustive]`:
/// match the variants you handle and keep a catch-all arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An operating-system call on `path` failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The file or directory the call was about.
        path: PathBuf,
        /// What the operating system reported.
        #[source]
        source: io::Error,
    },

    /// A file holds bytes that do not follow its format.
    #[error(
        "corruption in {} at byte {offset}: {reason}; the file is damaged: \
         restore it from a backup (for a write-ahead log, `.wal`, opening with \
         wal_recovery_mode = RecoveryMode::PointInTimeRecovery instead keeps the \
         writes before the damage and drops the rest)",
        file.display()
    )]
    Corruption {
        /// The damaged file.
        file: PathBuf,
        /// The byte offset in the file where the damage was found.
        offset: u64,
        /// What was wrong.
        reason: String,
    },

    /// A block of a file does not match the checksum stored with it.
    #[error(
        "checksum mismatch in {} at byte {offset}: stored {expected:#010x}, \
         computed {actual:#010x}; the file is damaged: restore it from a backup (for a \
         write-ahead log, `.wal`, opening with wal_recovery_mode = \
         RecoveryMode::PointInTimeRecovery instead keeps the writes before the damage and \
         drops the rest)",
        file.display()
    )]
    ChecksumMismatch {
        /// The damaged file.
        file: PathBuf,
        /// The byte offset of the checksummed block.
        offset: u64,
        /// The checksum stored in the file.
        expected: u32,
        /// The checksum of the bytes actually read.
        actual: u32,
    },

    /// The database was written by a newer FerrisDB: its manifest declares a
    /// format version or a feature this FerrisDB does not support, or a file
    /// of it holds a record only a newer FerrisDB reads (see
    /// [`Unsupported`]). The database is not damaged, and nothing of it is
    /// dropped or changed; open it with a FerrisDB that supports it.
    #[error(
        "the database of {} needs a newer FerrisDB: {unsupported}; the database is not damaged \
         and nothing in it was changed: open it with a FerrisDB that supports its format (the \
         format versions and feature flags are listed in docs/format/README.md)",
        file.display()
    )]
    UnsupportedFormat {
        /// The file that declares the format (the manifest), or holds what
        /// this FerrisDB cannot read (a log).
        file: PathBuf,
        /// What it declares that this FerrisDB does not support.
        unsupported: Unsupported,
    },

    /// A key is longer than the database accepts; nothing was written.
    ///
    /// The limit is `StorageConfig::max_key_size` (at most `MAX_KEY_SIZE`).
    #[error(
        "key of {len} bytes is over the limit of {limit} bytes (max_key_size); nothing was \
         written: shorten the key, or open the database with a larger max_key_size"
    )]
    KeyTooLarge {
        /// The length of the key that was refused.
        len: usize,
        /// The largest key the database accepts.
        limit: usize,
    },

    /// A value is longer than the database accepts; nothing was written.
    ///
    /// The limit is `StorageConfig::max_value_size` (at most
    /// `MAX_VALUE_SIZE`).
    #[error(
        "value of {len} bytes is over the limit of {limit} bytes (max_value_size); nothing was \
         written: split the value, or open the database with a larger max_value_size"
    )]
    ValueTooLarge {
        /// The length of the value that was refused.
        len: usize,
        /// The largest value the database accepts.
        limit: usize,
    },

    /// The caller passed something FerrisDB does not accept: an invalid
    /// setting (the message names it), a checkpoint into a directory that is
    /// not empty, keys given to a table builder out of order.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),

    /// Another `StorageEngine` holds the database's lock file: the directory
    /// is open in this process or another one.
    #[error(
        "database {} is locked: it is already open in this or another process; \
         close that instance first (the lock is released when it closes or exits)",
        path.display()
    )]
    DatabaseLocked {
        /// The lock file.
        path: PathBuf,
    },

    /// A failure stopped the engine earlier: a background flush or
    /// compaction, or the log sync of a `SyncMode::Full` write. The engine
    /// refuses writes from then on, so it never acknowledges a write it may
    /// be unable to keep; reads keep working. Fix the cause (free disk space,
    /// replace the failing disk) and reopen the database: nothing
    /// acknowledged is lost.
    #[error(
        "an earlier failure (of a flush, a compaction or a log sync) stopped the database, \
         so writes are refused until it is reopened (reads still work): {0}"
    )]
    Background(#[source] Arc<Error>),

    /// A keyspace handle, or a batch built with one, was used after its
    /// keyspace was dropped (`StorageEngine::drop_keyspace`). Nothing was
    /// written. The name may be created again, as a new and empty keyspace:
    /// get a handle to it with `StorageEngine::keyspace`.
    #[error(
        "keyspace \"{name}\" was dropped: its handles, and batches built with them, can no \
         longer be used, and nothing was written; to use the name again, get a new handle with \
         StorageEngine::keyspace, which makes a new, empty keyspace"
    )]
    KeyspaceDropped {
        /// The keyspace's name.
        name: String,
    },

    /// No keyspace of this name exists, or a batch holds an entry of a
    /// keyspace id the database never gave out (a batch decoded from bytes
    /// of another database). Nothing was written.
    #[error(
        "keyspace \"{name}\" does not exist and nothing was written: get a handle with \
         StorageEngine::keyspace, which makes a missing keyspace, and build batches with that \
         handle (StorageEngine::keyspaces lists the existing names)"
    )]
    KeyspaceNotFound {
        /// The keyspace's name; `#` and the id when only its id is known (an
        /// entry of a batch decoded from bytes).
        name: String,
    },

    /// A transaction could not commit: something committed after it began
    /// wrote what it read (a key, or a key in a range it scanned), a range
    /// delete covered it, a keyspace it read was dropped, or it ran too long
    /// to be checked. Nothing it wrote was written: run it again from the
    /// start, reading anew (`StorageEngine::run_transaction` does so).
    #[error(
        "transaction conflict: the transaction that began at timestamp {began} cannot commit \
         because {reason}; nothing it wrote was written: run it again from the start \
         (StorageEngine::run_transaction retries for you)"
    )]
    TransactionConflict {
        /// The timestamp the transaction read at.
        began: u64,
        /// What conflicted.
        reason: String,
    },

    /// The database was opened read-only
    /// (`StorageEngine::open_read_only`), which serves reads and writes
    /// nothing: no write, flush, compaction, checkpoint or keyspace change.
    /// Nothing was written.
    #[error(
        "the database is open read-only, so {operation} is refused and nothing was written: \
         open it with StorageEngine::open to change it (the process that has it open for \
         writing holds its lock)"
    )]
    ReadOnly {
        /// What was refused.
        operation: &'static str,
    },

    /// The object was closed (or failed and shut itself down) and accepts no
    /// more work; open it again.
    #[error(
        "closed: the database or file was closed and accepts no more operations; open it again"
    )]
    Closed,
}

impl Error {
    /// An [`Error::Io`] for `source` on `path`.
    pub fn io(path: impl AsRef<Path>, source: io::Error) -> Self {
        Error::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }

    /// A [`Error::Corruption`] in `file` at `offset`.
    pub fn corruption(file: impl AsRef<Path>, offset: u64, reason: impl Into<String>) -> Self {
        Error::Corruption {
            file: file.as_ref().to_path_buf(),
            offset,
            reason: reason.into(),
        }
    }

    /// Whether the error is a [`Error::TransactionConflict`]: the
    /// transaction may succeed if run again.
    pub fn is_conflict(&self) -> bool {
        matches!(self, Error::TransactionConflict { .. })
    }

    /// Whether the error means data on disk is damaged.
    pub fn is_corruption(&self) -> bool {
        matches!(
            self,
            Error::Corruption { .. } | Error::ChecksumMismatch { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_name_the_file_and_offset() {
        let err = Error::corruption("/db/000003.sst", 4096, "block length past end of file");
        let msg = err.to_string();
        assert!(msg.contains("/db/000003.sst"), "{msg}");
        assert!(msg.contains("4096"), "{msg}");
        assert!(msg.contains("block length past end of file"), "{msg}");
        assert!(err.is_corruption());

        let err = Error::ChecksumMismatch {
            file: "/db/000001.wal".into(),
            offset: 32,
            expected: 0xdead_beef,
            actual: 0x1234_5678,
        };
        let msg = err.to_string();
        assert!(
            msg.contains("/db/000001.wal") && msg.contains("32"),
            "{msg}"
        );
        assert!(
            msg.contains("0xdeadbeef") && msg.contains("0x12345678"),
            "{msg}"
        );
    }

    #[test]
    fn io_error_keeps_its_source() {
        let err = Error::io("/db/LOCK", io::Error::from(io::ErrorKind::PermissionDenied));
        assert!(err.to_string().contains("/db/LOCK"));
        let source = std::error::Error::source(&err).expect("source");
        assert!(source.to_string().to_lowercase().contains("permission"));
        assert!(!err.is_corruption());
    }

    #[test]
    fn size_errors_carry_the_length_and_the_limit() {
        let err = Error::ValueTooLarge {
            len: 20 << 20,
            limit: 16 << 20,
        };
        let msg = err.to_string();
        assert!(
            msg.contains("20971520") && msg.contains("16777216"),
            "{msg}"
        );
        assert!(msg.contains("max_value_size"), "{msg}");
        assert!(matches!(err, Error::ValueTooLarge { len, .. } if len == 20 << 20));
        let msg = Error::KeyTooLarge {
            len: 70_000,
            limit: 65_536,
        }
        .to_string();
        assert!(
            msg.contains("70000") && msg.contains("max_key_size"),
            "{msg}"
        );
    }

    #[test]
    fn an_unsupported_format_names_the_manifest_and_is_not_corruption() {
        let err = Error::UnsupportedFormat {
            file: "/db/MANIFEST".into(),
            unsupported: Unsupported::Version {
                found: 9,
                newest_supported: 3,
            },
        };
        let msg = err.to_string();
        assert!(msg.contains("/db/MANIFEST"), "{msg}");
        assert!(msg.contains("newer FerrisDB"), "{msg}");
        assert!(msg.contains("version is 9"), "{msg}");
        assert!(!err.is_corruption());
    }

    #[test]
    fn keyspace_errors_name_the_keyspace_and_say_what_to_do() {
        let msg = Error::KeyspaceDropped { name: "log".into() }.to_string();
        assert!(msg.contains("\"log\" was dropped"), "{msg}");
        assert!(msg.contains("StorageEngine::keyspace"), "{msg}");
        let msg = Error::KeyspaceNotFound {
            name: "users".into(),
        }
        .to_string();
        assert!(msg.contains("\"users\" does not exist"), "{msg}");
        assert!(msg.contains("StorageEngine::keyspaces"), "{msg}");
    }

    #[test]
    fn error_is_send_sync_and_static() {
        fn assert_bounds<T: Send + Sync + 'static>() {}
        assert_bounds::<Error>();
    }
}
