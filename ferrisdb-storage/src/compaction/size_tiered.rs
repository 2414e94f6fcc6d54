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

use std::collections::HashSet;

use super::{CompactionChoice, CompactionStrategy};
use crate::manifest::TableRecord;
use crate::StorageConfig;

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
    /// With this many runs, writes slow down: merge the newest runs even if
    /// their sizes differ, so the count always comes down.
    max_runs: usize,
}

impl SizeTiered {
    pub(crate) fn new(config: &StorageConfig) -> Self {
        SizeTiered {
            min_merge_width: config.min_merge_width,
            max_size_amplification_percent: config.max_size_amplification_percent,
            max_runs: config.level0_slowdown_writes_trigger,
        }
    }

    /// The newest `min_merge_width` neighbouring idle runs, when there are
    /// too many runs whatever their sizes.
    fn too_many_runs(&self, runs: &[TableRecord], busy: &HashSet<u64>) -> Option<CompactionChoice> {
        if runs.len() < self.max_runs {
            return None;
        }
        runs.split(|t| busy.contains(&t.file_number))
            .find(|idle| idle.len() >= self.min_merge_width)
            .map(|idle| merge(&idle[..self.min_merge_width]))
    }

    /// All runs, when the newer ones take too much space next to the oldest.
    fn space_amplification(
        &self,
        runs: &[TableRecord],
        busy: &HashSet<u64>,
    ) -> Option<CompactionChoice> {
        let (oldest, newer) = runs.split_last()?;
        if newer.is_empty() || runs.iter().any(|t| busy.contains(&t.file_number)) {
            return None;
        }
        let newer_bytes: u64 = newer.iter().map(|t| t.file_size).sum();
        let limit = oldest
            .file_size
            .saturating_mul(self.max_size_amplification_percent)
            / 100;
        (newer_bytes > limit).then(|| merge(runs))
    }

    /// The first window of at least `min_merge_width` neighbouring, idle runs
    /// of similar size, from the newest.
    fn similar_tier(&self, runs: &[TableRecord], busy: &HashSet<u64>) -> Option<CompactionChoice> {
        let mut start = 0;
        while start < runs.len() {
            let mut end = start;
            let mut total = 0u64;
            while end < runs.len() && end - start < MAX_MERGE_WIDTH {
                let run = &runs[end];
                if busy.contains(&run.file_number) {
                    break;
                }
                let count = (end - start) as f64;
                let size = run.file_size as f64;
                if end > start {
                    let average = total as f64 / count;
                    if size < average * SIMILAR_LOW || size > average * SIMILAR_HIGH {
                        break;
                    }
                }
                total += run.file_size;
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

fn merge(runs: &[TableRecord]) -> CompactionChoice {
    CompactionChoice::Merge {
        inputs: runs.iter().map(|t| t.file_number).collect(),
        output_level: 0,
    }
}

impl CompactionStrategy for SizeTiered {
    fn pick(&self, levels: &[Vec<TableRecord>], busy: &HashSet<u64>) -> CompactionChoice {
        let runs = levels.first().map(Vec::as_slice).unwrap_or_default();
        if let Some(oldest) = runs.last() {
            // The oldest run has nothing below it: if it holds only
            // tombstones, they hide nothing and the whole run can go.
            if oldest.entry_count == oldest.tombstone_count && !busy.contains(&oldest.file_number) {
                return CompactionChoice::Drop {
                    tables: vec![oldest.file_number],
                };
            }
        }
        self.space_amplification(runs, busy)
            .or_else(|| self.similar_tier(runs, busy))
            .or_else(|| self.too_many_runs(runs, busy))
            .unwrap_or(CompactionChoice::Nothing)
    }

    fn needs_compaction(&self, levels: &[Vec<TableRecord>]) -> bool {
        // Picking has no side effects here.
        self.pick(levels, &HashSet::new()) != CompactionChoice::Nothing
    }

    fn full(&self, levels: &[Vec<TableRecord>]) -> CompactionChoice {
        let runs = levels.first().map(Vec::as_slice).unwrap_or_default();
        if runs.len() < 2 && runs.iter().all(|t| t.tombstone_count == 0) {
            return CompactionChoice::Nothing;
        }
        merge(runs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compaction::test_support::{levels, table};

    fn strategy() -> SizeTiered {
        SizeTiered::new(&StorageConfig {
            min_merge_width: 4,
            max_size_amplification_percent: 200,
            ..StorageConfig::default()
        })
    }

    fn runs(sizes: &[u64]) -> Vec<Vec<TableRecord>> {
        levels(
            sizes
                .iter()
                .enumerate()
                .map(|(i, &s)| table(100 - i as u64, 0, "a", "z", s))
                .collect(),
        )
    }

    #[test]
    fn four_similar_runs_merge_into_one() {
        let v = runs(&[10, 12, 9, 11, 1000]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Merge {
                inputs: vec![100, 99, 98, 97],
                output_level: 0
            }
        );
    }

    #[test]
    fn dissimilar_or_too_few_runs_wait() {
        assert_eq!(
            strategy().pick(&runs(&[10, 12, 9, 1000]), &HashSet::new()),
            CompactionChoice::Nothing
        );
        assert_eq!(
            strategy().pick(&runs(&[10, 100, 10, 100, 1000]), &HashSet::new()),
            CompactionChoice::Nothing
        );
    }

    #[test]
    fn a_tier_further_back_is_found_and_busy_runs_split_tiers() {
        let v = runs(&[1, 100, 100, 100, 100, 10_000]);
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Merge {
                inputs: vec![99, 98, 97, 96],
                output_level: 0
            }
        );
        assert_eq!(
            strategy().pick(&v, &HashSet::from([97])),
            CompactionChoice::Nothing
        );
    }

    #[test]
    fn too_much_space_amplification_merges_everything() {
        let v = runs(&[150, 160, 100]);
        assert_eq!(strategy().pick(&v, &HashSet::new()), merge(&v[0]));
    }

    #[test]
    fn too_many_runs_merge_the_newest_whatever_their_sizes() {
        let s = SizeTiered {
            max_runs: 5,
            ..strategy()
        };
        let v = runs(&[1, 3, 9, 27, 81, 1000]);
        assert_eq!(
            s.pick(&v, &HashSet::new()),
            CompactionChoice::Merge {
                inputs: vec![100, 99, 98, 97],
                output_level: 0
            }
        );
        assert_eq!(s.pick(&v, &HashSet::from([98])), CompactionChoice::Nothing);
    }

    #[test]
    fn an_oldest_run_of_only_tombstones_is_dropped() {
        let mut v = runs(&[10, 1000]);
        v[0][1].tombstone_count = v[0][1].entry_count;
        assert_eq!(
            strategy().pick(&v, &HashSet::new()),
            CompactionChoice::Drop { tables: vec![99] }
        );
    }
}
