//! The leveled strategy: one sorted run per level, each level ten times the
//! last.
//!
//! ```text
//! L0  [a..z] [c..q] [b..m]        flushed tables, overlapping, newest first
//! L1  [a..f] [g..m] [n..z]        ≤ max_bytes_for_level_base, disjoint
//! L2  [a..c] [d..f] ... [x..z]    ≤ base × multiplier, disjoint
//! ```
//!
//! Each level gets a score: level 0 its table count over
//! `level0_file_num_compaction_trigger`, deeper levels their bytes over their
//! target. The level with the highest score of at least 1 is compacted:
//!
//! - level 0: every table of level 0 with the level-1 tables they overlap,
//!   into level 1 (level-0 tables overlap each other, so they go together);
//! - level n ≥ 1: one table, chosen round-robin by key so the whole level is
//!   visited in turn, with the tables of level n+1 it overlaps, into level
//!   n+1; if it overlaps none, it is simply moved down.
//!
//! A level-0 compaction waits while any level-0 or overlapping level-1 table
//! is busy; deeper compactions skip busy tables, so two threads can compact
//! different key ranges at once.
//!
//! Before any of these, tables of only tombstones that hide nothing are
//! dropped ([`drop_dead_tables`]), in any level. Level 0 may hold runs a
//! size-tiered past merged: they are in age order, which is all a level-0
//! compaction needs, since it reads them through one merge, newest first.

use std::collections::HashSet;
use std::sync::Mutex;

use super::{drop_dead_tables, CompactionChoice, CompactionStrategy, NUM_LEVELS};
use crate::config::LeveledOptions;
use crate::manifest::TableRecord;
use crate::InternalKey;

/// The leveled strategy.
#[derive(Debug)]
pub(crate) struct Leveled {
    level0_trigger: usize,
    level_base: u64,
    multiplier: u64,
    /// Per level, the largest key of the table compacted last: the next pick
    /// starts after it.
    cursor: Mutex<Vec<Option<InternalKey>>>,
}

impl Leveled {
    pub(crate) fn new(options: &LeveledOptions) -> Self {
        Leveled {
            level0_trigger: options.level0_file_num_compaction_trigger,
            level_base: options.max_bytes_for_level_base,
            multiplier: options.max_bytes_for_level_multiplier,
            cursor: Mutex::new(vec![None; NUM_LEVELS]),
        }
    }

    /// The byte target of level `level` ≥ 1.
    fn target(&self, level: usize) -> u64 {
        let mut target = self.level_base;
        for _ in 1..level {
            target = target.saturating_mul(self.multiplier);
        }
        target
    }

    /// How urgently each level needs compaction; ≥ 1 means it does.
    fn scores(&self, levels: &[Vec<TableRecord>]) -> Vec<(usize, f64)> {
        let mut scores = Vec::new();
        for (level, tables) in levels.iter().enumerate().take(NUM_LEVELS - 1) {
            let score = if level == 0 {
                tables.len() as f64 / self.level0_trigger as f64
            } else {
                bytes(tables) as f64 / self.target(level) as f64
            };
            scores.push((level, score));
        }
        scores.sort_by(|a, b| b.1.total_cmp(&a.1));
        scores
    }

    fn pick_level0(levels: &[Vec<TableRecord>], busy: &HashSet<u64>) -> CompactionChoice {
        let level0 = &levels[0];
        let (smallest, largest) = key_range(level0);
        let overlapping = overlaps(&levels[1], smallest, largest);
        let inputs: Vec<u64> = level0
            .iter()
            .chain(overlapping)
            .map(|t| t.file_number)
            .collect();
        if inputs.iter().any(|n| busy.contains(n)) {
            return CompactionChoice::Nothing;
        }
        CompactionChoice::Merge {
            inputs,
            output_level: 1,
        }
    }

