//! What [`verify`](crate::StorageEngine::verify) returns: what it read, and
//! every damaged file it found, with the offset of the damage.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::Error;

/// The outcome of [`StorageEngine::verify`](crate::StorageEngine::verify):
/// how much it read and what it found damaged.
///
/// An empty [`damage`](Self::damage) list means every live table and log read
/// back whole, with every checksum and invariant holding.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifyReport {
    /// Live tables read, over every keyspace.
    pub tables: usize,
    /// Entries (versions and tombstones) read from them.
    pub table_entries: u64,
    /// Bytes of the table files read.
    pub table_bytes: u64,
    /// Live logs read: every log from the oldest one a keyspace still needs
    /// to the one being written when `verify` began.
    pub logs: usize,
    /// Records (write batches) read from them, each decoded.
    pub log_records: u64,
    /// Tables and logs in the directory that no manifest lists and that
    /// `verify` did not read: a flush or compaction under way writes one, a
    /// crash leaves some behind (the next `open` deletes those), and a log
    /// every keyspace has flushed waits here for its deletion. Not damage.
    pub unlisted: Vec<PathBuf>,
    /// Every damaged file, and every broken invariant, in the order found.
    pub damage: Vec<Damage>,
}

impl VerifyReport {
    /// Whether `verify` found nothing damaged.
    pub fn is_intact(&self) -> bool {
        self.damage.is_empty()
    }

    /// Records `error`, met while reading `file`, as damage.
    pub(crate) fn record(&mut self, file: &Path, error: Error) {
        self.damage.push(Damage::from_error(file, error));
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} tables ({} entries, {} bytes) and {} logs ({} records) read: ",
            self.tables, self.table_entries, self.table_bytes, self.logs, self.log_records
        )?;
        if self.is_intact() {
            return write!(f, "no damage found");
        }
        write!(f, "{} damaged", self.damage.len())?;
        for damage in &self.damage {
            write!(f, "\n  {damage}")?;
        }
        Ok(())
    }
}

/// One damaged file, or a broken invariant, that
/// [`verify`](crate::StorageEngine::verify) found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Damage {
    /// The damaged file: a table, a log, or the manifest for an invariant
    /// the manifest breaks (overlapping tables in a level, say).
    pub file: PathBuf,
    /// The byte offset in the file where the damage was found (0 when it is
    /// the file as a whole: a wrong size, a missing file).
    pub offset: u64,
    /// What is wrong, and what to do about it.
    pub reason: String,
}

impl Damage {
    /// The damage `error` reports, found while reading `file`: the file and
    /// offset the error names, if it names them.
    pub(crate) fn from_error(file: &Path, error: Error) -> Damage {
        match error {
            Error::Corruption {
                file,
                offset,
                reason,
            } => Damage {
                file,
                offset,
                reason,
            },
            Error::ChecksumMismatch {
                file,
                offset,
                expected,
                actual,
            } => Damage {
                file,
                offset,
                reason: format!(
                    "checksum mismatch: stored {expected:#010x}, computed {actual:#010x}"
                ),
            },
            Error::Io { path, source } => Damage {
                file: path,
                offset: 0,
                reason: format!("cannot be read: {source}"),
            },
            other => Damage {
                file: file.to_path_buf(),
                offset: 0,
                reason: other.to_string(),
            },
        }
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at byte {}: {}",
            self.file.display(),
            self.offset,
            self.reason
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damage_keeps_the_file_and_offset_an_error_names() {
        let read = Path::new("db/000007.sst");
        let damage = Damage::from_error(
            read,
            Error::ChecksumMismatch {
                file: PathBuf::from("db/000007.sst"),
                offset: 4096,
                expected: 1,
                actual: 2,
            },
        );
        assert_eq!((damage.file.as_path(), damage.offset), (read, 4096));
        assert!(damage.reason.contains("0x00000001"), "{}", damage.reason);

        let elsewhere = Damage::from_error(read, Error::corruption("db/MANIFEST", 12, "bad"));
        assert_eq!(elsewhere.file, PathBuf::from("db/MANIFEST"));
        assert_eq!((elsewhere.offset, elsewhere.reason.as_str()), (12, "bad"));

        let other = Damage::from_error(read, Error::InvalidArgument("not a log".into()));
        assert_eq!((other.file.as_path(), other.offset), (read, 0));
        assert!(other.reason.contains("not a log"), "{}", other.reason);
    }

    #[test]
    fn a_report_is_intact_until_it_records_damage() {
        let mut report = VerifyReport {
            tables: 2,
            table_entries: 10,
            ..VerifyReport::default()
        };
        assert!(report.is_intact());
        assert!(report.to_string().ends_with("no damage found"));
        report.record(
            Path::new("db/000002.wal"),
            Error::corruption("db/000002.wal", 40, "torn"),
        );
        assert!(!report.is_intact());
        assert!(report
            .to_string()
            .contains("db/000002.wal at byte 40: torn"));
    }
}
