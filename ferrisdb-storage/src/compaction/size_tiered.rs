//! The size-tiered strategy: merge sorted runs of similar size.
//!
//! Every table is a sorted run in level 0, newest first. Flushes add small
//! runs at the front; once `min_merge_width` neighbouring runs have similar
//! sizes, they are merged into one run about as large as all of them, which
//! in turn waits for peers of its own size:
//!
//! ```text
//! 1 1 1 1            four runs of size 1 → merge
//! 4                  one run of size 4
//! 1 1 1 1 4          → merge the four small ones
//! 4 4                ... and four runs of 4 make one of 16
//! ```
//!
//! A byte is rewritten once per tier it climbs, about log_w(data / memtable)
//! times: less than in leveled compaction. The price is that a key may be in
//! every run (more tables per read) and that old versions linger until their
//! run is merged (more space). To bound the space, when all runs but the
//! oldest take more than `max_size_amplification_percent` of the oldest's
//! size, everything is merged.
//!
//! Only *neighbouring* runs are merged: a read stops at the first run that
//! holds a version of its key, which is only right if runs stay ordered from
//! newest to oldest.
//!
//! # A database another style wrote
//!
//! A leveled database has tables below level 0. Each deeper level is one
//! sorted run, older than every run above it, and is treated as such: it
//! merges with its neighbours like any run, whole. The output of a merge
//! goes where its oldest input was (level 0, or that deeper level, split at
//! `target_file_size`), so the runs stay ordered by age and levels 1 and
//! below stay sorted runs that leveled compaction can take over again. A full
//! compaction therefore leaves one sorted run, in the deepest level used.
//!
//! Whether a tombstone hides anything is never assumed here: the worker's
//! merge and [`drop_dead_tables`] look at every older table, in any level.

use std::collections::HashSet;

use super::{drop_dead_tables, CompactionChoice, CompactionStrategy};
use crate::config::SizeTieredOptions;
use crate::manifest::TableRecord;

/// Runs whose size is within this factor of the tier's average belong to it.
const SIMILAR_LOW: f64 = 0.5;
const SIMILAR_HIGH: f64 = 1.5;

/// At most this many runs are merged at once, to bound the work of one
/// compaction.
const MAX_MERGE_WIDTH: usize = 32;

/// The size-tiered strategy.
#[derive(Debug)]
pub(crate) struct SizeTiered {
    min_merge_width: usize,
    max_size_amplification_percent: u64,
    /// With this many runs in level 0, writes slow down: merge the newest
    /// runs even if their sizes differ, so the count always comes down.
    max_runs: usize,
}

/// A sorted run: one table of level 0, or all the tables of a deeper level.
#[derive(Debug)]
struct Run<'a> {
    level: u32,
    tables: &'a [TableRecord],
    bytes: u64,
    busy: bool,
}

/// The sorted runs of `levels`, newest first.
fn sorted_runs<'a>(levels: &'a [Vec<TableRecord>], busy: &HashSet<u64>) -> Vec<Run<'a>> {
    let run = |level: usize, tables: &'a [TableRecord]| Run {
        level: level as u32,
        tables,
        bytes: tables.iter().map(|t| t.file_size).sum(),
        busy: tables.iter().any(|t| busy.contains(&t.file_number)),
    };
    let mut runs = Vec::new();
    for (level, tables) in levels.iter().enumerate() {
        if level == 0 {
            runs.extend(tables.chunks(1).map(|table| run(0, table)));
        } else if !tables.is_empty() {
            runs.push(run(level, tables));
        }
    }
    runs
}

impl SizeTiered {
    /// The strategy with `options`, merging the newest runs whatever their
    /// sizes once level 0 holds `max_runs` of them (the level-0 count at
    /// which writes slow down).
    pub(crate) fn new(options: &SizeTieredOptions, max_runs: usize) -> Self {
        SizeTiered {
            min_merge_width: options.min_merge_width,
            max_size_amplification_percent: options.max_size_amplification_percent,
            max_runs,
        }
    }

    /// The newest `min_merge_width` neighbouring idle runs, when level 0 has
    /// too many runs whatever their sizes.
    fn too_many_runs(&self, runs: &[Run]) -> Option<CompactionChoice> {
        if runs.iter().filter(|r| r.level == 0).count() < self.max_runs {
            return None;
        }
        runs.split(|r| r.busy)
            .find(|idle| idle.len() >= self.min_merge_width)
            .map(|idle| merge(&idle[..self.min_merge_width]))
    }

    /// All runs, when the newer ones take too much space next to the oldest.
    fn space_amplification(&self, runs: &[Run]) -> Option<CompactionChoice> {
        let (oldest, newer) = runs.split_last()?;
        if newer.is_empty() || runs.iter().any(|r| r.busy) {
            return None;
        }
        let newer_bytes: u64 = newer.iter().map(|r| r.bytes).sum();
        let limit = oldest
            .bytes
            .saturating_mul(self.max_size_amplification_percent)
            / 100;
        (newer_bytes > limit).then(|| merge(runs))
    }

    /// The first window of at least `min_merge_width` neighbouring, idle runs
    /// of similar size, from the newest.
    fn similar_tier(&self, runs: &[Run]) -> Option<CompactionChoice> {
        let mut start = 0;
        while start < runs.len() {
            let mut end = start;
            let mut total = 0u64;
            while end < runs.len() && end - start < MAX_MERGE_WIDTH {
                let run = &runs[end];
                if run.busy {
                    break;
                }
                let count = (end - start) as f64;
                let size = run.bytes as f64;
                if end > start {
                    let average = total as f64 / count;
                    if size < average * SIMILAR_LOW || size > average * SIMILAR_HIGH {
                        break;
                    }
                }
                total += run.bytes;
                end += 1;
            }
            if end - start >= self.min_merge_width {
                return Some(merge(&runs[start..end]));
            }
            start += 1;
        }
        None
    }
}

/// Merges neighbouring `runs` into the level of the oldest of them: what
/// comes before them is newer, what comes after is in deeper levels.
///
/// REQUIRES: `runs` is not empty.
fn merge(runs: &[Run]) -> CompactionChoice {
    CompactionChoice::Merge {
        inputs: runs
            .iter()
            .flat_map(|r| r.tables)
            .map(|t| t.file_number)
            .collect(),
        output_level: runs.last().map_or(0, |r| r.level),
    }
}

impl CompactionStrategy for SizeTiered {
    fn pick(&self, levels: &[Vec<TableRecord>], busy: &HashSet<u64>) -> CompactionChoice {
        if let Some(choice) = drop_dead_tables(levels, busy) {
            return choice;
        }
        let runs = sorted_runs(levels, busy);
        self.space_amplification(&runs)
            .or_else(|| self.similar_tier(&runs))
            .or_else(|| self.too_many_runs(&runs))
            .unwrap_or(CompactionChoice::Nothing)
    }

    fn needs_compaction(&self, levels: &[Vec<TableRecord>]) -> bool {
        // Picking has no side effects here.
        self.pick(levels, &HashSet::new()) != CompactionChoice::Nothing
    }

    fn full(&self, levels: &[Vec<TableRecord>], range_tombstones: bool) -> CompactionChoice {
        let runs = sorted_runs(levels, &HashSet::new());
        let tombstones = range_tombstones || levels.iter().flatten().any(|t| t.tombstone_count > 0);
        if runs.is_empty() || (runs.len() == 1 && !tombstones) {
            return CompactionChoice::Nothing;
        }
        merge(&runs)
    }
}

#[cfg(test)]
mod tests;
