//! [`TableReader`]: point reads and cursors over one table file.
//!
//! Opening reads and verifies the footer, the properties, the filter, the
//! range-delete block and the index (`metadata.rs`), and keeps them in
//! memory. A point read consults the bloom
//! filter, picks exactly one data block by binary search over the index's
//! last keys, and reads that block through the shared [`BlockCache`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_core::hash::key_hash;
use ferrisdb_core::{Operation, ReadOptions, Result, Slice, Timestamp};

use super::block::{Block, BlockCursor};
use super::block_io::{read_block, BlockRead, Verify};
use super::bloom::BloomFilter;
use super::cache::{next_file_id, BlockCache};
use super::footer::{BlockHandle, Footer};
use super::index::IndexEntry;
use super::index_search::IndexSearch;
use super::metadata::Metadata;
use super::properties::TableProperties;
use super::readahead::Readahead;
use crate::fs::{RandomAccessFile, SharedFileSystem};
use crate::iterator::Cursor;
use crate::range_del::fragments::FragmentedTombstones;

/// One version found by [`TableReader::get`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableEntry {
    /// The version's timestamp.
    pub timestamp: Timestamp,
    /// Whether it is a value or a tombstone.
    pub operation: Operation,
    /// The value (empty for a tombstone), sharing the block it was read
    /// from.
    pub value: Slice,
}

/// An open, immutable table. Share it as `Arc<TableReader>`.
#[derive(Debug)]
pub struct TableReader {
    file: Box<dyn RandomAccessFile>,
    path: Arc<PathBuf>,
    file_size: u64,
    file_id: u64,
    cache: Option<Arc<BlockCache>>,
    footer: Footer,
    index: Vec<IndexEntry>,
    /// The index's last keys laid out for a cache-friendly binary search.
    index_search: IndexSearch,
    filter: BloomFilter,
    properties: TableProperties,
    /// The range-delete block's fragments, decoded at open (empty without
    /// one).
    range_tombstones: Arc<FragmentedTombstones>,
    /// What [`memory_usage`](Self::memory_usage) reports, counted at open.
    memory_usage: usize,
}

impl TableReader {
    /// Opens the table at `path`, reading and verifying its footer, index,
    /// filter, properties and range tombstones. Data blocks are read on demand through `cache`
    /// (or read every time without one).
    ///
    /// # Errors
    ///
    /// [`Error::Corruption`] or [`Error::ChecksumMismatch`] naming the file
    /// and offset of a damaged footer, index, filter, range-delete or
    /// properties block;
    /// [`Error::UnsupportedFormat`] naming the file of a table format version
    /// or a property only a later FerrisDB writes; [`Error::Io`] if reading
    /// fails.
    ///
    /// [`Error::Corruption`]: crate::Error::Corruption
    /// [`Error::ChecksumMismatch`]: crate::Error::ChecksumMismatch
    /// [`Error::UnsupportedFormat`]: crate::Error::UnsupportedFormat
    /// [`Error::Io`]: crate::Error::Io
    pub fn open(
        fs: &SharedFileSystem,
        path: impl AsRef<Path>,
        cache: Option<Arc<BlockCache>>,
    ) -> Result<Arc<TableReader>> {
        Self::open_with_cache_id(fs, path.as_ref(), cache, next_file_id())
    }

    /// [`open`](Self::open), with the id that keys the file's blocks in
    /// `cache`: a file reopened with its first id finds the blocks it
    /// cached before.
    pub(crate) fn open_with_cache_id(
        fs: &SharedFileSystem,
        path: &Path,
        cache: Option<Arc<BlockCache>>,
        file_id: u64,
    ) -> Result<Arc<TableReader>> {
        let file = fs.open(path)?;
        let file_size = file.len();
        let shared_path = Arc::new(path.to_path_buf());
        let metadata = Metadata::read(file.as_ref(), &shared_path, file_size)?;
        let memory_usage = metadata.index_and_filter_bytes();
        Ok(Arc::new(TableReader {
            file,
            path: shared_path,
            file_size,
            file_id,
            cache,
            footer: metadata.footer,
            index: metadata.index,
            index_search: metadata.index_search,
            filter: metadata.filter,
            properties: metadata.properties,
            range_tombstones: metadata.range_tombstones,
            memory_usage,
        }))
    }

    /// Bytes its index and bloom filter hold in memory, which it keeps while
    /// open (data blocks are the block cache's): RocksDB's
    /// `rocksdb.estimate-table-readers-mem` for one table.
    pub fn memory_usage(&self) -> usize {
        self.memory_usage
    }

    /// The table's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The table's size in bytes.
    pub fn file_size(&self) -> u64 {
        self.file_size
    }

    /// The table's properties.
    pub fn properties(&self) -> &TableProperties {
        &self.properties
    }

    /// The index: every data block with its last key, in order.
    pub fn index(&self) -> &[IndexEntry] {
        &self.index
    }

