//! [`TableCursor`]: an owning, bidirectional cursor over a table, and
//! [`TableRange`], a forward iterator over a range of user keys.
//!
//! A table is a sorted run cut into data blocks, with an index of each
//! block's last key, so its cursor is a [`TwoLevelCursor`] over
//! [`TableBlocks`]: the index is the table's, decoded when it opened, and
//! each part is a [`BlockCursor`] over a block read through the cache.

use std::ops::Bound;
use std::sync::Arc;

use ferrisdb_core::{InternalKey, ReadOptions, Result, Timestamp};

use super::block::BlockCursor;
use super::block_io::{BlockRead, Verify};
use super::readahead::Readahead;
use super::table_reader::{TableEntry, TableReader};
use crate::iterator::two_level::{TwoLevelCursor, TwoLevelIndex};
use crate::iterator::Cursor;

/// A cursor over every entry of a table in [`InternalKey`] order.
///
/// It holds an `Arc` of its table, so it may outlive the borrow that made it
/// (the engine merges many of them). It starts invalid; position it with a
/// seek. Moves read blocks, so they return `Result`; after an error the cursor
/// is invalid, and the error is never taken for the end of the table.
pub type TableCursor = TwoLevelCursor<TableBlocks>;

/// The data blocks of a table, as the index of a [`TableCursor`].
pub struct TableBlocks {
    table: Arc<TableReader>,
    /// Whether blocks read from the file are added to the block cache and
    /// have their checksums verified.
    how: BlockRead,
    /// Reads the file in large pieces while the cursor moves forwards.
    readahead: Readahead,
}

impl TableBlocks {
    fn new(table: &Arc<TableReader>, how: BlockRead) -> Self {
        TableBlocks {
            table: Arc::clone(table),
            how,
            readahead: Readahead::default(),
        }
    }

    /// The table the blocks belong to.
    pub fn table(&self) -> &Arc<TableReader> {
        &self.table
    }
}

impl TwoLevelIndex for TableBlocks {
    type Part = BlockCursor;

    fn len(&self) -> usize {
        self.table.block_count()
    }

    fn find(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        self.table.find_block(user_key, timestamp)
    }

    fn open(&mut self, at: usize) -> Result<BlockCursor> {
        let readahead = self.readahead.note_load(at).then_some(&mut self.readahead);
        let block = self.table.read_data_block(at, self.how, readahead)?;
        Ok(BlockCursor::new(block))
    }
}

impl std::fmt::Debug for TableBlocks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TableBlocks")
            .field("table", &self.table.path())
            .field("how", &self.how)
            .finish()
    }
}

/// The entries of a table whose user keys are in a range, in order; made by
/// [`TableReader::range`]. Yields `(key, entry)`; stops after the first error.
#[derive(Debug)]
pub struct TableRange {
    iter: TableCursor,
    end: Bound<Vec<u8>>,
    started: bool,
    start: Bound<Vec<u8>>,
    done: bool,
}

/// The cursors a table makes of itself: this module adds them to
/// [`TableReader`], which knows nothing of them.
impl TableReader {
    /// An owning cursor over the whole table, initially invalid: position it
    /// with a seek.
    pub fn iter(self: &Arc<Self>) -> TableCursor {
        TableCursor::new(TableBlocks::new(self, BlockRead::CACHED))
    }

    /// Like [`iter`](Self::iter), reading blocks as `options` says: a scan
    /// with `fill_cache` off leaves the cache as it found it.
    pub fn iter_with(self: &Arc<Self>, options: &ReadOptions) -> TableCursor {
        TableCursor::new(TableBlocks::new(self, BlockRead::from(options)))
    }

    /// Like [`iter`](Self::iter), but blocks it reads from the file are not
    /// added to the block cache: for a compaction, which reads every block
    /// once and would otherwise evict the blocks readers need. Checksums are
    /// always verified: compaction must not copy damage into a new table.
    pub fn iter_without_cache_fill(self: &Arc<Self>) -> TableCursor {
        let how = BlockRead {
            fill_cache: false,
            verify: Verify::Checksum,
            counted: false,
        };
        TableCursor::new(TableBlocks::new(self, how))
    }

    /// Every entry (all versions) whose user key is within `start..end`, in
    /// [`InternalKey`] order.
    pub fn range(self: &Arc<Self>, start: Bound<&[u8]>, end: Bound<&[u8]>) -> TableRange {
        TableRange {
            iter: self.iter(),
            start: start.map(<[u8]>::to_vec),
            end: end.map(<[u8]>::to_vec),
            started: false,
            done: false,
        }
    }
}

