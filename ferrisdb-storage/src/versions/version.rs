//! A version: the set of live tables, by level, at one moment.
//!
//! Tables never change, and neither does a [`Version`]: a flush or a
//! compaction builds a new one and installs it. A reader that took the old one
//! keeps reading the old tables.

use std::collections::HashSet;
use std::sync::Arc;

use super::cursors::LevelCursor;
use super::table::Table;
use crate::iterator::Cursor;
use crate::manifest::format::NUM_LEVELS;
use crate::manifest::TableRecord;
use crate::sstable::TableEntry;
use crate::{Operation, ReadOptions, Result, Slice, Timestamp};

/// The live tables, level by level.
///
/// Level 0 holds flushed tables (and, size-tiered, merged runs), newest
/// first; their key ranges may overlap. Deeper levels hold tables sorted by
/// key with disjoint ranges, each level a sorted run older than the levels
/// above it. This is also the order the manifest lists them. Both compaction
/// styles keep this shape, so either can open what the other wrote.
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
        levels.resize_with(NUM_LEVELS.max(levels.len()), Vec::new);
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

    /// The tables that may hold data older than some of `inputs`: see
    /// [`older_tables`].
    pub(crate) fn older_than(&self, inputs: &HashSet<u64>) -> Vec<TableRecord> {
        older_tables(&self.level_records(), inputs)
            .cloned()
            .collect()
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
            // Inputs only from deeper levels are older than all of level 0.
            let at = level0_position
                .unwrap_or(levels[0].len())
                .min(levels[0].len());
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

    /// The newest version of `user_key` (whose [`key_hash`] is `hash`) at or
    /// below `timestamp` in any table, or `None`, reading blocks as `options`
    /// says. A tombstone is returned as such: it hides older tables. So is a
    /// covering range tombstone newer than the version found beside it: as
    /// a tombstone at its timestamp.
    ///
    /// Each level-0 table, then the one table of each deeper level whose
    /// range holds the key (a table's range holds its points and its range
    /// tombstones), is asked in turn: its range tombstones are asked whether
    /// or not its bloom filter rules the key out.
    ///
    /// [`key_hash`]: ferrisdb_core::hash::key_hash
    pub(crate) fn get(
        &self,
        user_key: &[u8],
        hash: u64,
        timestamp: Timestamp,
        options: &ReadOptions,
    ) -> Result<Option<TableEntry>> {
        let lookup = Lookup {
            user_key,
            hash,
            timestamp,
            options,
        };
        for (level, tables) in self.levels.iter().enumerate() {
            if level == 0 {
                // Overlapping ranges: every table that may hold the key, newest
                // first; the first one that decides wins.
                for table in tables {
                    if let Some(found) = lookup.table(table)? {
                        return Ok(Some(found));
                    }
                }
            } else {
                // Disjoint sorted ranges: at most one table's range holds
                // the key, and a table's range holds its range tombstones.
                if let Some(table) = table_holding(tables, user_key) {
                    if let Some(found) = lookup.table(table)? {
                        return Ok(Some(found));
                    }
                }
            }
        }
        Ok(None)
    }

    /// Cursors over every table, in read order, for a merge: one per table
    /// of level 0 (their ranges overlap), one per deeper level (a sorted run).
    /// They read blocks as `options` says.
    pub(crate) fn cursors(&self, options: &ReadOptions, into: &mut Vec<Box<dyn Cursor>>) {
        for (level, tables) in self.levels.iter().enumerate() {
            if level == 0 {
                for table in tables {
                    into.push(Box::new(LevelCursor::of_table(table, options)));
                }
            } else if !tables.is_empty() {
                into.push(Box::new(LevelCursor::over(tables.clone(), options.clone())));
            }
        }
    }
}

/// One point read's key, timestamp and options, asked of each source.
struct Lookup<'a> {
    user_key: &'a [u8],
    hash: u64,
    timestamp: Timestamp,
    options: &'a ReadOptions,
}

impl Lookup<'_> {
    /// What `table` decides about the key: its newest version at or below
    /// the read's timestamp, unless a range tombstone of the table over the
    /// key is newer, which answers as a tombstone at its timestamp; `None`
    /// if it knows nothing of the key.
    #[inline(always)]
    fn table(&self, table: &Arc<Table>) -> Result<Option<TableEntry>> {
        let (key, timestamp) = (self.user_key, self.timestamp);
        // A table's range holds its points and its range tombstones.
        if !table.covers(key) {
            return Ok(None);
        }
        let version =
            table.with_reader(|r| r.get_hashed(key, self.hash, timestamp, self.options))?;
        let tombstones = table.range_tombstones();
        if tombstones.is_empty() {
            return Ok(version);
        }
        Ok(match (version, tombstones.covering(key, timestamp)) {
            (Some(version), Some(c)) if version.timestamp < c => Some(deleted_at(c)),
            (None, Some(c)) => Some(deleted_at(c)),
            (version, _) => version,
        })
    }
}

