//! The newest version of each key, from every source repair read, written
//! out as one sorted run of tables per keyspace.
//!
//! Every version carries the timestamp of its write, so which is newest
//! needs no order among the sources: the merge takes the entries of all of
//! them in [`InternalKey`] order (key, then newest first) and keeps, for
//! each key, its first, unless it is a delete or a range tombstone newer
//! than it covers it. What is kept is what a read of the key at the newest
//! timestamp returns, and the run needs no tombstone: nothing older is left
//! for one to hide.
//!
//! [`InternalKey`]: crate::InternalKey

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_core::{compare_user_keys, Operation, RangeTombstone};

use super::tables::TableEntries;
use crate::filename::table_file_name;
use crate::fs::SharedFileSystem;
use crate::manifest::format::NUM_LEVELS;
use crate::manifest::TableRecord;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::checked_blocks::OwnedEntry;
use crate::sstable::{TableBuilder, TableOptions};
use crate::versions::output::table_record;
use crate::{Result, Timestamp};

/// The level the repaired run goes to: the deepest, where a full
/// compaction leaves one sorted run under either strategy.
const REPAIRED_LEVEL: u32 = NUM_LEVELS as u32 - 1;

/// Where the merge takes entries from.
#[derive(Debug)]
pub(super) enum Source {
    /// A table's readable entries.
    Table(TableEntries),
    /// Entries in memory (read from the logs), in order.
    Memory(std::vec::IntoIter<OwnedEntry>),
}

impl Source {
    fn next_entry(&mut self) -> Result<Option<OwnedEntry>> {
        match self {
            Source::Table(entries) => entries.next_entry(),
            Source::Memory(entries) => Ok(entries.next()),
        }
    }
}

/// The smallest entry of one source, ordered for a max-heap so that the
/// smallest [`InternalKey`](crate::InternalKey) comes out first.
#[derive(Debug)]
struct Head {
    entry: OwnedEntry,
    source: usize,
}

impl Ord for Head {
    fn cmp(&self, other: &Self) -> Ordering {
        compare_user_keys(&other.entry.key, &self.entry.key)
            .then(self.entry.timestamp.cmp(&other.entry.timestamp))
            .then(other.source.cmp(&self.source))
    }
}

impl PartialOrd for Head {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Head {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Head {}

/// Calls `keep` with the newest version of each key of `sources`, in key
/// order, unless it is a delete or one of `tombstones` newer than it
/// covers it; calls `finished` with the index of each source once it has
/// given its last entry.
///
/// # Errors
///
/// The error of a source, or of `keep`.
pub(super) fn newest_versions(
    mut sources: Vec<Source>,
    tombstones: Vec<RangeTombstone>,
    mut keep: impl FnMut(&OwnedEntry) -> Result<()>,
    mut finished: impl FnMut(usize),
) -> Result<()> {
    let tombstones = FragmentedTombstones::from_tombstones(tombstones);
    let mut heap = BinaryHeap::with_capacity(sources.len());
    for (source, entries) in sources.iter_mut().enumerate() {
        match entries.next_entry()? {
            Some(entry) => heap.push(Head { entry, source }),
            None => finished(source),
        }
    }
    let mut last: Option<Vec<u8>> = None;
    while let Some(Head { entry, source }) = heap.pop() {
        match sources[source].next_entry()? {
            Some(next) => heap.push(Head {
                entry: next,
                source,
            }),
            None => finished(source),
        }
        if last.as_deref() == Some(entry.key.as_slice()) {
            continue;
        }
        let deleted = entry.operation == Operation::Delete
            || tombstones
                .covering(&entry.key, Timestamp::MAX)
                .is_some_and(|t| t > entry.timestamp);
        if !deleted {
            keep(&entry)?;
        }
        last = Some(entry.key);
    }
    Ok(())
}

/// Writes one keyspace's run: tables of `options` at the deepest level,
/// each started once the one before reaches `target_size`.
#[derive(Debug)]
pub(super) struct RunWriter<'a> {
    fs: &'a SharedFileSystem,
    dir: &'a Path,
    options: TableOptions,
    target_size: u64,
    current: Option<(u64, TableBuilder)>,
    /// The records of the tables finished.
    pub(super) records: Vec<TableRecord>,
    /// Keys written.
    pub(super) keys: u64,
}

impl<'a> RunWriter<'a> {
    pub(super) fn new(
        fs: &'a SharedFileSystem,
        dir: &'a Path,
        options: TableOptions,
        target_size: u64,
    ) -> Self {
        RunWriter {
            fs,
            dir,
            options,
            target_size,
            current: None,
            records: Vec::new(),
            keys: 0,
        }
    }

