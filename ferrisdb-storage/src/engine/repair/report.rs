//! What [`repair`](crate::StorageEngine::repair) is asked to do, and what it
//! reports: what it kept, what it moved into `lost/`, and the key ranges
//! where damage may have hidden what it could not read.

use std::fmt;
use std::path::PathBuf;

use ferrisdb_core::escape_bytes;

use crate::Error;

/// How [`StorageEngine::repair_with`](crate::StorageEngine::repair_with)
/// treats damage it cannot see past.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairOptions {
    /// Refuse to finish, changing nothing, when an unreadable part of a
    /// table or log may have held newer versions or tombstones of some keys
    /// (the report's [`affected`](RepairReport::affected) would not be
    /// empty): what such a part hid is unknown, so the older versions
    /// repair keeps there may be ones the database had overwritten or
    /// deleted.
    pub strict: bool,
}

impl RepairOptions {
    /// Options that refuse to finish over damage that may hide newer
    /// versions or tombstones.
    pub fn strict() -> Self {
        RepairOptions { strict: true }
    }
}

/// The outcome of a repair.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairReport {
    /// Whether the old manifest was read (and its keyspaces, their names
    /// and options, and the list of live tables kept), or why not: then
    /// every table and log in the directory was read, and keyspaces other
    /// than `default` are named `recovered-<id>` (`unknown-<file>` for the
    /// entries of a table whose properties are lost), but for those a
    /// stale manifest names.
    pub manifest: ManifestUse,
    /// Tables read, and the entries (versions and tombstones) read from
    /// them.
    pub tables_read: usize,
    /// Entries read from the tables.
    pub table_entries: u64,
    /// Logs read, and the write batches read from them.
    pub logs_read: usize,
    /// Write batches read from the logs.
    pub log_records: u64,
    /// Each keyspace of the repaired database.
    pub keyspaces: Vec<RepairedKeyspace>,
    /// Every file moved into `lost/`, with why. Repair deletes nothing.
    pub moved: Vec<MovedFile>,
    /// Where damage repair could not read past may have hidden newer
    /// versions or tombstones: what repair kept there may be out of date,
    /// or deleted keys brought back.
    pub affected: Vec<AffectedRange>,
}

/// Whether repair could use the manifest it found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ManifestUse {
    /// It was read: its keyspaces and its list of live tables were kept.
    #[default]
    Read,
    /// There was none, or it could not be read (the reason): every table
    /// and log of the directory was read.
    Rebuilt(String),
    /// It was read, but is older than the directory's files (the reason: a
    /// table it lists is missing, or the oldest log it needs, and a table
    /// it does not list is there), as a manifest put back from a checkpoint
    /// after a flush or compaction is: its keyspaces, their names and
    /// options, were kept, and every table and log of the directory was
    /// read, as without a manifest.
    Stale(String),
}

/// One keyspace as the repair wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RepairedKeyspace {
    /// Its name.
    pub name: String,
    /// Keys it holds after the repair: the newest version of each key that
    /// no tombstone deletes.
    pub keys: u64,
    /// Tables written for it.
    pub tables: usize,
}

/// A file repair moved into `lost/`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MovedFile {
    /// Where it was.
    pub from: PathBuf,
    /// Where it is now, in `lost/`.
    pub to: PathBuf,
    /// Why it was moved.
    pub reason: String,
}

/// A key range of a keyspace where an unreadable part of a file may have
/// held newer versions or tombstones.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AffectedRange {
    /// The keyspace, `None` when even that is unknown (the part could have
    /// held writes to any keyspace).
    pub keyspace: Option<String>,
    /// The first key it may cover (included); `None` from the first key.
    pub start: Option<Vec<u8>>,
    /// The last key it may cover (included); `None` to the last key.
    pub end: Option<Vec<u8>>,
    /// The damaged file.
    pub file: PathBuf,
    /// The offset of the damage in it.
    pub offset: u64,
    /// What was lost there.
    pub reason: String,
}

impl RepairReport {
    /// Whether repair read everything it found: nothing is in
    /// [`affected`](Self::affected).
    pub fn is_complete(&self) -> bool {
        self.affected.is_empty()
    }
}

impl fmt::Display for RepairReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.manifest {
            ManifestUse::Read => write!(f, "manifest read")?,
            ManifestUse::Rebuilt(why) => write!(f, "manifest rebuilt ({why})")?,
            ManifestUse::Stale(why) => write!(f, "manifest out of date ({why})")?,
        }
        write!(
            f,
            "; {} tables ({} entries) and {} logs ({} records) read",
            self.tables_read, self.table_entries, self.logs_read, self.log_records
        )?;
        for keyspace in &self.keyspaces {
            write!(
                f,
                "\n  keyspace {}: {} keys in {} tables",
                keyspace.name, keyspace.keys, keyspace.tables
            )?;
        }
        for moved in &self.moved {
            write!(
                f,
                "\n  moved {} to {}: {}",
                moved.from.display(),
                moved.to.display(),
                moved.reason
            )?;
        }
        for range in &self.affected {
            write!(f, "\n  {range}")?;
        }
        Ok(())
    }
}

impl fmt::Display for AffectedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let bound = |key: &Option<Vec<u8>>, open: &str| {
            key.as_deref().map_or_else(|| open.to_owned(), escape_bytes)
        };
        write!(
            f,
            "affected: keyspace {}, keys {} ..= {}: {} at byte {} of {}",
            self.keyspace.as_deref().unwrap_or("(any)"),
            bound(&self.start, "(first)"),
            bound(&self.end, "(last)"),
            self.reason,
            self.offset,
            self.file.display()
        )
    }
}

/// The error of a strict repair that found damage it cannot see past.
pub(super) fn refusal(affected: &[AffectedRange]) -> Error {
    let first = &affected[0];
    let ranges: Vec<String> = affected.iter().map(ToString::to_string).collect();
    Error::corruption(
        &first.file,
        first.offset,
        format!(
            "a strict repair changes nothing when damage may hide newer versions or tombstones, \
             and {} such ranges were found: {}; restore the damaged files from a backup, or \
             repair without strict, which keeps every readable entry and reports these ranges",
            affected.len(),
            ranges.join("; ")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_strict_refusal_names_the_first_damaged_file_and_every_range() {
        let range = |file: &str| AffectedRange {
            keyspace: Some("default".into()),
            start: Some(b"a".to_vec()),
            end: None,
            file: PathBuf::from(file),
            offset: 7,
            reason: "lost".into(),
        };
        let error = refusal(&[range("/db/000004.sst"), range("/db/000009.wal")]);
        let text = error.to_string();
        assert!(text.contains("000004.sst"), "{text}");
        assert!(text.contains("000009.wal"), "{text}");
        assert!(text.contains("2 such ranges"), "{text}");
        assert!(matches!(error, Error::Corruption { offset: 7, .. }));
    }
}