/// The table of a deeper level whose range may hold `user_key`: the first
/// one that does not end before it.
#[inline(always)]
fn table_holding<'t>(tables: &'t [Arc<Table>], user_key: &[u8]) -> Option<&'t Arc<Table>> {
    // `partition_point` by hand: with a closure, the compiler calls it out
    // of line, which costs every point read a call per level.
    let (mut low, mut high) = (0, tables.len());
    while low < high {
        let mid = low + (high - low) / 2;
        if tables[mid].record.ends_before(user_key) {
            low = mid + 1;
        } else {
            high = mid;
        }
    }
    tables.get(low)
}

/// A tombstone at `timestamp`: what a range tombstone there answers a read.
fn deleted_at(timestamp: Timestamp) -> TableEntry {
    TableEntry {
        timestamp,
        operation: Operation::Delete,
        value: Slice::default(),
    }
}

/// The tables of `levels` (in read order, as [`Version::level_records`]
/// gives them) that may hold data older than some of `inputs`: the tables a
/// read consults after the newest input. That is, in level 0 the tables after
/// the first input there, and every table of the levels deeper than the
/// shallowest input. The other tables of the shallowest input level, if it is
/// a deeper level, are left out: they do not overlap the inputs of their
/// level, and are newer than the inputs below it.
///
/// This is the one place that says what lies below a compaction: whether a
/// merge may drop a tombstone, and whether a table of only tombstones may be
/// dropped, is decided against these tables, whatever the style that picked
/// the inputs and whatever style wrote the tables.
pub(crate) fn older_tables<'a>(
    levels: &'a [Vec<TableRecord>],
    inputs: &'a HashSet<u64>,
) -> impl Iterator<Item = &'a TableRecord> {
    let is_input = move |t: &TableRecord| inputs.contains(&t.file_number);
    let newest = levels
        .iter()
        .enumerate()
        .find_map(|(level, tables)| tables.iter().position(is_input).map(|index| (level, index)));
    levels
        .iter()
        .enumerate()
        .flat_map(move |(level, tables)| {
            let from = match newest {
                Some((0, index)) if level == 0 => index + 1,
                Some((shallowest, _)) if level > shallowest => 0,
                _ => tables.len(),
            };
            &tables[from..]
        })
        .filter(move |t| !is_input(t))
}

/// Whether the user-key ranges of `a` and `b` meet.
pub(crate) fn ranges_meet(a: &TableRecord, b: &TableRecord) -> bool {
    a.smallest.user_key <= b.largest.user_key && b.smallest.user_key <= a.largest.user_key
}

/// Whether any of `tables` may hold a version of `user_key`.
pub(crate) fn any_covers(tables: &[TableRecord], user_key: &[u8]) -> bool {
    tables.iter().any(|t| t.covers_user_key(user_key))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compaction::test_support::{levels, table};

    fn older(levels: &[Vec<TableRecord>], inputs: &[u64]) -> Vec<u64> {
        let inputs: HashSet<u64> = inputs.iter().copied().collect();
        older_tables(levels, &inputs)
            .map(|t| t.file_number)
            .collect()
    }

    #[test]
    fn older_tables_are_those_read_after_the_newest_input() {
        let v = levels(vec![
            table(20, 0, "a", "z", 1),
            table(15, 0, "a", "z", 1),
            table(30, 0, "a", "z", 1),
            table(4, 1, "a", "f", 1),
            table(5, 1, "g", "z", 1),
            table(2, 2, "a", "z", 1),
        ]);
        // Level-0 runs: what follows them in level 0, and every deeper level.
        assert_eq!(older(&v, &[20, 15]), [30, 4, 5, 2]);
        assert_eq!(older(&v, &[30]), [4, 5, 2]);
        // A level-0 merge with the level-1 tables it overlaps.
        assert_eq!(older(&v, &[20, 15, 30, 4]), [5, 2]);
        // A deeper table: the levels below it, not its own level's neighbours.
        assert_eq!(older(&v, &[4]), [2]);
        assert_eq!(older(&v, &[5, 2]), Vec::<u64>::new());
        assert_eq!(older(&v, &[]), Vec::<u64>::new());
    }
}
