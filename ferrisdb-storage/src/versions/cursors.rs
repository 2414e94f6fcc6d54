//! A live table's and a level's cursors, seen as [`Cursor`]s: what a merge
//! reads from the tables of a [`Version`](super::Version).

use std::sync::Arc;

use super::table::Table;
use crate::iterator::Cursor;
use crate::sstable::TableIterator;
use crate::{InternalKey, Operation, ReadOptions, Result, Slice, Timestamp};

/// A table as a [`Cursor`]. It holds the table, so a compaction that replaces
/// the table cannot delete its file while the cursor reads it, and its
/// reader, so the table cache cannot close the file either.
///
/// The reader is taken at the first positioning, which may fail (the table
/// cache reopens a file it closed): creating a cursor never does.
pub(crate) struct TableCursor {
    table: Arc<Table>,
    /// How blocks are read: `None` leaves the block cache alone.
    options: Option<ReadOptions>,
    iter: Option<TableIterator>,
}

impl TableCursor {
    pub(crate) fn new(table: &Arc<Table>, options: &ReadOptions) -> Self {
        TableCursor {
            table: Arc::clone(table),
            options: Some(options.clone()),
            iter: None,
        }
    }

    /// A cursor that leaves the block cache alone, for compactions: they read
    /// each block once, and filling the cache with them would evict the
    /// blocks readers need (and grow memory by the cache size for nothing).
    pub(crate) fn without_cache_fill(table: &Arc<Table>) -> Self {
        TableCursor {
            table: Arc::clone(table),
            options: None,
            iter: None,
        }
    }

    /// The table's iterator, created at the first positioning.
    fn positioned(&mut self) -> Result<&mut TableIterator> {
        if self.iter.is_none() {
            let reader = self.table.reader()?;
            self.iter = Some(match &self.options {
                Some(options) => reader.iter_with(options),
                None => reader.iter_without_cache_fill(),
            });
        }
        Ok(self.iter.as_mut().expect("created above"))
    }

    /// The iterator, for a method that REQUIRES `valid()`.
    fn on_entry(&self) -> &TableIterator {
        self.iter
            .as_ref()
            .expect("an entry is read only while the cursor is valid")
    }
}

impl Cursor for TableCursor {
    fn valid(&self) -> bool {
        self.iter.as_ref().is_some_and(TableIterator::valid)
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.positioned()?.seek_to_first()
    }
    fn seek_to_last(&mut self) -> Result<()> {
        self.positioned()?.seek_to_last()
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.positioned()?.seek(user_key, timestamp)
    }
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        self.positioned()?.seek_for_prev(user_key, timestamp)
    }
    fn next(&mut self) -> Result<()> {
        self.positioned()?.next()
    }
    fn prev(&mut self) -> Result<()> {
        self.positioned()?.prev()
    }
    fn user_key(&self) -> &[u8] {
        self.on_entry().user_key()
    }
    fn timestamp(&self) -> Timestamp {
        self.on_entry().timestamp()
    }
    fn operation(&self) -> Operation {
        self.on_entry().operation()
    }
    fn value(&self) -> &[u8] {
        self.on_entry().value()
    }
    fn value_slice(&self) -> Slice {
        self.on_entry().value_slice()
    }
}

/// The tables of one level below 0, seen as one [`Cursor`].
///
/// Their key ranges are disjoint and sorted, so the level is a single sorted
/// run: the cursor walks one table at a time and moves to the neighbouring
/// table when it runs off an end. A merge then has one child per level
/// instead of one per table, and a seek opens only the table that can hold
/// the target. (LevelDB's "two-level iterator" over a level's files.)
pub(crate) struct LevelCursor {
    tables: Vec<Arc<Table>>,
    /// How the tables' cursors read their blocks.
    options: ReadOptions,
    /// The table `current` walks, when positioned.
    index: usize,
    current: Option<TableCursor>,
}

