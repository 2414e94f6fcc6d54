//! The cursors over live tables: what a merge reads from the tables of a
//! [`Version`](super::Version).
//!
//! A level below 0 is a sorted run of tables with disjoint key ranges, so
//! its cursor is a [`TwoLevelCursor`] over [`LevelTables`]: a merge has one
//! child per level instead of one per table, and a seek opens only the table
//! that can hold the target. A single table (of level 0, or a compaction's
//! input) is read as a level of one table, with the same cursor.
//!
//! The cursor holds its tables, so a compaction that replaces one cannot
//! delete its file while the cursor reads it, and the reader of the table it
//! is in, so the table cache cannot close that file either. It takes a
//! table's reader when it first enters the table: the table cache may have
//! to reopen the file, which can fail, and making a cursor never does.

use std::sync::Arc;

use super::table::Table;
use crate::iterator::two_level::{TwoLevelCursor, TwoLevelIndex};
use crate::sstable::TableCursor;
use crate::{InternalKey, ReadOptions, Result, Timestamp};

/// A cursor over live tables with disjoint key ranges, as one sorted run.
pub(crate) type LevelCursor = TwoLevelCursor<LevelTables>;

/// Live tables sorted by key with disjoint ranges, as the index of a
/// [`LevelCursor`].
pub(crate) struct LevelTables {
    tables: Vec<Arc<Table>>,
    /// How the tables' cursors read their blocks: `None` is a compaction's
    /// read, which leaves the block cache alone.
    options: Option<ReadOptions>,
}

impl LevelCursor {
    /// A cursor over the tables of one level, reading blocks as `options`
    /// says.
    ///
    /// REQUIRES: `tables` are sorted by key with disjoint ranges.
    pub(crate) fn over(tables: Vec<Arc<Table>>, options: ReadOptions) -> Self {
        Self::reading(tables, Some(options))
    }

    /// A cursor over one table, reading blocks as `options` says.
    pub(crate) fn of_table(table: &Arc<Table>, options: &ReadOptions) -> Self {
        Self::reading(vec![Arc::clone(table)], Some(options.clone()))
    }

    /// A cursor over one table that leaves the block cache alone, for
    /// compactions: they read each block once, and filling the cache with
    /// them would evict the blocks readers need (and grow memory by the
    /// cache size for nothing).
    pub(crate) fn without_cache_fill(table: &Arc<Table>) -> Self {
        Self::reading(vec![Arc::clone(table)], None)
    }

    fn reading(tables: Vec<Arc<Table>>, options: Option<ReadOptions>) -> Self {
        debug_assert!(tables
            .windows(2)
            .all(|w| w[0].record.largest < w[1].record.smallest));
        TwoLevelCursor::new(LevelTables { tables, options })
    }
}

impl TwoLevelIndex for LevelTables {
    type Part = TableCursor;

    fn len(&self) -> usize {
        self.tables.len()
    }

    fn find(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        // The first table whose last entry is at or after the target.
        let at = self.tables.partition_point(|t| {
            let last = &t.record.largest;
            InternalKey::compare_parts(&last.user_key, last.timestamp, user_key, timestamp).is_lt()
        });
        (at < self.tables.len()).then_some(at)
    }

    fn find_for_prev(&self, user_key: &[u8], timestamp: Timestamp) -> Option<usize> {
        // The last table whose first entry is at or before the target: a
        // target in the gap before a table opens only the table before it.
        let after = self.tables.partition_point(|t| {
            let first = &t.record.smallest;
            InternalKey::compare_parts(&first.user_key, first.timestamp, user_key, timestamp)
                .is_le()
        });
        after.checked_sub(1)
    }

    fn max_timestamp_in(&self, start: &[u8], end: Option<&[u8]>) -> Timestamp {
        // The tables whose ranges meet `[start, end)`: from the first that
        // ends at or after `start`, while they start before `end`. Their
        // recorded newest timestamps bound every entry they hold there.
        let first = self.tables.partition_point(|t| t.record.ends_before(start));
        self.tables[first..]
            .iter()
            .take_while(|t| t.record.meets(start, end, false))
            .map(|t| t.record.max_timestamp)
            .max()
            .unwrap_or(0)
    }

