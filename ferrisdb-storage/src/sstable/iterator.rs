//! [`TableIterator`]: an owning, bidirectional cursor over a table, and
//! [`TableRange`], a forward iterator over a range of user keys.

use std::ops::Bound;
use std::sync::Arc;

use ferrisdb_core::{InternalKey, Operation, ReadOptions, Result, Slice, Timestamp};

use super::block::BlockCursor;
use super::block_io::{BlockRead, Verify};
use super::readahead::Readahead;
use super::table_reader::{TableEntry, TableReader};

/// A cursor over every entry of a table in [`InternalKey`] order.
///
/// It holds an `Arc` of its table, so it may outlive the borrow that made it
/// (the engine merges many of them). It starts invalid; position it with a
/// seek. Moves read blocks, so they return `Result`; after an error the cursor
/// is invalid. Accessors require [`valid`](Self::valid).
#[derive(Debug)]
pub struct TableIterator {
    table: Arc<TableReader>,
    block_index: usize,
    cursor: Option<BlockCursor>,
    /// Whether blocks read from the file are added to the block cache and
    /// have their checksums verified.
    how: BlockRead,
    /// Reads the file in large pieces while the cursor moves forwards.
    readahead: Readahead,
}

impl TableIterator {
    pub(crate) fn new(table: Arc<TableReader>, how: BlockRead) -> Self {
        TableIterator {
            table,
            block_index: 0,
            cursor: None,
            how,
            readahead: Readahead::default(),
        }
    }

    /// The table being iterated.
    pub fn table(&self) -> &Arc<TableReader> {
        &self.table
    }

    /// Whether the cursor is on an entry.
    pub fn valid(&self) -> bool {
        self.cursor.as_ref().is_some_and(BlockCursor::valid)
    }

    fn current(&self) -> &BlockCursor {
        self.cursor
            .as_ref()
            .expect("accessor on an invalid TableIterator")
    }

    /// The current entry's user key. REQUIRES: `valid()`.
    pub fn user_key(&self) -> &[u8] {
        self.current().user_key()
    }

    /// The current entry's timestamp. REQUIRES: `valid()`.
    pub fn timestamp(&self) -> Timestamp {
        self.current().timestamp()
    }

    /// The current entry's operation. REQUIRES: `valid()`.
    pub fn operation(&self) -> Operation {
        self.current().operation()
    }

    /// The current entry's value, pointing into the cached block.
    /// REQUIRES: `valid()`.
    pub fn value(&self) -> &[u8] {
        self.current().value()
    }

    /// The current entry's value as a [`Slice`] sharing its block's bytes
    /// (no copy). REQUIRES: `valid()`.
    pub fn value_slice(&self) -> Slice {
        self.current().value_slice()
    }

    /// The current entry's key as an [`InternalKey`]. REQUIRES: `valid()`.
    pub fn internal_key(&self) -> InternalKey {
        InternalKey::new(self.user_key(), self.timestamp())
    }

    /// Loads block `index` into the cursor; on error the iterator is invalid.
    fn load(&mut self, index: usize) -> Result<&mut BlockCursor> {
        self.cursor = None;
        self.block_index = index;
        let readahead = self
            .readahead
            .note_load(index)
            .then_some(&mut self.readahead);
        let block = self.table.read_data_block(index, self.how, readahead)?;
        Ok(self.cursor.insert(BlockCursor::new(block)))
    }

    fn guard(&mut self, result: Result<()>) -> Result<()> {
        if result.is_err() {
            self.cursor = None;
        }
        result
    }

    /// Moves to the first entry of the table.
    pub fn seek_to_first(&mut self) -> Result<()> {
        let result = self.load(0).and_then(BlockCursor::seek_to_first);
        self.guard(result)
    }

    /// Moves to the last entry of the table.
    pub fn seek_to_last(&mut self) -> Result<()> {
        let last = self.table.block_count() - 1;
        let result = self.load(last).and_then(BlockCursor::seek_to_last);
        self.guard(result)
    }

    /// Moves to the first entry at or after `(user_key, timestamp)` in
    /// [`InternalKey`] order; invalid if there is none.
    pub fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        let Some(index) = self.table.find_block(user_key, timestamp) else {
            self.cursor = None;
            return Ok(());
        };
        let result = self.load(index).and_then(|c| c.seek(user_key, timestamp));
        self.guard(result)?;
        // The block's last key is at or after the target, so the seek lands
        // in it; should it not (a damaged index), go on to the next block.
        self.skip_forward()
    }

    /// Moves to the last entry at or before `(user_key, timestamp)` in
    /// [`InternalKey`] order; invalid if there is none.
    pub fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.seek(user_key, timestamp)?;
        if !self.valid() {
            return self.seek_to_last();
        }
        if InternalKey::compare_parts(self.user_key(), self.timestamp(), user_key, timestamp)
            .is_gt()
        {
            self.prev()?;
        }
        Ok(())
    }

    /// Moves to the next entry; invalid after the last. REQUIRES: `valid()`.
    // A fallible cursor move, not `Iterator::next`: the engine's merge
    // drives cursors by `valid`/`next`, as in LevelDB.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<()> {
        let result = match self.cursor.as_mut() {
            Some(c) => c.next(),
            None => return Ok(()),
        };
        self.guard(result)?;
        self.skip_forward()
    }

    /// Moves to the previous entry; invalid before the first. REQUIRES: `valid()`.
    pub fn prev(&mut self) -> Result<()> {
        let result = match self.cursor.as_mut() {
            Some(c) => c.prev(),
            None => return Ok(()),
        };
        self.guard(result)?;
        while !self.valid() {
            if self.block_index == 0 {
                self.cursor = None;
                return Ok(());
            }
            let result = self
                .load(self.block_index - 1)
                .and_then(BlockCursor::seek_to_last);
            self.guard(result)?;
        }
        Ok(())
    }

    /// While the block cursor is exhausted, moves to the next block's first entry.
    fn skip_forward(&mut self) -> Result<()> {
        while self.cursor.is_some() && !self.valid() {
            if self.block_index + 1 >= self.table.block_count() {
                self.cursor = None;
                return Ok(());
            }
            let result = self
                .load(self.block_index + 1)
                .and_then(BlockCursor::seek_to_first);
            self.guard(result)?;
        }
        Ok(())
    }
}

/// The entries of a table whose user keys are in a range, in order; made by
/// [`TableReader::range`]. Yields `(key, entry)`; stops after the first error.
#[derive(Debug)]
pub struct TableRange {
    iter: TableIterator,
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
    pub fn iter(self: &Arc<Self>) -> TableIterator {
        TableIterator::new(self.clone(), BlockRead::CACHED)
    }

    /// Like [`iter`](Self::iter), reading blocks as `options` says: a scan
    /// with `fill_cache` off leaves the cache as it found it.
    pub fn iter_with(self: &Arc<Self>, options: &ReadOptions) -> TableIterator {
        TableIterator::new(self.clone(), BlockRead::from(options))
    }

    /// Like [`iter`](Self::iter), but blocks it reads from the file are not
    /// added to the block cache: for a compaction, which reads every block
    /// once and would otherwise evict the blocks readers need. Checksums are
    /// always verified: compaction must not copy damage into a new table.
    pub fn iter_without_cache_fill(self: &Arc<Self>) -> TableIterator {
        TableIterator::new(
            self.clone(),
            BlockRead {
                fill_cache: false,
                verify: Verify::Checksum,
            },
        )
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