    fn pick_deeper(
        &self,
        level: usize,
        levels: &[Vec<TableRecord>],
        busy: &HashSet<u64>,
    ) -> CompactionChoice {
        let tables = &levels[level];
        let mut cursor = self.cursor.lock().unwrap_or_else(|p| p.into_inner());
        // Start after the last compacted key, wrapping around.
        let start = match &cursor[level] {
            Some(last) => tables.partition_point(|t| t.largest <= *last),
            None => 0,
        };
        for table in tables[start..].iter().chain(&tables[..start]) {
            let below = overlaps(
                &levels[level + 1],
                &table.smallest.user_key,
                &table.largest.user_key,
            );
            if busy.contains(&table.file_number)
                || below.iter().any(|t| busy.contains(&t.file_number))
            {
                continue;
            }
            cursor[level] = Some(table.largest.clone());
            if below.is_empty() {
                return CompactionChoice::Move {
                    table: table.file_number,
                    to_level: level as u32 + 1,
                };
            }
            let inputs = std::iter::once(table)
                .chain(below)
                .map(|t| t.file_number)
                .collect();
            return CompactionChoice::Merge {
                inputs,
                output_level: level as u32 + 1,
            };
        }
        CompactionChoice::Nothing
    }
}

impl CompactionStrategy for Leveled {
    fn pick(&self, levels: &[Vec<TableRecord>], busy: &HashSet<u64>) -> CompactionChoice {
        if let Some(choice) = drop_dead_tables(levels, busy) {
            return choice;
        }
        for (level, score) in self.scores(levels) {
            if score < 1.0 {
                break;
            }
            let choice = if level == 0 {
                Self::pick_level0(levels, busy)
            } else {
                self.pick_deeper(level, levels, busy)
            };
            if choice != CompactionChoice::Nothing {
                return choice;
            }
        }
        CompactionChoice::Nothing
    }

    fn needs_compaction(&self, levels: &[Vec<TableRecord>]) -> bool {
        drop_dead_tables(levels, &HashSet::new()).is_some()
            || self
                .scores(levels)
                .first()
                .is_some_and(|&(_, score)| score >= 1.0)
    }

    fn full(&self, levels: &[Vec<TableRecord>], _range_tombstones: bool) -> CompactionChoice {
        let inputs: Vec<u64> = levels.iter().flatten().map(|t| t.file_number).collect();
        if inputs.is_empty() {
            return CompactionChoice::Nothing;
        }
        let deepest = levels
            .iter()
            .rposition(|l| !l.is_empty())
            .unwrap_or(0)
            .max(1);
        CompactionChoice::Merge {
            inputs,
            output_level: deepest as u32,
        }
    }
}

fn bytes(tables: &[TableRecord]) -> u64 {
    tables.iter().map(|t| t.file_size).sum()
}

/// The smallest and largest user key of `tables`.
///
/// REQUIRES: `tables` is not empty.
fn key_range(tables: &[TableRecord]) -> (&[u8], &[u8]) {
    debug_assert!(!tables.is_empty());
    let smallest = tables
        .iter()
        .map(|t| t.smallest.user_key.as_slice())
        .min()
        .unwrap_or_default();
    let largest = tables
        .iter()
        .map(|t| t.largest.user_key.as_slice())
        .max()
        .unwrap_or_default();
    (smallest, largest)
}

