//! Compaction: merging tables so reads stay fast and dead data leaves the disk.
//!
//! Every flush adds a table, and a read may have to look in every table that
//! covers its key. Compaction merges tables into fewer, larger ones, keeping
//! only the versions someone can still read, and dropping tombstones once
//! nothing older is left for them to hide.
//!
//! # Decision and work
//!
//! The *decision* is a [`CompactionStrategy`]: it looks at the current
//! tables (their levels, sizes and key ranges, as the manifest records them)
//! and returns a
//! [`CompactionChoice`], without doing any I/O. The *work* is done by a
//! job (`job.rs`), which carries out any choice: merge tables into a level
//! (`drop_rule.rs` holds the rule for which versions a merge keeps), move a
//! table down, or drop obsolete tables, and then installs the result through
//! the [`VersionSet`](crate::versions::VersionSet). A job is given a narrow
//! [`CompactionContext`] (the versions, the keyspace and so its options, the
//! snapshots, a rate limiter and a stop flag); the engine decides when it runs
//! (`engine/compactions.rs`). A strategy is therefore a small,
//! pure, unit-testable file, one per [`CompactionStyle`], built by
//! [`strategy_for`] from the style's own settings. Those settings live with
//! the rest of the configuration (`config/`), which this module imports and
//! which names nothing here:
//!
//! - [`CompactionStyle::Leveled`] (`leveled.rs`): level 0 holds flushed
//!   tables; levels 1 and below each hold one sorted run of non-overlapping
//!   tables, every level ten times the size of the one above. Reads touch at
//!   most one table per level; each byte is rewritten about once per level.
//! - [`CompactionStyle::SizeTiered`] (`size_tiered.rs`): tables are sorted
//!   runs in level 0, newest first; runs of similar size are merged into one.
//!   Each byte is rewritten about once per tier, fewer times than in leveled,
//!   at the price of more tables per read and more space.
//!
//! # Switching styles
//!
//! The style is a setting, not part of the database: each open may choose
//! either. Both keep one shape (level 0 ordered by age, each deeper level a
//! sorted run older than the levels above), so each takes over what the other
//! left: size-tiered treats every deeper level as one more, older, sorted
//! run. Neither assumes what lies below its tables when it drops data: a
//! merge drops a tombstone, and [`drop_dead_tables`] a table of only
//! tombstones, only when no table that may hold older data
//! ([`older_tables`]) overlaps it, in any level.

mod covered;
mod drop_rule;
mod job;
mod leveled;
mod range_drop;
mod rate_limiter;
mod size_tiered;

use std::collections::HashSet;
use std::fmt;

use crate::config::{CompactionStyle, StrategyOptions};
use crate::manifest::TableRecord;
use crate::versions::{older_tables, ranges_meet, Version};
use crate::Timestamp;

pub(crate) use drop_rule::DropRule;
pub(crate) use job::{run, CompactionContext};
pub(crate) use range_drop::CompactionTombstones;
pub(crate) use rate_limiter::RateLimiter;

pub(crate) use crate::manifest::format::NUM_LEVELS;

/// What a strategy decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CompactionChoice {
    /// Nothing needs doing.
    Nothing,
    /// Merge these tables (by file number) into `output_level`. Outputs to
    /// level 0 form one table, which takes the place of the newest input;
    /// outputs to deeper levels are split at `target_file_size`.
    Merge { inputs: Vec<u64>, output_level: u32 },
    /// Move a table to a deeper level without rewriting it: nothing there
    /// overlaps it.
    Move { table: u64, to_level: u32 },
    /// Delete tables that hold nothing any reader can see.
    Drop { tables: Vec<u64> },
    /// Delete tables wholly hidden by newer range tombstones, unread
    /// (`covered.rs`).
    DropCovered { tables: Vec<u64> },
}

impl CompactionChoice {
    /// The tables the choice reads or removes.
    pub(crate) fn tables(&self) -> Vec<u64> {
        match self {
            CompactionChoice::Nothing => Vec::new(),
            CompactionChoice::Merge { inputs, .. } => inputs.clone(),
            CompactionChoice::Move { table, .. } => vec![*table],
            CompactionChoice::Drop { tables } | CompactionChoice::DropCovered { tables } => {
                tables.clone()
            }
        }
    }
}