impl LevelCursor {
    /// A cursor over `tables`.
    ///
    /// REQUIRES: `tables` are sorted by key with disjoint ranges.
    pub(crate) fn new(tables: Vec<Arc<Table>>, options: ReadOptions) -> Self {
        debug_assert!(tables
            .windows(2)
            .all(|w| w[0].record.largest < w[1].record.smallest));
        LevelCursor {
            tables,
            options,
            index: 0,
            current: None,
        }
    }

    /// Opens table `index` and positions it with `position`.
    fn open(
        &mut self,
        index: usize,
        position: impl FnOnce(&mut TableCursor) -> Result<()>,
    ) -> Result<()> {
        self.current = None;
        self.index = index;
        if let Some(table) = self.tables.get(index) {
            let mut cursor = TableCursor::new(table, &self.options);
            position(&mut cursor)?;
            self.current = Some(cursor);
        }
        Ok(())
    }

    /// While the current table is exhausted, moves to the next one's start.
    fn skip_forward(&mut self) -> Result<()> {
        while self.current.as_ref().is_some_and(|c| !c.valid()) {
            self.open(self.index + 1, |c| c.seek_to_first())?;
        }
        Ok(())
    }

    /// While the current table is exhausted, moves to the previous one's end.
    fn skip_backward(&mut self) -> Result<()> {
        while self.current.as_ref().is_some_and(|c| !c.valid()) {
            match self.index.checked_sub(1) {
                Some(previous) => self.open(previous, |c| c.seek_to_last())?,
                None => self.current = None,
            }
        }
        Ok(())
    }

    fn cursor(&self) -> &TableCursor {
        self.current
            .as_ref()
            .expect("REQUIRES: the level cursor is valid")
    }
}

