//! A table's metadata, read and checked once, when the table is opened: the
//! footer, the properties, the filter, the range-delete block and the index.
//!
//! Everything here comes from the file, so everything is checked before it
//! is trusted: every handle against the file and against its block's limit,
//! every block's checksum, and the blocks against one another (the data
//! blocks end where the metadata starts, the index agrees with the
//! properties, the range-delete block with its extension and the table's
//! bounds). Damage is an [`Error::Corruption`] naming the table and an
//! offset, never a panic.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_core::{Error, InternalKey, Result};

use super::block::Block;
use super::block_io::{read_block, Verify};
use super::bloom::{BloomFilter, FilterKind};
use super::footer::{BlockHandle, Footer};
use super::format::FOOTER_LEN;
use super::index::{decode_index, IndexEntry};
use super::index_search::IndexSearch;
use super::properties::TableProperties;
use super::property_extensions::RangeDeletes;
use super::range_del_block::{self, TableBounds};
use crate::fs::RandomAccessFile;
use crate::range_del::fragments::FragmentedTombstones;

/// What a reader keeps of a table's metadata.
#[derive(Debug)]
pub(super) struct Metadata {
    pub(super) footer: Footer,
    pub(super) properties: TableProperties,
    pub(super) filter: BloomFilter,
    pub(super) index: Vec<IndexEntry>,
    pub(super) index_search: IndexSearch,
    pub(super) range_tombstones: Arc<FragmentedTombstones>,
}

impl Metadata {
    /// Bytes the index (its entries and their search layout) and the bloom
    /// filter hold in memory: what an open reader keeps beyond the data
    /// blocks, which the block cache holds and charges.
    pub(super) fn index_and_filter_bytes(&self) -> usize {
        let keys: usize = self
            .index
            .iter()
            .map(|e| e.last_key.user_key.capacity())
            .sum();
        let filter = usize::try_from(self.filter.bit_count() / 8).unwrap_or(usize::MAX);
        self.index.capacity() * std::mem::size_of::<IndexEntry>()
            + keys
            + self.index_search.heap_bytes()
            + filter
    }

    /// Reads and checks the metadata of the table `file`, of `file_size`
    /// bytes, at `path`.
    pub(super) fn read(
        file: &dyn RandomAccessFile,
        path: &Arc<PathBuf>,
        file_size: u64,
    ) -> Result<Metadata> {
        if file_size < FOOTER_LEN as u64 {
            return Err(Error::corruption(
                path.as_path(),
                0,
                format!(
                    "file of {file_size} bytes is shorter than a table footer ({FOOTER_LEN} bytes)"
                ),
            ));
        }
        let footer_offset = file_size - FOOTER_LEN as u64;
        let mut footer_bytes = [0u8; FOOTER_LEN];
        file.read_exact_at(footer_offset, &mut footer_bytes)?;
        let footer = Footer::decode(&footer_bytes, path, footer_offset)?;
        let read = |handle| read_block(file, path, handle, footer_offset, Verify::Checksum);

        let properties = TableProperties::decode(&read(footer.properties)?)
            .map_err(|e| e.in_file(path, footer.properties.offset))?;
        // Data blocks are read up to `data_size`: it must end where the
        // metadata blocks start, within the file, or a damaged size would
        // let one data block claim (and allocate) more than the file holds.
        let metadata_start = footer
            .filter
            .offset
            .min(footer.index.offset)
            .min(footer.properties.offset);
        if properties.data_size > metadata_start {
            return Err(Error::corruption(
                path.as_path(),
                footer.properties.offset,
                format!(
                    "properties claim {} bytes of data blocks, but the metadata blocks start at \
                     byte {metadata_start}",
                    properties.data_size
                ),
            ));
        }
        // The footer decoder accepts only versions this FerrisDB reads.
        let kind = FilterKind::of_format_version(footer.version).ok_or_else(|| {
            Error::corruption(
                path.as_path(),
                footer_offset,
                format!("format version {} has no filter kind", footer.version),
            )
        })?;
        let filter = BloomFilter::decode(kind, read(footer.filter)?)
            .map_err(|e| e.in_file(path, footer.filter.offset))?;
        let range_tombstones = match &properties.range_deletes {
            None => FragmentedTombstones::empty(),
            Some(extension) => read_range_tombstones(&read, path, &footer, extension)?,
        };
        let tombstone_bounds = TableBounds::of_tombstones(&range_tombstones);
        check_bounds(path, &footer, &properties, tombstone_bounds.as_ref())?;
        let index_bytes = read(footer.index)?;
        let index = if properties.data_block_count == 0 && index_bytes.is_empty() {
            // A table of only range tombstones: an index of no bytes.
            Vec::new()
        } else {
            let block = Block::new(index_bytes, Arc::clone(path), footer.index.offset)?;
            decode_index(Arc::new(block), path, &properties)?
        };
        check_largest(
            path,
            &footer,
            &properties,
            &index,
            tombstone_bounds.as_ref(),
        )?;
        let index_search =
            IndexSearch::new(index.iter().map(|e| &e.last_key)).ok_or_else(|| {
                Error::corruption(
                    path.as_path(),
                    footer.index.offset,
                    "index keys exceed 4 GiB",
                )
            })?;
        Ok(Metadata {
            footer,
            properties,
            filter,
            index,
            index_search,
            range_tombstones: Arc::new(range_tombstones),
        })
    }
}