    fn open(&mut self, at: usize) -> Result<TableCursor> {
        let reader = self.tables[at].reader()?;
        Ok(match &self.options {
            Some(options) => reader.iter_with(options),
            None => reader.iter_without_cache_fill(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::fs::SharedFileSystem;
    use crate::iterator::model::{random_run, walk_against_model, Entry};
    use crate::iterator::Cursor;
    use crate::sstable::table_cursor::tests::{file_system, write_table};
    use crate::sstable::BlockCache;
    use crate::versions::output::table_record;
    use crate::versions::TableCache;
    use crate::Operation;

    /// A table cache of two files: a level of more tables reopens files.
    fn table_cache(fs: &SharedFileSystem) -> Arc<TableCache> {
        let blocks = Arc::new(BlockCache::new(1 << 20));
        Arc::new(TableCache::new(Arc::clone(fs), blocks, 2))
    }

    /// A live table holding `entries` (at least one).
    fn table(
        cache: &Arc<TableCache>,
        fs: &SharedFileSystem,
        number: u64,
        entries: &[Entry],
    ) -> Arc<Table> {
        let written = write_table(fs, number, entries, 48);
        let record = table_record(1, number, written.file_size(), written.properties());
        // No directory lock: these tables are never made obsolete.
        let unlocked = Arc::new(std::sync::Mutex::new(None));
        Table::open(cache, written.path(), record, &unlocked).unwrap()
    }

    /// One random run cut into up to five tables (none: an empty level).
    fn random_level(
        rng: &mut StdRng,
        cache: &Arc<TableCache>,
        fs: &SharedFileSystem,
        first: u64,
    ) -> (Vec<Arc<Table>>, Vec<Entry>) {
        let all = random_run(rng, 0..60);
        let mut cuts: Vec<usize> = (0..rng.random_range(0..5))
            .map(|_| rng.random_range(0..=all.len()))
            .collect();
        cuts.extend([0, all.len()]);
        cuts.sort();
        cuts.dedup();
        let tables = cuts
            .windows(2)
            .zip(first..)
            .map(|(w, number)| table(cache, fs, number, &all[w[0]..w[1]]))
            .collect();
        (tables, all)
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
        let (_, fs) = file_system();
        let cache = table_cache(&fs);
        let keys = [["b", "c"], ["e", "f"], ["h", "i"]];
        let tables: Vec<_> = keys
            .iter()
            .zip(1..)
            .map(|(k, n)| {
                let entries: Vec<Entry> = k
                    .iter()
                    .flat_map(|k| {
                        [2, 1].map(|ts| {
                            (
                                InternalKey::new(*k, ts),
                                Operation::Put,
                                k.as_bytes().to_vec(),
                            )
                        })
                    })
                    .collect();
                table(&cache, &fs, n, &entries)
            })
            .collect();
        let all: Vec<(String, u64)> = keys
            .iter()
            .flatten()
            .flat_map(|k| [(k.to_string(), 2), (k.to_string(), 1)])
            .collect();
        let mut cursor = LevelCursor::over(tables, ReadOptions::default());

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

    #[test]
    fn a_level_cursor_moves_like_the_model_of_its_tables() {
        let mut rng = StdRng::seed_from_u64(12);
        let (_, fs) = file_system();
        let cache = table_cache(&fs);
        for round in 0..60 {
            let (tables, all) = random_level(&mut rng, &cache, &fs, round * 10 + 1);
            let mut cursor = LevelCursor::over(tables.clone(), ReadOptions::default());
            walk_against_model(&mut cursor, &all, &mut rng, 150);
            for table in &tables {
                let entries: Vec<Entry> = all
                    .iter()
                    .filter(|e| table.record.smallest <= e.0 && e.0 <= table.record.largest)
                    .cloned()
                    .collect();
                let mut cursor = LevelCursor::without_cache_fill(table);
                walk_against_model(&mut cursor, &entries, &mut rng, 30);
            }
        }
    }

    #[test]
    fn a_damaged_table_is_an_error_not_the_end_of_the_level() {
        let (fault, fs) = file_system();
        let cache = table_cache(&fs);
        let entries = |keys: &[&str]| -> Vec<Entry> {
            let put = |k: &&str| {
                (
                    InternalKey::new(*k, 1),
                    Operation::Put,
                    k.as_bytes().to_vec(),
                )
            };
            keys.iter().map(put).collect()
        };
        let tables = vec![
            table(&cache, &fs, 1, &entries(&["a", "b"])),
            table(&cache, &fs, 2, &entries(&["d", "e"])),
            table(&cache, &fs, 3, &entries(&["g", "h"])),
        ];
        fault.corrupt_reads(&Path::new("/db").join("000002.sst"), 1);
        let mut cursor = LevelCursor::over(tables, ReadOptions::default());

        cursor.seek_to_first().unwrap();
        cursor.next().unwrap();
        assert!(cursor.next().unwrap_err().is_corruption());
        assert!(!cursor.valid());
        cursor.seek_to_last().unwrap();
        cursor.prev().unwrap();
        assert!(cursor.prev().unwrap_err().is_corruption());
        assert!(!cursor.valid());
        assert!(cursor.seek(b"c", 1).is_err());
        assert!(cursor.seek_for_prev(b"f", 1).is_err());
        // The tables around it still read.
        cursor.seek_for_prev(b"c", 1).unwrap();
        assert_eq!(cursor.user_key(), b"b");
    }
}