impl TableRange {
    fn advance(&mut self) -> Result<()> {
        if self.started {
            return self.iter.next();
        }
        self.started = true;
        match &self.start {
            Bound::Unbounded => self.iter.seek_to_first(),
            Bound::Included(k) => {
                let k = k.clone();
                self.iter.seek(&k, Timestamp::MAX)
            }
            Bound::Excluded(k) => {
                let k = k.clone();
                // The oldest version of `k` sorts last among its versions.
                self.iter.seek(&k, 0)?;
                if self.iter.valid() && self.iter.user_key() == k.as_slice() {
                    self.iter.next()?;
                }
                Ok(())
            }
        }
    }

    fn in_range(&self) -> bool {
        let key = self.iter.user_key();
        match &self.end {
            Bound::Unbounded => true,
            Bound::Included(e) => key <= e.as_slice(),
            Bound::Excluded(e) => key < e.as_slice(),
        }
    }
}

impl Iterator for TableRange {
    type Item = Result<(InternalKey, TableEntry)>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Err(e) = self.advance() {
            self.done = true;
            return Some(Err(e));
        }
        if !self.iter.valid() || !self.in_range() {
            self.done = true;
            return None;
        }
        let entry = TableEntry {
            timestamp: self.iter.timestamp(),
            operation: self.iter.operation(),
            value: self.iter.value_slice(),
        };
        Some(Ok((self.iter.internal_key(), entry)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::path::Path;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
    use crate::iterator::model::{random_run, walk_against_model, Entry};
    use crate::sstable::{TableBuilder, TableOptions};

    /// Writes `entries` as table `number` of `/db` with blocks of about
    /// `block_size` bytes, and opens it without a cache.
    pub(crate) fn write_table(
        fs: &SharedFileSystem,
        number: u64,
        entries: &[Entry],
        block_size: usize,
    ) -> Arc<TableReader> {
        let path = Path::new("/db").join(format!("{number:06}.sst"));
        let options = TableOptions {
            block_size,
            restart_interval: 2,
            ..TableOptions::default()
        };
        let mut builder = TableBuilder::create(Arc::clone(fs), &path, options).unwrap();
        for (key, op, value) in entries {
            builder.add(key, *op, value).unwrap();
        }
        builder.finish().unwrap();
        TableReader::open(fs, &path, None).unwrap()
    }

    pub(crate) fn file_system() -> (FaultFileSystem, SharedFileSystem) {
        let fault = FaultFileSystem::new();
        fault.create_dir_all(Path::new("/db")).unwrap();
        (fault.clone(), Arc::new(fault))
    }

    #[test]
    fn moves_like_the_model_across_blocks() {
        let mut rng = StdRng::seed_from_u64(7);
        let (_, fs) = file_system();
        for number in 1..60 {
            let entries = random_run(&mut rng, 1..80);
            let table = write_table(&fs, number, &entries, rng.random_range(1..120));
            walk_against_model(&mut table.iter(), &entries, &mut rng, 150);
        }
    }

    #[test]
    fn a_damaged_block_is_an_error_in_both_directions_not_the_end() {
        let (fault, fs) = file_system();
        let entries = random_run(&mut StdRng::seed_from_u64(3), 200..201);
        let table = write_table(&fs, 1, &entries, 64);
        assert!(table.block_count() > 4, "{} blocks", table.block_count());
        let damaged = table.index()[2].handle.offset + 1;
        fault.corrupt_reads(table.path(), damaged);

        let mut cursor = table.iter();
        let mut step = cursor.seek_to_first();
        let mut seen = 0;
        while step.is_ok() && cursor.valid() {
            seen += 1;
            step = cursor.next();
        }
        assert!(step.is_err(), "forwards ended after {seen} entries");
        assert!(!cursor.valid());

        let mut step = cursor.seek_to_last();
        while step.is_ok() && cursor.valid() {
            step = cursor.prev();
        }
        assert!(step.is_err(), "backwards ended without an error");
        assert!(!cursor.valid());

        let inside = &table.index()[2].last_key;
        assert!(cursor.seek(&inside.user_key, inside.timestamp).is_err());
        assert!(!cursor.valid());
    }
}
