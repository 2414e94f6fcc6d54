//! The MemTable's and the tables' own cursors, seen as [`Cursor`]s.
//!
//! The MemTable and the tables each have a two-way cursor shaped by their
//! storage (an in-memory skip list, blocks on disk). The merge wants one
//! interface, so these adapters translate; they add no buffering.

use std::sync::Arc;

use super::version::Table;
use crate::iterator::Cursor;
use crate::memtable::{MemTable, MemTableIter};
use crate::sstable::TableIterator;
use crate::{Operation, Result, Timestamp};

/// A MemTable as a [`Cursor`]. Its moves never fail.
pub(crate) struct MemTableCursor(MemTableIter);

impl MemTableCursor {
    pub(crate) fn new(memtable: &Arc<MemTable>) -> Self {
        MemTableCursor(memtable.iter())
    }
}

impl Cursor for MemTableCursor {
    fn valid(&self) -> bool {
        self.0.valid()
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.0.seek_to_first();
        Ok(())
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.0.seek_to_last();
        Ok(())
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.0.seek(user_key, timestamp);
        Ok(())
    }
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        // The first entry at or after the target; if it is past the target,
        // the one before it is the last entry at or before it.
        self.0.seek(user_key, timestamp);
        if !self.0.valid() {
            self.0.seek_to_last();
        } else if self.0.user_key() != user_key || self.0.timestamp() != timestamp {
            self.0.prev();
        }
        Ok(())
    }
    fn next(&mut self) -> Result<()> {
        self.0.next();
        Ok(())
    }
    fn prev(&mut self) -> Result<()> {
        self.0.prev();
        Ok(())
    }
    fn user_key(&self) -> &[u8] {
        self.0.user_key()
    }
    fn timestamp(&self) -> Timestamp {
        self.0.timestamp()
    }
    fn operation(&self) -> Operation {
        self.0.operation()
    }
    fn value(&self) -> &[u8] {
        self.0.value()
    }
}

/// A table as a [`Cursor`]. It holds the table, so a compaction that replaces
/// the table cannot delete its file while the cursor reads it.
pub(crate) struct TableCursor {
    iter: TableIterator,
    _table: Arc<Table>,
}

impl TableCursor {
    pub(crate) fn new(table: &Arc<Table>) -> Self {
        TableCursor {
            iter: table.reader.iter(),
            _table: Arc::clone(table),
        }
    }

    /// A cursor that leaves the block cache alone, for compactions: they read
    /// each block once, and filling the cache with them would evict the
    /// blocks readers need (and grow memory by the cache size for nothing).
    pub(crate) fn without_cache_fill(table: &Arc<Table>) -> Self {
        TableCursor {
            iter: table.reader.iter_without_cache_fill(),
            _table: Arc::clone(table),
        }
    }
}

impl Cursor for TableCursor {
    fn valid(&self) -> bool {
        self.iter.valid()
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.iter.seek_to_first()
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.iter.seek_to_last()
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.iter.seek(user_key, timestamp)
    }
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.iter.seek_for_prev(user_key, timestamp)
    }
    fn next(&mut self) -> Result<()> {
        self.iter.next()
    }
    fn prev(&mut self) -> Result<()> {
        self.iter.prev()
    }
    fn user_key(&self) -> &[u8] {
        self.iter.user_key()
    }
    fn timestamp(&self) -> Timestamp {
        self.iter.timestamp()
    }
    fn operation(&self) -> Operation {
        self.iter.operation()
    }
    fn value(&self) -> &[u8] {
        self.iter.value()
    }
}