    /// Adds `entry`, a put, after every key added before; `number` gives
    /// the file number of a new table, and `written` is told its path.
    ///
    /// # Errors
    ///
    /// The I/O error of writing the table.
    pub(super) fn add(
        &mut self,
        entry: &OwnedEntry,
        number: &mut dyn FnMut() -> Result<u64>,
        written: &mut Vec<PathBuf>,
    ) -> Result<()> {
        if self.current.is_none() {
            let file_number = number()?;
            let path = self.dir.join(table_file_name(file_number));
            written.push(path.clone());
            let builder = TableBuilder::create(Arc::clone(self.fs), path, self.options)?;
            self.current = Some((file_number, builder));
        }
        let (_, builder) = self.current.as_mut().expect("a table was just started");
        builder.add_parts(&entry.key, entry.timestamp, Operation::Put, &entry.value)?;
        self.keys += 1;
        if builder.estimated_size() >= self.target_size {
            self.finish_table()?;
        }
        Ok(())
    }

    fn finish_table(&mut self) -> Result<()> {
        if let Some((file_number, builder)) = self.current.take() {
            let meta = builder.finish()?;
            self.records.push(table_record(
                REPAIRED_LEVEL,
                file_number,
                meta.file_size,
                &meta.properties,
            ));
        }
        Ok(())
    }

    /// Finishes the last table and returns the records of every table
    /// written, in key order.
    ///
    /// # Errors
    ///
    /// The I/O error of finishing the table.
    pub(super) fn finish(mut self) -> Result<(Vec<TableRecord>, u64)> {
        self.finish_table()?;
        Ok((std::mem::take(&mut self.records), self.keys))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(key: &str, timestamp: Timestamp, value: Option<&str>) -> OwnedEntry {
        OwnedEntry {
            key: key.as_bytes().to_vec(),
            timestamp,
            operation: if value.is_some() {
                Operation::Put
            } else {
                Operation::Delete
            },
            value: value.unwrap_or_default().as_bytes().to_vec(),
        }
    }

    fn memory(entries: Vec<OwnedEntry>) -> Source {
        Source::Memory(entries.into_iter())
    }

    fn kept(sources: Vec<Source>, tombstones: Vec<RangeTombstone>) -> Vec<(String, String)> {
        let mut kept = Vec::new();
        let count = sources.len();
        let mut finished = Vec::new();
        newest_versions(
            sources,
            tombstones,
            |e| {
                kept.push((
                    String::from_utf8(e.key.clone()).unwrap(),
                    String::from_utf8(e.value.clone()).unwrap(),
                ));
                Ok(())
            },
            |source| finished.push(source),
        )
        .unwrap();
        // Each source is told finished once.
        finished.sort_unstable();
        assert_eq!(finished, (0..count).collect::<Vec<_>>());
        kept
    }

    #[test]
    fn the_newest_version_wins_whatever_source_holds_it() {
        // An older table read after a newer one, as without a manifest.
        let old = memory(vec![entry("a", 1, Some("a1")), entry("b", 2, Some("b2"))]);
        let new = memory(vec![
            entry("a", 5, Some("a5")),
            entry("b", 6, None),
            entry("c", 7, Some("c7")),
        ]);
        // The same version read twice (a log and the table it was flushed to).
        let again = memory(vec![entry("c", 7, Some("c7"))]);
        assert_eq!(
            kept(vec![old, new, again], Vec::new()),
            [("a".into(), "a5".into()), ("c".into(), "c7".into())]
        );
    }

    #[test]
    fn a_range_tombstone_hides_only_older_versions() {
        let source = memory(vec![
            entry("a", 3, Some("a3")),
            entry("b", 9, Some("b9")),
            entry("c", 4, Some("c4")),
            entry("d", 4, Some("d4")),
        ]);
        let tombstone = RangeTombstone::new(b"a".to_vec(), Some(b"d".to_vec()), 5);
        assert_eq!(
            kept(vec![source], vec![tombstone]),
            [("b".into(), "b9".into()), ("d".into(), "d4".into())]
        );
    }
}