impl Cursor for LevelCursor {
    fn valid(&self) -> bool {
        self.current.as_ref().is_some_and(|c| c.valid())
    }
    fn seek_to_first(&mut self) -> Result<()> {
        self.open(0, |c| c.seek_to_first())?;
        self.skip_forward()
    }
    fn seek_to_last(&mut self) -> Result<()> {
        match self.tables.len().checked_sub(1) {
            Some(last) => self.open(last, |c| c.seek_to_last())?,
            None => self.current = None,
        }
        self.skip_backward()
    }
    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        // The first table whose last entry is at or after the target.
        let index = self.tables.partition_point(|t| {
            let last = &t.record.largest;
            InternalKey::compare_parts(&last.user_key, last.timestamp, user_key, timestamp).is_lt()
        });
        self.open(index, |c| c.seek(user_key, timestamp))?;
        self.skip_forward()
    }
    fn seek_for_prev(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        // The last table whose first entry is at or before the target.
        let after = self.tables.partition_point(|t| {
            let first = &t.record.smallest;
            InternalKey::compare_parts(&first.user_key, first.timestamp, user_key, timestamp)
                .is_le()
        });
        match after.checked_sub(1) {
            Some(index) => self.open(index, |c| c.seek_for_prev(user_key, timestamp))?,
            None => self.current = None,
        }
        self.skip_backward()
    }
    fn next(&mut self) -> Result<()> {
        if let Some(cursor) = &mut self.current {
            cursor.next()?;
        }
        self.skip_forward()
    }
    fn prev(&mut self) -> Result<()> {
        if let Some(cursor) = &mut self.current {
            cursor.prev()?;
        }
        self.skip_backward()
    }
    fn user_key(&self) -> &[u8] {
        self.cursor().user_key()
    }
    fn timestamp(&self) -> Timestamp {
        self.cursor().timestamp()
    }
    fn operation(&self) -> Operation {
        self.cursor().operation()
    }
    fn value(&self) -> &[u8] {
        self.cursor().value()
    }
    fn value_slice(&self) -> Slice {
        self.cursor().value_slice()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
    use crate::manifest::TableRecord;
    use crate::sstable::{BlockCache, TableBuilder, TableOptions};
    use crate::versions::TableCache;
    use std::path::Path;

    /// A table holding `keys`, each at timestamps 2 and 1.
    fn table(fs: &SharedFileSystem, number: u64, keys: &[&str]) -> Arc<Table> {
        let path = Path::new("/db").join(format!("{number:06}.sst"));
        let mut writer =
            TableBuilder::create(Arc::clone(fs), &path, TableOptions::default()).unwrap();
        for key in keys {
            for ts in [2, 1] {
                writer
                    .add_parts(key.as_bytes(), ts, Operation::Put, key.as_bytes())
                    .unwrap();
            }
        }
        let meta = writer.finish().unwrap();
        let record = TableRecord {
            level: 1,
            file_number: number,
            file_size: meta.file_size,
            entry_count: meta.properties.entry_count,
            tombstone_count: 0,
            smallest: meta.properties.smallest_key.clone(),
            largest: meta.properties.largest_key.clone(),
            min_timestamp: 1,
            max_timestamp: 2,
        };
        // No directory lock: these tables are never made obsolete. A cache
        // of two files for three tables: the level cursor reopens files.
        let unlocked = Arc::new(std::sync::Mutex::new(None));
        let cache = Arc::new(TableCache::new(
            Arc::clone(fs),
            Arc::new(BlockCache::new(1 << 20)),
            2,
        ));
        Table::open(&cache, fs, &path, record, &unlocked).unwrap()
    }

    fn collect(cursor: &mut LevelCursor, forward: bool) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        while cursor.valid() {
            out.push((
                String::from_utf8(cursor.user_key().to_vec()).unwrap(),
                cursor.timestamp(),
            ));
            if forward {
                cursor.next().unwrap()
            } else {
                cursor.prev().unwrap()
            }
        }
        out
    }

    #[test]
    fn a_level_cursor_walks_its_tables_as_one_sorted_run() {
        let fault = FaultFileSystem::new();
        fault.create_dir_all(Path::new("/db")).unwrap();
        let fs: SharedFileSystem = Arc::new(fault);
        let keys = [["b", "c"], ["e", "f"], ["h", "i"]];
        let tables: Vec<_> = keys
            .iter()
            .zip(1..)
            .map(|(k, n)| table(&fs, n, k))
            .collect();
        let all: Vec<(String, u64)> = keys
            .iter()
            .flatten()
            .flat_map(|k| [(k.to_string(), 2), (k.to_string(), 1)])
            .collect();
        let mut cursor = LevelCursor::new(tables, ReadOptions::default());

        cursor.seek_to_first().unwrap();
        assert_eq!(collect(&mut cursor, true), all);
        cursor.seek_to_last().unwrap();
        let mut reversed = all.clone();
        reversed.reverse();
        assert_eq!(collect(&mut cursor, false), reversed);

        // Seeks land across table boundaries, and in the gaps between tables.
        for (target, ts) in [
            ("a", 9),
            ("c", 1),
            ("d", 9),
            ("f", 0),
            ("g", 5),
            ("i", 1),
            ("z", 0),
        ] {
            let position = all.partition_point(|(k, t)| {
                InternalKey::compare_parts(k.as_bytes(), *t, target.as_bytes(), ts).is_lt()
            });
            cursor.seek(target.as_bytes(), ts).unwrap();
            assert_eq!(
                collect(&mut cursor, true),
                all[position..],
                "seek {target}@{ts}"
            );
            let before = all.partition_point(|(k, t)| {
                InternalKey::compare_parts(k.as_bytes(), *t, target.as_bytes(), ts).is_le()
            });
            cursor.seek_for_prev(target.as_bytes(), ts).unwrap();
            let mut expected = all[..before].to_vec();
            expected.reverse();
            assert_eq!(
                collect(&mut cursor, false),
                expected,
                "seek_for_prev {target}@{ts}"
            );
        }
    }
}
