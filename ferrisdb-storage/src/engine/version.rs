//! A version: the set of live tables, by level, at one moment.
//!
//! Tables never change, and neither does a [`Version`]: a flush or a
//! compaction builds a new one and installs it. A reader that took the old one
//! keeps reading the old tables. A table that a compaction replaced is marked
//! obsolete and its file is deleted when the last reader lets go of it.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::fs::SharedFileSystem;
use crate::iterator::Cursor;
use crate::manifest::TableRecord;
use crate::sstable::{SSTableReader, TableEntry};
use crate::{Result, Timestamp};

use super::cursors::{LevelCursor, TableCursor};

/// A live table: what the manifest records of it, and the open reader.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) record: TableRecord,
    pub(crate) reader: Arc<SSTableReader>,
    fs: SharedFileSystem,
    /// Set once a durable manifest no longer lists the table; the file is
    /// deleted when the last reference drops.
    obsolete: AtomicBool,
}

impl Table {
    pub(crate) fn new(
        record: TableRecord,
        reader: Arc<SSTableReader>,
        fs: SharedFileSystem,
    ) -> Self {
        Table {
            record,
            reader,
            fs,
            obsolete: AtomicBool::new(false),
        }
    }

    /// The same file, recorded at another level (a move needs no rewrite).
    fn moved_to(&self, level: u32) -> Table {
        let record = TableRecord {
            level,
            ..self.record.clone()
        };
        Table::new(record, Arc::clone(&self.reader), Arc::clone(&self.fs))
    }

    /// Deletes the file once nobody reads it any more.
    pub(crate) fn mark_obsolete(&self) {
        // Relaxed: the flag is read in `drop`, which runs after every other
        // reference is gone; the `Arc` count's synchronization orders it.
        self.obsolete.store(true, Ordering::Relaxed);
    }

    /// Whether `user_key` lies inside the table's key range.
    fn covers(&self, user_key: &[u8]) -> bool {
        covers(&self.record, user_key)
    }
}

impl Drop for Table {
    fn drop(&mut self) {
        if self.obsolete.load(Ordering::Relaxed) {
            if let Err(error) = self.fs.remove(self.reader.path()) {
                tracing::warn!(%error, "could not delete an obsolete table; the next open will");
            }
        }
    }
}

fn covers(record: &TableRecord, user_key: &[u8]) -> bool {
    record.smallest.user_key.as_slice() <= user_key
        && user_key <= record.largest.user_key.as_slice()
}

/// The live tables, level by level.
///
/// Level 0 holds flushed tables (and, size-tiered, every sorted run), newest
/// first; their key ranges may overlap. Deeper levels hold tables sorted by
/// key with disjoint ranges. This is also the order the manifest lists them.
#[derive(Debug, Default, Clone)]
pub(crate) struct Version {
    pub(crate) levels: Vec<Vec<Arc<Table>>>,
}

impl Version {
    /// Every table, in the order a read must consult them: level 0 newest
    /// first, then each deeper level in key order.
    pub(crate) fn tables(&self) -> impl Iterator<Item = &Arc<Table>> {
        self.levels.iter().flatten()
    }

    /// The records of every table, in read order, as the manifest lists them.
    pub(crate) fn records(&self) -> Vec<TableRecord> {
        self.tables().map(|t| t.record.clone()).collect()
    }

    /// The records level by level, for a compaction strategy.
    pub(crate) fn level_records(&self) -> Vec<Vec<TableRecord>> {
        let mut levels: Vec<Vec<TableRecord>> = self
            .levels
            .iter()
            .map(|l| l.iter().map(|t| t.record.clone()).collect())
            .collect();
        levels.resize_with(crate::compaction::NUM_LEVELS.max(levels.len()), Vec::new);
        levels
    }

    /// The number of tables in level 0.
    pub(crate) fn level0_len(&self) -> usize {
        self.levels.first().map_or(0, Vec::len)
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

    /// The input tables of a compaction, by file number, in read order.
    pub(crate) fn find(&self, numbers: &HashSet<u64>) -> Vec<Arc<Table>> {
        self.tables()
            .filter(|t| numbers.contains(&t.record.file_number))
            .cloned()
            .collect()
    }

    /// The tables that may hold data older than the inputs of a compaction
    /// into `output_level`: deeper levels, and in level 0 the tables after
    /// the last input.
    pub(crate) fn older_than(&self, inputs: &HashSet<u64>, output_level: u32) -> Vec<TableRecord> {
        let mut older = Vec::new();
        if output_level == 0 {
            if let Some(level0) = self.levels.first() {
                let last_input = level0
                    .iter()
                    .rposition(|t| inputs.contains(&t.record.file_number));
                let after = last_input.map_or(level0.len(), |i| i + 1);
                older.extend(level0[after..].iter().map(|t| t.record.clone()));
            }
        }
        for level in self.levels.iter().skip(output_level as usize + 1) {
            older.extend(level.iter().map(|t| t.record.clone()));
        }
        older
    }

    /// A copy with `inputs` removed and `outputs` added at `output_level`.
    ///
    /// In level 0 the outputs take the place of the newest input, which keeps
    /// level 0 ordered by age (the inputs of a level-0 merge are neighbours).
    /// Deeper levels stay sorted by key.
    pub(crate) fn replace(
        &self,
        inputs: &HashSet<u64>,
        outputs: Vec<Arc<Table>>,
        output_level: u32,
    ) -> Version {
        let is_input = |t: &Arc<Table>| inputs.contains(&t.record.file_number);
        let mut levels = self.levels.clone();
        let out = output_level as usize;
        if levels.len() <= out {
            levels.resize_with(out + 1, Vec::new);
        }
        let level0_position = levels[0]
            .iter()
            .position(is_input)
            .map(|first| levels[0][..first].len());
        for level in &mut levels {
            level.retain(|t| !is_input(t));
        }
        if out == 0 {
            let at = level0_position.unwrap_or(0).min(levels[0].len());
            levels[0].splice(at..at, outputs);
        } else {
            levels[out].extend(outputs);
            levels[out].sort_by(|a, b| a.record.smallest.cmp(&b.record.smallest));
        }
        Version { levels }
    }

    /// A copy with table `number` moved to `level`.
    pub(crate) fn with_move(&self, number: u64, level: u32) -> Version {
        let moved: Vec<Arc<Table>> = self
            .tables()
            .filter(|t| t.record.file_number == number)
            .map(|t| Arc::new(t.moved_to(level)))
            .collect();
        self.replace(&HashSet::from([number]), moved, level)
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

    /// Cursors over every table, in read order, for a merge: one per table
    /// of level 0 (their ranges overlap), one per deeper level (a sorted run).
    pub(crate) fn cursors(&self, into: &mut Vec<Box<dyn Cursor>>) {
        for (level, tables) in self.levels.iter().enumerate() {
            if level == 0 {
                for table in tables {
                    into.push(Box::new(TableCursor::new(table)));
                }
            } else if !tables.is_empty() {
                into.push(Box::new(LevelCursor::new(tables.clone())));
            }
        }
    }
}

/// Whether any of `tables` may hold a version of `user_key`.
pub(crate) fn any_covers(tables: &[TableRecord], user_key: &[u8]) -> bool {
    tables.iter().any(|t| covers(t, user_key))
}