/// Reads the range-delete block the properties' `extension` locates: it
/// lies between the filter and the index, and holds what the extension
/// says.
fn read_range_tombstones(
    read: &dyn Fn(BlockHandle) -> Result<Vec<u8>>,
    path: &Path,
    footer: &Footer,
    extension: &RangeDeletes,
) -> Result<FragmentedTombstones> {
    let handle = extension.handle;
    let after_filter = footer.filter.end().is_some_and(|end| end <= handle.offset);
    let before_index = handle.end().is_some_and(|end| end <= footer.index.offset);
    if !(after_filter && before_index) {
        return Err(Error::corruption(
            path,
            footer.properties.offset,
            format!(
                "the range-delete block at {} of {} bytes is not between the filter (at {}) and \
                 the index (at {})",
                handle.offset, handle.size, footer.filter.offset, footer.index.offset
            ),
        ));
    }
    let tombstones =
        range_del_block::decode(&read(handle)?).map_err(|e| e.in_file(path, handle.offset))?;
    let fragments = tombstones.fragments().len() as u64;
    let timestamps = tombstones.timestamp_count() as u64;
    if fragments != u64::from(extension.fragment_count) || timestamps != extension.timestamp_count {
        return Err(Error::corruption(
            path,
            handle.offset,
            format!(
                "the range-delete block holds {fragments} fragments and {timestamps} tombstones; \
                 the properties say {} and {}",
                extension.fragment_count, extension.timestamp_count
            ),
        ));
    }
    Ok(tombstones)
}

/// Checks that the properties' bounds and timestamps hold the range
/// tombstones' (`tombstones`), and are exactly theirs in a table without
/// points.
fn check_bounds(
    path: &Path,
    footer: &Footer,
    props: &TableProperties,
    tombstones: Option<&TableBounds>,
) -> Result<()> {
    let Some(t) = tombstones else {
        return Ok(());
    };
    let holds = props.smallest_key <= t.smallest
        && props.min_timestamp <= t.min_timestamp
        && props.max_timestamp >= t.max_timestamp;
    let exact = props.smallest_key == t.smallest
        && props.min_timestamp == t.min_timestamp
        && props.max_timestamp == t.max_timestamp;
    if holds && (props.entry_count > 0 || exact) {
        return Ok(());
    }
    Err(Error::corruption(
        path,
        footer.properties.offset,
        format!(
            "properties bound the table from {} with timestamps {} to {}, which does not hold \
             its range tombstones from {} with timestamps {} to {}",
            props.smallest_key,
            props.min_timestamp,
            props.max_timestamp,
            t.smallest,
            t.min_timestamp,
            t.max_timestamp
        ),
    ))
}

/// Checks that the properties' largest key is the largest of the last data
/// block's last key and the range tombstones' end.
fn check_largest(
    path: &Path,
    footer: &Footer,
    props: &TableProperties,
    index: &[IndexEntry],
    tombstones: Option<&TableBounds>,
) -> Result<()> {
    let points = index.last().map(|e| &e.last_key);
    let ranges = tombstones.map(|t| &t.largest);
    let largest: Option<&InternalKey> = points.into_iter().chain(ranges).max();
    if largest == Some(&props.largest_key) {
        return Ok(());
    }
    Err(Error::corruption(
        path,
        footer.index.offset,
        format!(
            "the properties' largest key {} is not the last data block's last key ({}) nor the \
             range tombstones' end ({})",
            props.largest_key,
            points.map_or("none".to_string(), InternalKey::to_string),
            ranges.map_or("none".to_string(), InternalKey::to_string),
        ),
    ))
}
