//! Reading a table for repair: what of it is readable, and where it is
//! damaged, surveyed before anything is written (a strict repair must be
//! able to refuse having changed nothing); then its readable entries, in
//! order, for the merge.

use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_core::RangeTombstone;

use super::report::AffectedRange;
use crate::fs::SharedFileSystem;
use crate::manifest::TableRecord;
use crate::sstable::checked_blocks::OwnedEntry;
use crate::sstable::salvage::scan_data_blocks;
use crate::sstable::TableReader;
use crate::{Error, KeyspaceId, Result, Timestamp};

/// What repair found readable in one table file.
#[derive(Debug)]
pub(super) struct SurveyedTable {
    /// The file.
    pub(super) path: PathBuf,
    /// Its length in bytes.
    pub(super) size: u64,
    /// Its keyspace: from its properties, or the manifest that lists it;
    /// `None` when neither can say.
    pub(super) keyspace: Option<KeyspaceId>,
    /// Its readable entries.
    pub(super) data: TableData,
    /// Its range tombstones (none when its metadata is unreadable).
    pub(super) tombstones: Vec<RangeTombstone>,
    /// Readable entries.
    pub(super) entries: u64,
    /// The newest timestamp it holds, readable or not as far as its
    /// properties say.
    pub(super) max_timestamp: Timestamp,
    /// Where it is damaged; the keyspace of each range is filled in by the
    /// caller, who knows the names.
    pub(super) damage: Vec<AffectedRange>,
}

/// Where a surveyed table's readable entries are.
#[derive(Debug)]
pub(super) enum TableData {
    /// In the file: the data blocks of the index that read whole.
    Blocks {
        reader: Arc<TableReader>,
        readable: Vec<usize>,
    },
    /// Read already, by a scan of a file whose index or footer is lost.
    Scanned(Vec<OwnedEntry>),
}

/// Surveys the table at `path`; `record` is the manifest's record of it,
/// if a manifest lists it, and `keyspace` the keyspace that lists it.
///
/// # Errors
///
/// [`Error::UnsupportedFormat`] for a table only a later FerrisDB reads
/// (repair never rewrites what it cannot read in full), or the I/O error
/// of reading the file. Damage is in the survey.
pub(super) fn survey_table(
    fs: &SharedFileSystem,
    path: PathBuf,
    record: Option<&TableRecord>,
    keyspace: Option<KeyspaceId>,
) -> Result<SurveyedTable> {
    let reader = match TableReader::open(fs, &path, None) {
        Ok(reader) => reader,
        Err(error) if is_fatal(&error) => return Err(error),
        Err(error) => return scan(fs, path, record, keyspace, &error),
    };
    let mut readable = Vec::new();
    let mut damage = Vec::new();
    let mut entries = 0;
    // The last entry of the blocks read whole: the first of the next must
    // follow it, and a damaged block after it may cover the keys from its.
    let mut last: Option<OwnedEntry> = None;
    for (index, entry) in reader.index().iter().enumerate() {
        match reader.block_entries(index, last.as_ref()) {
            Ok(block) => {
                entries += block.len() as u64;
                last = block.into_iter().last().or(last);
                readable.push(index);
            }
            Err(error) if is_fatal(&error) => return Err(error),
            Err(error) => damage.push(AffectedRange {
                keyspace: None,
                start: last.as_ref().map(|e| e.key.clone()),
                end: Some(entry.last_key.user_key.clone()),
                file: path.clone(),
                offset: entry.handle.offset,
                reason: format!("a data block is unreadable ({error}); its entries are lost"),
            }),
        }
    }
    let properties = reader.properties();
    Ok(SurveyedTable {
        keyspace: Some(properties.keyspace),
        tombstones: reader.range_tombstones().tombstones().collect(),
        entries,
        max_timestamp: properties.max_timestamp,
        damage,
        path,
        size: reader.file_size(),
        data: TableData::Blocks { reader, readable },
    })
}

/// Whether `error`, met reading a file, stops the repair rather than
/// marking the file damaged: a file only a later FerrisDB reads (repair
/// never rewrites what it cannot read in full), or a failing read (the
/// disk, permissions), unless it is a read past the end of a file cut
/// short.
pub(super) fn is_fatal(error: &Error) -> bool {
    match error {
        Error::UnsupportedFormat { .. } => true,
        Error::Io { source, .. } => source.kind() != std::io::ErrorKind::UnexpectedEof,
        _ => false,
    }
}

/// Surveys a table whose footer, index or other metadata cannot be read
/// (`error`): its data blocks, found by their checksums.
fn scan(
    fs: &SharedFileSystem,
    path: PathBuf,
    record: Option<&TableRecord>,
    keyspace: Option<KeyspaceId>,
    error: &Error,
) -> Result<SurveyedTable> {
    let bytes = fs.read_all(&path)?;
    let (mut entries, stopped) = scan_data_blocks(&bytes, &path);
    if let Some(record) = record {
        // The manifest says how far the table goes: nothing past it is its.
        entries.retain(|e| e.internal_key() <= record.largest);
        entries.truncate(usize::try_from(record.entry_count).unwrap_or(usize::MAX));
    }
    let max_timestamp = entries.iter().map(|e| e.timestamp).max().unwrap_or(0);
    let max_timestamp = record.map_or(max_timestamp, |r| r.max_timestamp.max(max_timestamp));
    // Its range tombstones, if it had any, are lost with its metadata: they
    // may have deleted keys anywhere in its range.
    let damage = AffectedRange {
        keyspace: None,
        start: record.map(|r| r.smallest.user_key.clone()),
        end: record.map(|r| r.largest.user_key.clone()),
        file: path.clone(),
        offset: stopped,
        reason: format!(
            "the table's metadata is unreadable ({error}); {} entries were read from its data \
             blocks up to this byte, those after it and any range tombstone it held are lost",
            entries.len()
        ),
    };
    Ok(SurveyedTable {
        path,
        size: bytes.len() as u64,
        keyspace,
        entries: entries.len() as u64,
        data: TableData::Scanned(entries),
        tombstones: Vec::new(),
        max_timestamp,
        damage: vec![damage],
    })
}

/// The readable entries of a surveyed table, in order, read a block at a
/// time.
#[derive(Debug)]
pub(super) struct TableEntries {
    data: TableData,
    /// The next of the readable blocks to read.
    next_block: usize,
    pending: VecDeque<OwnedEntry>,
}

impl TableEntries {
    pub(super) fn new(data: TableData) -> Self {
        let (data, pending) = match data {
            TableData::Scanned(entries) => (TableData::Scanned(Vec::new()), entries.into()),
            blocks => (blocks, VecDeque::new()),
        };
        TableEntries {
            data,
            next_block: 0,
            pending,
        }
    }

    /// The next entry, or `None` after the last.
    ///
    /// # Errors
    ///
    /// The error of a block that read whole during the survey and no longer
    /// does: the file changed under repair, which holds the lock.
    pub(super) fn next_entry(&mut self) -> Result<Option<OwnedEntry>> {
        loop {
            if let Some(entry) = self.pending.pop_front() {
                return Ok(Some(entry));
            }
            let TableData::Blocks { reader, readable } = &self.data else {
                return Ok(None);
            };
            let Some(&index) = readable.get(self.next_block) else {
                return Ok(None);
            };
            self.next_block += 1;
            self.pending = reader.block_entries(index, None)?.into();
        }
    }
}
