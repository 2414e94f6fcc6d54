//! [`TableBuilder`]: turns sorted entries into a table file.
//!
//! ```text
//! table := data_block* filter_block range_del_block? index_block properties_block footer
//! ```
//!
//! The writer cuts a data block when it reaches `block_size`, records the
//! block's last key and handle in the index, adds each distinct user key to
//! the bloom filter, and on [`finish`](TableBuilder::finish) writes the
//! filter, the range tombstones given to it (if any), the index, the
//! properties and the footer. A table holds points, range tombstones, or
//! both; one of only range tombstones has no data block. It writes to `NNNNNN.sst.tmp`,
//! fsyncs, and renames to the real name, so a crash never leaves a partial
//! table under a real name.

use std::path::{Path, PathBuf};

use ferrisdb_core::{CompressionType, Error, InternalKey, Operation, Result, Timestamp};

use super::block_builder::BlockBuilder;
use super::block_io::write_block;
use super::bloom::FilterBuilder;
use super::footer::{BlockHandle, Footer};
use super::format::{
    BLOCK_TRAILER_LEN, MAX_INDEX_BLOCK_LEN, MAX_KEY_SIZE, MAX_UNCOMPRESSED_BLOCK_LEN,
    MAX_VALUE_SIZE,
};
use super::properties::TableProperties;
use super::range_del_block::TableBounds;
pub use super::table_options::{TableMeta, TableOptions};
use crate::filename::temp_file_name;
use crate::fs::{SharedFileSystem, WritableFile};
use crate::range_del::fragments::FragmentedTombstones;

mod range_tombstones;

/// Writes one table, entry by entry in increasing [`InternalKey`] order.
///
/// Dropping a writer without calling [`finish`](Self::finish) removes the
/// temporary file (best effort).
#[derive(Debug)]
pub struct TableBuilder {
    fs: SharedFileSystem,
    path: PathBuf,
    temp_path: PathBuf,
    file: Option<Box<dyn WritableFile>>,
    options: TableOptions,
    data_block: BlockBuilder,
    index_block: BlockBuilder,
    filter: FilterBuilder,
    scratch: Vec<u8>,
    offset: u64,
    /// The last key added; `None` before the first entry.
    last: Option<(Vec<u8>, Timestamp)>,
    smallest: Option<InternalKey>,
    entry_count: u64,
    tombstone_count: u64,
    min_timestamp: Timestamp,
    max_timestamp: Timestamp,
    raw_key_size: u64,
    raw_value_size: u64,
    data_block_count: u64,
    /// The range tombstones given, written at `finish`.
    range_tombstones: FragmentedTombstones,
    /// Set when a write failed: the file is unusable.
    failed: bool,
}

impl TableBuilder {
    /// Starts a table that will be published at `path` (normally
    /// [`table_file_name`](super::table_file_name)). Writes go to
    /// `path` + `.tmp` until [`finish`](Self::finish).
    pub fn create(
        fs: SharedFileSystem,
        path: impl Into<PathBuf>,
        options: TableOptions,
    ) -> Result<TableBuilder> {
        if options.block_size == 0 || options.block_size > MAX_UNCOMPRESSED_BLOCK_LEN / 2 {
            return Err(Error::InvalidArgument(format!(
                "block_size {} must be between 1 and {}",
                options.block_size,
                MAX_UNCOMPRESSED_BLOCK_LEN / 2
            )));
        }
        if options.restart_interval == 0 {
            return Err(Error::InvalidArgument(
                "restart_interval must be at least 1".into(),
            ));
        }
        let path = path.into();
        let temp_path = temp_file_name(&path);
        let file = fs.create(&temp_path)?;
        Ok(TableBuilder {
            fs,
            path,
            temp_path,
            file: Some(file),
            options,
            data_block: BlockBuilder::new(options.restart_interval),
            // Index blocks are searched by binary search over every entry.
            index_block: BlockBuilder::new(1),
            filter: FilterBuilder::default(),
            scratch: Vec::new(),
            offset: 0,
            last: None,
            smallest: None,
            entry_count: 0,
            tombstone_count: 0,
            min_timestamp: Timestamp::MAX,
            max_timestamp: 0,
            raw_key_size: 0,
            raw_value_size: 0,
            data_block_count: 0,
            range_tombstones: FragmentedTombstones::empty(),
            failed: false,
        })
    }

    /// The path the table will have once finished.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Entries added so far.
    pub fn entry_count(&self) -> u64 {
        self.entry_count
    }

