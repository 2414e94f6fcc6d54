//! A manifest older than the directory's files: one put back from a
//! checkpoint or a backup after a flush or a compaction. Its list of tables
//! names tables since deleted and leaves out those that replaced them, and
//! its log numbers name logs since deleted, whose writes are in those
//! unlisted tables: followed, it would set aside into `lost/` data the
//! database held, outside every range the report names.
//!
//! The sign is the one `open` refuses a manifest for (`check_oldest_log`,
//! `leftovers.rs`): the newest manifest lists no table that is missing
//! (the engine deletes a table only once a manifest without it is durable),
//! its oldest needed log exists (under its own name or its temporary one),
//! and it is a new database's (log number 0) only while there is no table.
//! Such a mismatch matters to repair only beside a table the manifest does
//! not list. File numbers cannot tell: the output of a flush or compaction
//! that a crash cut off before the newest manifest recorded it is numbered
//! at or above that manifest's next file number too, and is rightly set
//! aside (its writes are in the listed tables or the needed logs).
//!
//! A stale manifest is kept for what did not go out of date: its keyspaces'
//! names, options and ids (an id below its next keyspace id that it does
//! not list was dropped), and its features. For tables and logs repair does
//! as without a manifest: it reads every one, and timestamps decide which
//! version is newest. A table it lists that is missing is an affected
//! range: a compaction may have replaced it, or it was lost, and nothing
//! tells which. What it cannot know, it cannot keep out: a keyspace
//! dropped after it was written may come back with what the directory
//! still holds of it (writes in the logs), as without a manifest.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use super::files::Files;
use super::report::AffectedRange;
use crate::filename::{table_file_name, wal_file_name, wal_temp_file_name};
use crate::manifest::{KeyspaceId, ManifestState, TableRecord};

/// Why `state` is older than the directory's `files` (in `dir`), if it is.
pub(super) fn why(state: &ManifestState, files: &Files, dir: &Path) -> Option<String> {
    let listed: BTreeSet<u64> = state.all_tables().map(|(_, t)| t.file_number).collect();
    let unlisted = files.tables.keys().find(|n| !listed.contains(n))?;
    let missing = listed.iter().find(|n| !files.tables.contains_key(n));
    let log = state.log_number;
    let has_log = files.logs.contains_key(&log)
        || files.temporary.contains(&dir.join(wal_temp_file_name(log)));
    let sign = match missing {
        Some(&number) => format!("it lists {}, which is missing", table_file_name(number)),
        None if log == 0 => "it is a new database's (log number 0)".to_owned(),
        None if !has_log => format!("it needs {}, which is missing", wal_file_name(log)),
        None => return None,
    };
    Some(format!(
        "the manifest is older than the directory's files: {sign}, and it does not list {}; its \
         keyspaces were kept, and every table and log was read",
        table_file_name(*unlisted)
    ))
}

/// Each table the manifest `state` lists, by number, with its keyspace.
pub(super) fn listed(state: Option<&ManifestState>) -> HashMap<u64, (KeyspaceId, &TableRecord)> {
    let tables = state.into_iter().flat_map(ManifestState::all_tables);
    tables.map(|(id, t)| (t.file_number, (id, t))).collect()
}

/// The range of the table `record`, of `keyspace`, that the manifest lists
/// and the directory lacks at `path`. A stale manifest's may have been
/// replaced by tables repair read, or lost: which, nothing tells.
pub(super) fn missing(
    keyspace: Option<String>,
    record: &TableRecord,
    path: PathBuf,
    stale: bool,
) -> AffectedRange {
    let reason = if stale {
        "the manifest lists this table, but the file is missing: a compaction after the \
         manifest was written may have replaced it by tables that were read, or its entries are \
         lost"
    } else {
        "the manifest lists this table, but the file is missing: its entries are lost"
    };
    AffectedRange {
        keyspace,
        start: Some(record.smallest.user_key.clone()),
        end: Some(record.largest.user_key.clone()),
        file: path,
        offset: 0,
        reason: reason.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::InternalKey;

    fn dir() -> PathBuf {
        PathBuf::from("/db")
    }

    /// A manifest listing the default keyspace's tables `tables`, needing
    /// the logs from `log` on.
    fn manifest(tables: &[u64], log: u64) -> ManifestState {
        let record = |file_number| TableRecord {
            level: 1,
            file_number,
            file_size: 1,
            entry_count: 1,
            tombstone_count: 0,
            smallest: InternalKey::new("a", 1),
            largest: InternalKey::new("b", 1),
            min_timestamp: 1,
            max_timestamp: 1,
        };
        ManifestState {
            next_file_number: 10,
            log_number: log,
            tables: tables.iter().map(|&n| record(n)).collect(),
            ..ManifestState::default()
        }
    }

    /// A directory holding the tables `tables` and the logs `logs`.
    fn files(tables: &[u64], logs: &[u64]) -> Files {
        let mut files = Files::default();
        for &n in tables {
            files.tables.insert(n, dir().join(table_file_name(n)));
        }
        for &n in logs {
            files.logs.insert(n, dir().join(wal_file_name(n)));
        }
        files
    }

    #[test]
    fn leftovers_beside_the_newest_manifest_are_no_sign() {
        // A replaced input (3) and an unrecorded output (12, above the next
        // file number): the listed table and the needed log are there.
        let leftovers = files(&[3, 5, 12], &[7, 11]);
        assert_eq!(why(&manifest(&[5], 7), &leftovers, &dir()), None);
        // The needed log under its temporary name: an open cut short.
        let mut temp = files(&[5, 12], &[]);
        temp.temporary.push(dir().join(wal_temp_file_name(7)));
        assert_eq!(why(&manifest(&[5], 7), &temp, &dir()), None);
    }

    #[test]
    fn a_missing_table_or_log_is_a_sign_beside_an_unlisted_table() {
        let table = why(&manifest(&[3, 5], 7), &files(&[5, 12], &[7]), &dir()).unwrap();
        assert!(
            table.contains("000003.sst") && table.contains("000012.sst"),
            "{table}"
        );
        let log = why(&manifest(&[5], 7), &files(&[5, 12], &[11]), &dir()).unwrap();
        assert!(log.contains("000007.wal"), "{log}");
        let new = why(&manifest(&[], 0), &files(&[12], &[11]), &dir()).unwrap();
        assert!(new.contains("log number 0"), "{new}");
        // Nothing unlisted: the missing table is lost, as the report says.
        assert_eq!(
            why(&manifest(&[3, 5], 7), &files(&[5], &[11]), &dir()),
            None
        );
    }
}
