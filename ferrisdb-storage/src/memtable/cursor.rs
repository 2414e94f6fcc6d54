//! A MemTable as a [`Cursor`], for a merge over the MemTables and tables.
//!
//! The MemTable's own cursor is shaped by its skip list; the merge wants one
//! interface, so this adapter translates, without buffering.

use std::sync::Arc;

use super::{MemTable, MemTableIter};
use crate::iterator::Cursor;
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