    /// Bytes written to the file so far, plus the current block's size: about
    /// the table's size if it were finished now.
    pub fn estimated_size(&self) -> u64 {
        self.offset + self.data_block.estimated_size() as u64
    }

    /// Adds an entry. Keys must strictly increase in [`InternalKey`] order
    /// (user key ascending, then timestamp descending); a key out of order is
    /// an [`Error::InvalidArgument`] and leaves the writer usable, as is a key
    /// over [`MAX_KEY_SIZE`] or a value over [`MAX_VALUE_SIZE`] bytes.
    pub fn add(&mut self, key: &InternalKey, op: Operation, value: &[u8]) -> Result<()> {
        self.add_parts(&key.user_key, key.timestamp, op, value)
    }

    /// Like [`add`](Self::add), with the key given as parts.
    pub fn add_parts(
        &mut self,
        user_key: &[u8],
        timestamp: Timestamp,
        op: Operation,
        value: &[u8],
    ) -> Result<()> {
        self.check_usable()?;
        let new_user_key = match &self.last {
            None => true,
            Some((last_key, last_ts)) => {
                if InternalKey::compare_parts(user_key, timestamp, last_key, *last_ts).is_le() {
                    return Err(Error::InvalidArgument(format!(
                        "table keys out of order: {} added after {}",
                        InternalKey::new(user_key, timestamp),
                        InternalKey::new(last_key.clone(), *last_ts)
                    )));
                }
                user_key != last_key.as_slice()
            }
        };
        if user_key.len() > MAX_KEY_SIZE || value.len() > MAX_VALUE_SIZE {
            return Err(Error::InvalidArgument(format!(
                "entry of {} key bytes and {} value bytes is too large for a table: keys hold \
                 at most MAX_KEY_SIZE ({MAX_KEY_SIZE}) bytes, values MAX_VALUE_SIZE \
                 ({MAX_VALUE_SIZE}) bytes",
                user_key.len(),
                value.len(),
            )));
        }
        // Within those limits an entry alone fills at most a whole block, so
        // cutting the block first keeps every block within
        // MAX_UNCOMPRESSED_BLOCK_LEN, which the reader accepts.
        let bound = BlockBuilder::entry_size_bound(user_key.len(), value.len());
        if !self.data_block.is_empty()
            && self.data_block.estimated_size() + bound > MAX_UNCOMPRESSED_BLOCK_LEN
        {
            self.flush_data_block()?;
        }
        if new_user_key {
            self.filter.add_key(user_key);
        }
        if self.smallest.is_none() {
            self.smallest = Some(InternalKey::new(user_key, timestamp));
        }
        self.data_block.add(user_key, timestamp, op, value);
        match &mut self.last {
            Some((k, t)) => {
                k.clear();
                k.extend_from_slice(user_key);
                *t = timestamp;
            }
            None => self.last = Some((user_key.to_vec(), timestamp)),
        }
        self.entry_count += 1;
        if op == Operation::Delete {
            self.tombstone_count += 1;
        }
        self.min_timestamp = self.min_timestamp.min(timestamp);
        self.max_timestamp = self.max_timestamp.max(timestamp);
        self.raw_key_size += user_key.len() as u64;
        self.raw_value_size += value.len() as u64;
        if self.data_block.estimated_size() >= self.options.block_size {
            self.flush_data_block()?;
        }
        Ok(())
    }

    fn check_usable(&self) -> Result<()> {
        if self.failed {
            return Err(Error::InvalidArgument(format!(
                "an earlier write to {} failed; the table must be rewritten",
                self.temp_path.display()
            )));
        }
        Ok(())
    }

    /// Writes a block, marking the writer failed if the write fails.
    fn write(&mut self, which: Which, compression: CompressionType) -> Result<BlockHandle> {
        let contents = match which {
            Which::Data => self.data_block.finish(),
            Which::Index => self.index_block.finish(),
            Which::Other(ref bytes) => bytes.as_slice(),
        };
        let file = self.file.as_mut().expect("file is open until finish");
        match write_block(
            file.as_mut(),
            self.offset,
            contents,
            compression,
            &mut self.scratch,
        ) {
            Ok(handle) => {
                self.offset += handle.size + BLOCK_TRAILER_LEN as u64;
                Ok(handle)
            }
            Err(e) => {
                self.failed = true;
                Err(e)
            }
        }
    }