/// The tables of a sorted level whose user-key range meets `[smallest, largest]`.
fn overlaps<'a>(level: &'a [TableRecord], smallest: &[u8], largest: &[u8]) -> &'a [TableRecord] {
    let start = level.partition_point(|t| t.largest.user_key.as_slice() < smallest);
    let end = level.partition_point(|t| t.smallest.user_key.as_slice() <= largest);
    &level[start..end.max(start)]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compaction::test_support::{levels, table};

    fn strategy() -> Leveled {
        Leveled::new(&LeveledOptions {
            level0_file_num_compaction_trigger: 2,
            max_bytes_for_level_base: 1000,
            max_bytes_for_level_multiplier: 10,
        })
    }

    #[test]
    fn nothing_to_do_below_every_trigger() {
        let v = levels(vec![table(9, 0, "a", "z", 10), table(5, 1, "a", "m", 900)]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Nothing
        );
    }

    #[test]
    fn level0_takes_all_its_tables_and_the_overlapping_level1_tables() {
        let v = levels(vec![
            table(9, 0, "c", "f", 10),
            table(8, 0, "e", "h", 10),
            table(3, 1, "a", "b", 100),
            table(4, 1, "d", "g", 100),
            table(5, 1, "x", "z", 100),
        ]);
        let choice = strategy().pick(&v, &HashSet::new());
        assert_eq!(
            choice,
            CompactionChoice::Merge {
                inputs: vec![9, 8, 4],
                output_level: 1
            }
        );
        // A busy input blocks the level-0 compaction.
        assert_eq!(
            strategy().pick(&v, &HashSet::from([4])),
            CompactionChoice::Nothing
        );
    }

    #[test]
    fn an_oversized_level_compacts_round_robin_and_moves_when_nothing_overlaps() {
        let v = levels(vec![
            table(1, 1, "a", "c", 600),
            table(2, 1, "d", "f", 600),
            table(3, 2, "a", "b", 10),
        ]);
        let s = strategy();
        assert_eq!(
            s.pick(&v, &HashSet::new()),
            CompactionChoice::Merge {
                inputs: vec![1, 3],
                output_level: 2
            }
        );
        // The next pick continues after table 1's keys, and table 2 overlaps
        // nothing in level 2: a move.
        assert_eq!(
            s.pick(&v, &HashSet::new()),
            CompactionChoice::Move {
                table: 2,
                to_level: 2
            }
        );
        // Wraps around to table 1 again, skipping busy tables.
        assert_eq!(
            s.pick(&v, &HashSet::from([1])),
            CompactionChoice::Move {
                table: 2,
                to_level: 2
            }
        );
    }

    #[test]
    fn tombstone_only_tables_with_nothing_below_are_dropped() {
        let mut dead = table(7, 2, "a", "c", 10);
        dead.tombstone_count = dead.entry_count;
        let mut shadowing = table(8, 1, "x", "z", 10);
        shadowing.tombstone_count = shadowing.entry_count;
        // Table 8 hides data in table 9 below it, so it must stay.
        let v = levels(vec![dead, shadowing, table(9, 3, "y", "y", 10)]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Drop { tables: vec![7] }
        );
    }

    #[test]
    fn tombstones_in_level0_are_dropped_only_with_nothing_older_below() {
        // A size-tiered database may leave a level-0 table of only
        // tombstones; table 3 in level 1 holds keys it deletes.
        let mut tombstones = table(9, 0, "c", "f", 10);
        tombstones.tombstone_count = tombstones.entry_count;
        let v = levels(vec![tombstones.clone(), table(3, 1, "a", "d", 100)]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Nothing
        );
        let v = levels(vec![tombstones, table(3, 1, "a", "b", 100)]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Drop { tables: vec![9] }
        );
    }

    #[test]
    fn level_targets_grow_by_the_multiplier() {
        let s = strategy();
        assert_eq!(s.target(1), 1000);
        assert_eq!(s.target(3), 100_000);
    }

    #[test]
    fn full_compaction_merges_everything_into_the_deepest_level() {
        let v = levels(vec![table(9, 0, "a", "z", 10), table(3, 3, "a", "b", 10)]);
        assert_eq!(
            strategy().full(&v, false),
            CompactionChoice::Merge {
                inputs: vec![9, 3],
                output_level: 3
            }
        );
        let only_l0 = levels(vec![table(9, 0, "a", "z", 10)]);
        assert_eq!(
            strategy().full(&only_l0, false),
            CompactionChoice::Merge {
                inputs: vec![9],
                output_level: 1
            }
        );
        assert_eq!(
            strategy().full(&levels(vec![]), true),
            CompactionChoice::Nothing
        );
    }
}