    /// The table's bloom filter.
    pub fn filter(&self) -> &BloomFilter {
        &self.filter
    }

    /// The table's range tombstones, decoded and checked when it was
    /// opened; empty for a table without a range-delete block. Shared: a
    /// holder keeps them after the reader is closed.
    pub fn range_tombstones(&self) -> &Arc<FragmentedTombstones> {
        &self.range_tombstones
    }

    /// The footer's handles of the filter, index and properties blocks.
    pub fn footer(&self) -> &Footer {
        &self.footer
    }

    /// Whether the table may hold `user_key` (bloom filter): `false` means it
    /// certainly does not.
    pub fn may_contain(&self, user_key: &[u8]) -> bool {
        self.filter.may_contain(user_key)
    }

    /// The newest version of `user_key` with a timestamp at or below
    /// `timestamp` (a value or a tombstone), or `None`. Reads at most one
    /// data block, and none when the bloom filter rules the key out. The
    /// value shares the block's bytes (no copy).
    ///
    /// # Errors
    ///
    /// A corruption or checksum error naming the table and the block's
    /// offset; [`Error::Io`](crate::Error::Io) if the read failed.
    pub fn get(&self, user_key: &[u8], timestamp: Timestamp) -> Result<Option<TableEntry>> {
        self.get_with(user_key, timestamp, &ReadOptions::default())
    }

    /// [`get`](Self::get), filling the cache and verifying checksums as
    /// `options` says.
    ///
    /// # Errors
    ///
    /// As for [`get`](Self::get).
    pub fn get_with(
        &self,
        user_key: &[u8],
        timestamp: Timestamp,
        options: &ReadOptions,
    ) -> Result<Option<TableEntry>> {
        self.get_hashed(user_key, key_hash(user_key), timestamp, options)
    }

    /// [`get_with`](Self::get_with) of the key whose [`key_hash`] is `hash`.
    pub(crate) fn get_hashed(
        &self,
        user_key: &[u8],
        hash: u64,
        timestamp: Timestamp,
        options: &ReadOptions,
    ) -> Result<Option<TableEntry>> {
        if !self.filter.may_contain_hash(hash) {
            return Ok(None);
        }
        let Some(block_index) = self.find_block(user_key, timestamp) else {
            return Ok(None);
        };
        let block = self.read_data_block(block_index, BlockRead::from(options), None)?;
        let mut cursor = BlockCursor::new(block);
        cursor.seek(user_key, timestamp)?;
        if cursor.valid() && cursor.user_key() == user_key {
            return Ok(Some(TableEntry {
                timestamp: cursor.timestamp(),
                operation: cursor.operation(),
                value: cursor.value_slice(),
            }));
        }
        Ok(None)
    }

    /// The first block whose last key is at or after `(user_key, timestamp)`:
    /// the only block that can hold the first entry at or after it.
    pub(crate) fn find_block(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        self.index_search.find(user_key, timestamp)
    }

    /// Number of data blocks.
    pub(crate) fn block_count(&self) -> usize {
        self.index.len()
    }

    /// The data block `block_index` of the index, from the cache or the file
    /// (through `readahead`, for a cursor reading the table in order); as
    /// `how` says, a block read from the file is added to the cache and has
    /// its checksum verified, and the block is counted in the cache's
    /// [`blocks_read`](BlockCache::blocks_read).
    pub(crate) fn read_data_block(
        &self,
        block_index: usize,
        how: BlockRead,
        readahead: Option<&mut Readahead>,
    ) -> Result<Arc<Block>> {
        let handle = self.index[block_index].handle;
        let key = (self.file_id, handle.offset);
        if let Some(cache) = &self.cache {
            if let Some(block) = cache.get_counted(key, how.counted) {
                return Ok(block);
            }
        }
        let block = Arc::new(match readahead {
            Some(readahead) => {
                let limit = self.properties.data_size;
                let bytes =
                    readahead.read(self.file.as_ref(), &self.path, handle, limit, how.verify)?;
                Block::new(bytes, self.path.clone(), handle.offset)?
            }
            None => self.load_block(handle, how.verify)?,
        });
        // A block whose checksum was skipped stays out of the cache: every
        // other reader (compaction included) trusts what it finds there.
        let verified = how.verify == Verify::Checksum;
        if let (Some(cache), true, true) = (&self.cache, how.fill_cache, verified) {
            cache.insert(key, block.clone());
        }
        Ok(block)
    }

    /// Reads the block at `handle`, bypassing the cache, verifying its
    /// checksum as `verify` says.
    pub(crate) fn load_block(&self, handle: BlockHandle, verify: Verify) -> Result<Block> {
        let bytes = read_block(
            self.file.as_ref(),
            &self.path,
            handle,
            self.properties.data_size,
            verify,
        )?;
        Block::new(bytes, self.path.clone(), handle.offset)
    }
}
