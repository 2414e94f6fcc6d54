//! A version: the set of live tables, by level, at one moment.
//!
//! Tables never change, and neither does a [`Version`]: a flush or a
//! compaction builds a new one and installs it. A reader that took the old one
//! keeps reading the old tables, which stay open (and on disk, on Unix, even if
//! their files are deleted) until the last reader lets go.

use std::sync::Arc;

use crate::iterator::Cursor;
use crate::manifest::TableRecord;
use crate::sstable::{SSTableReader, TableEntry};
use crate::{Result, Timestamp};

use super::cursors::TableCursor;

/// A live table: what the manifest records of it, and the open reader.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) record: TableRecord,
    pub(crate) reader: Arc<SSTableReader>,
}

impl Table {
    /// Whether `user_key` lies inside the table's key range.
    fn covers(&self, user_key: &[u8]) -> bool {
        self.record.smallest.user_key.as_slice() <= user_key
            && user_key <= self.record.largest.user_key.as_slice()
    }
}

/// The live tables, level by level.
///
/// Level 0 holds flushed tables, newest first; their key ranges may overlap.
/// Deeper levels hold tables sorted by key with disjoint ranges.
#[derive(Debug, Default)]
pub(crate) struct Version {
    pub(crate) levels: Vec<Vec<Arc<Table>>>,
}

impl Version {
    /// Every table, in the order a read must consult them: level 0 newest
    /// first, then each deeper level in key order.
    pub(crate) fn tables(&self) -> impl Iterator<Item = &Arc<Table>> {
        self.levels.iter().flatten()
    }

    /// A copy of this version with `table` added at the front of level 0.
    pub(crate) fn with_flushed(&self, table: Arc<Table>) -> Version {
        let mut levels = self.levels.clone();
        if levels.is_empty() {
            levels.push(Vec::new());
        }
        levels[0].insert(0, table);
        Version { levels }
    }

    /// The newest version of `user_key` at or below `timestamp` in any table,
    /// or `None`. A tombstone is returned as such: it hides older tables.
    pub(crate) fn get(&self, user_key: &[u8], timestamp: Timestamp) -> Result<Option<TableEntry>> {
        for (level, tables) in self.levels.iter().enumerate() {
            if level == 0 {
                // Overlapping ranges: every table that covers the key, newest
                // first; the first one that has a visible version wins.
                for table in tables.iter().filter(|t| t.covers(user_key)) {
                    if let Some(found) = table.reader.get(user_key, timestamp)? {
                        return Ok(Some(found));
                    }
                }
            } else {
                // Disjoint sorted ranges: at most one table can hold the key.
                let index =
                    tables.partition_point(|t| t.record.largest.user_key.as_slice() < user_key);
                if let Some(table) = tables.get(index).filter(|t| t.covers(user_key)) {
                    if let Some(found) = table.reader.get(user_key, timestamp)? {
                        return Ok(Some(found));
                    }
                }
            }
        }
        Ok(None)
    }

    /// One cursor per table, in read order, for a merge.
    pub(crate) fn cursors(&self, into: &mut Vec<Box<dyn Cursor>>) {
        for table in self.tables() {
            into.push(Box::new(TableCursor::new(&table.reader)));
        }
    }
}