/// Decides what to compact. Implementations do no I/O.
pub(crate) trait CompactionStrategy: Send + Sync + fmt::Debug {
    /// The most useful compaction now, given the tables of each level in
    /// read order (level 0 newest first, deeper levels by key), avoiding
    /// tables in `busy` (inputs of compactions already running).
    fn pick(&self, levels: &[Vec<TableRecord>], busy: &HashSet<u64>) -> CompactionChoice;

    /// A manual full compaction: every table merged into the deepest level the
    /// style uses. `range_tombstones` says whether any table holds range
    /// tombstones, which the records do not show: a table holding them may
    /// have entries they hide, or tombstones to drop, even alone.
    fn full(&self, levels: &[Vec<TableRecord>], range_tombstones: bool) -> CompactionChoice;

    /// Whether [`pick`](Self::pick) would find work with no table busy,
    /// without the side effects a pick may have on the strategy's state.
    fn needs_compaction(&self, levels: &[Vec<TableRecord>]) -> bool;
}

/// The tables that hold only tombstones hiding nothing, and are idle, as one
/// [`CompactionChoice::Drop`]; `None` if there are none.
///
/// A tombstone hides nothing once no table that may hold older data (see
/// [`older_tables`]) overlaps it; the whole table can then go without being
/// read. Both strategies ask this, and the worker asks it again when it
/// installs the drop, so no style assumes what lies below its tables.
pub(crate) fn drop_dead_tables(
    levels: &[Vec<TableRecord>],
    busy: &HashSet<u64>,
) -> Option<CompactionChoice> {
    let dead: Vec<u64> = levels
        .iter()
        .flatten()
        .filter(|t| !busy.contains(&t.file_number) && hides_nothing(levels, t))
        .map(|t| t.file_number)
        .collect();
    (!dead.is_empty()).then_some(CompactionChoice::Drop { tables: dead })
}

/// Whether `table` (one of `levels`) holds only tombstones that hide
/// nothing. Two such tables never shadow each other: the older one's range
/// would meet the newer one's, so the newer one would not qualify.
pub(crate) fn hides_nothing(levels: &[Vec<TableRecord>], table: &TableRecord) -> bool {
    if table.tombstone_count != table.entry_count {
        return false;
    }
    let inputs = HashSet::from([table.file_number]);
    let hidden = older_tables(levels, &inputs).any(|older| ranges_meet(older, table));
    !hidden
}

/// The idle tables of `version` wholly hidden from every reader by newer
/// range tombstones under the live `snapshots`, as one
/// [`CompactionChoice::DropCovered`]; `None` if there are none. The engine
/// asks this before either strategy picks, and the worker asks it again
/// when it installs the drop.
pub(crate) fn drop_covered_tables(
    version: &Version,
    snapshots: &[Timestamp],
    busy: &HashSet<u64>,
) -> Option<CompactionChoice> {
    let tables = version
        .tables()
        .map(|t| (&t.record, t.range_tombstones().as_ref()));
    let covered = covered::covered_tables(tables, snapshots, busy);
    (!covered.is_empty()).then_some(CompactionChoice::DropCovered { tables: covered })
}

/// The strategy of `options.style`, with that style's settings.
pub(crate) fn strategy_for(options: &StrategyOptions) -> Box<dyn CompactionStrategy> {
    match &options.style {
        CompactionStyle::Leveled(leveled) => Box::new(leveled::Leveled::new(leveled)),
        CompactionStyle::SizeTiered(size_tiered) => Box::new(size_tiered::SizeTiered::new(
            size_tiered,
            options.level0_slowdown_writes_trigger,
        )),
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Table records for strategy tests.

    use crate::manifest::TableRecord;
    use crate::InternalKey;

    /// A table at `level` covering `[smallest, largest]` with `size` bytes.
    pub(crate) fn table(
        number: u64,
        level: u32,
        smallest: &str,
        largest: &str,
        size: u64,
    ) -> TableRecord {
        TableRecord {
            level,
            file_number: number,
            file_size: size,
            entry_count: 1,
            tombstone_count: 0,
            smallest: InternalKey::new(smallest, number * 10 + 9),
            largest: InternalKey::new(largest, number * 10),
            min_timestamp: number * 10,
            max_timestamp: number * 10 + 9,
        }
    }

    /// Levels holding `tables`, each level in the given order.
    pub(crate) fn levels(tables: Vec<TableRecord>) -> Vec<Vec<TableRecord>> {
        let mut levels = vec![Vec::new(); super::NUM_LEVELS];
        for t in tables {
            levels[t.level as usize].push(t);
        }
        levels
    }
}