    fn flush_data_block(&mut self) -> Result<()> {
        debug_assert!(!self.data_block.is_empty());
        let handle = self.write(Which::Data, self.options.compression)?;
        self.data_block_count += 1;
        let mut handle_bytes = Vec::with_capacity(20);
        handle.encode_varint_into(&mut handle_bytes);
        let (key, ts) = self.data_block.last_key();
        let grown = self.index_block.estimated_size() as u64
            + BlockBuilder::entry_size_bound(key.len(), handle_bytes.len()) as u64;
        if grown > MAX_INDEX_BLOCK_LEN {
            // Its restart offsets are fixed32: a larger index would not
            // read back.
            self.failed = true;
            return Err(Error::InvalidArgument(format!(
                "table {} would need an index block of more than {MAX_INDEX_BLOCK_LEN} bytes \
                 (MAX_INDEX_BLOCK_LEN), more than a table holds: write smaller tables \
                 (target_file_size), larger blocks (block_size) or shorter keys",
                self.path.display()
            )));
        }
        self.index_block.add(key, ts, Operation::Put, &handle_bytes);
        self.data_block.reset();
        Ok(())
    }

    /// Writes the filter, range-delete, index and properties blocks and the
    /// footer, fsyncs the file and renames it to its real name.
    ///
    /// The rename is not yet durable: the **caller syncs the directory**
    /// ([`FileSystem::sync_dir`](crate::fs::FileSystem::sync_dir)) before
    /// relying on the table, e.g. once per flush or compaction before the
    /// manifest records it. A table with no entries and no range tombstones
    /// is an [`Error::InvalidArgument`] (and its temporary file is removed),
    /// as is a range-delete block over `MAX_RANGE_DEL_BLOCK_LEN` bytes.
    pub fn finish(mut self) -> Result<TableMeta> {
        self.check_usable()?;
        let points = self.last.as_ref().map(|(key, ts)| TableBounds {
            smallest: self.smallest.clone().expect("set with the first entry"),
            largest: InternalKey::new(key.clone(), *ts),
            min_timestamp: self.min_timestamp,
            max_timestamp: self.max_timestamp,
        });
        let tombstones = TableBounds::of_tombstones(&self.range_tombstones);
        let has_tombstones = tombstones.is_some();
        let Some(bounds) = points
            .into_iter()
            .chain(tombstones)
            .reduce(TableBounds::union)
        else {
            return Err(Error::InvalidArgument(format!(
                "table {} has no entries and no range tombstones; empty tables are not written",
                self.path.display()
            )));
        };
        if !self.data_block.is_empty() {
            self.flush_data_block()?;
        }
        let data_size = self.offset;
        let filter_bytes = self
            .filter
            .finish(self.options.filter, self.options.bloom_bits_per_key);
        let filter = self.write(Which::Other(filter_bytes), CompressionType::None)?;
        let range_deletes = match has_tombstones {
            false => None,
            true => Some(self.write_range_del_block()?),
        };
        // A table without data blocks has an index of no entries: no bytes.
        let index = if self.data_block_count == 0 {
            self.write(Which::Other(Vec::new()), CompressionType::None)?
        } else {
            self.write(Which::Index, CompressionType::None)?
        };
        let properties = TableProperties {
            entry_count: self.entry_count,
            tombstone_count: self.tombstone_count,
            key_count: self.filter.key_count() as u64,
            smallest_key: bounds.smallest,
            largest_key: bounds.largest,
            min_timestamp: bounds.min_timestamp,
            max_timestamp: bounds.max_timestamp,
            raw_key_size: self.raw_key_size,
            raw_value_size: self.raw_value_size,
            data_block_count: self.data_block_count,
            data_size,
            index_size: index.size + BLOCK_TRAILER_LEN as u64,
            filter_size: filter.size + BLOCK_TRAILER_LEN as u64,
            keyspace: self.options.keyspace,
            range_deletes,
        };
        let props_handle = self.write(Which::Other(properties.encode()), CompressionType::None)?;
        let footer = Footer {
            index,
            filter,
            properties: props_handle,
            version: self.options.filter.format_version(),
        }
        .encode();
        let mut file = self.file.take().expect("file is open until finish");
        self.failed = true; // Until published, drop removes the temp file.
        file.append(&footer)?;
        file.sync()?;
        let file_size = file.len();
        drop(file);
        self.fs.rename(&self.temp_path, &self.path)?;
        self.failed = false;
        Ok(TableMeta {
            path: self.path.clone(),
            file_size,
            properties,
        })
    }
}

/// Which block [`TableBuilder::write`] writes.
enum Which {
    Data,
    Index,
    Other(Vec<u8>),
}

impl Drop for TableBuilder {
    fn drop(&mut self) {
        // Not finished (or finishing failed): remove the temporary file.
        if self.file.is_some() || self.failed {
            self.file = None;
            let _ = self.fs.remove(&self.temp_path);
        }
    }
}
