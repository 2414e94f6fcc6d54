//! [`CompactionStyle`]: how tables are merged, with the settings of that way.

use super::leveled_options::LeveledOptions;
use super::size_tiered_options::SizeTieredOptions;

/// How the engine merges tables in the background, with the settings only
/// that style uses.
///
/// Leveled keeps one sorted run per level below level 0, each level ten
/// times the size of the one above: a read touches at most one table per
/// level and little space is wasted, but each byte is rewritten about once
/// per level. Size-tiered merges sorted runs of similar size: each byte is
/// rewritten fewer times, at the price of more tables per read and more space.
/// The settings both styles use (when writes slow down and stop, the size of
/// output tables, threads, rate limit) are fields of
/// [`StorageConfig`](crate::StorageConfig).
///
/// ```
/// use ferrisdb_storage::{CompactionStyle, StorageConfig};
///
/// let config = StorageConfig {
///     compaction_style: CompactionStyle::size_tiered(),
///     ..StorageConfig::new("/tmp/my-app-db")
/// };
/// if let CompactionStyle::SizeTiered(options) = config.compaction_style {
///     assert_eq!(options.min_merge_width, 4);
/// }
/// ```
///
/// The style can change from one open to the next: a database written under
/// one style opens under the other with every delete and snapshot kept. The
/// new style takes over gradually, as its compactions run; a
/// [`StorageEngine::compact`](crate::StorageEngine::compact) right after
/// the switch reshapes everything at once. Leveled merges everything into
/// its deepest level, as always; size-tiered sees each level below 0 as one
/// sorted run older than level 0, and merges all runs into one, in the
/// deepest level that holds data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CompactionStyle {
    /// Sorted runs of similar size are merged once
    /// [`min_merge_width`](SizeTieredOptions::min_merge_width) of them exist;
    /// everything is merged when space amplification passes
    /// [`max_size_amplification_percent`](SizeTieredOptions::max_size_amplification_percent).
    /// Less write amplification; more tables per read, more space.
    SizeTiered(SizeTieredOptions),
    /// Level 0 is merged into level 1 once it holds
    /// [`level0_file_num_compaction_trigger`](LeveledOptions::level0_file_num_compaction_trigger)
    /// tables; each deeper level is kept under
    /// `max_bytes_for_level_base * multiplier^(n-1)` bytes. Fewer tables per
    /// read and little wasted space; more write amplification. The default.
    Leveled(LeveledOptions),
}

impl CompactionStyle {
    /// Leveled compaction with the default [`LeveledOptions`]: the default
    /// style.
    pub fn leveled() -> Self {
        CompactionStyle::Leveled(LeveledOptions::default())
    }

    /// Size-tiered compaction with the default [`SizeTieredOptions`].
    pub fn size_tiered() -> Self {
        CompactionStyle::SizeTiered(SizeTieredOptions::default())
    }
}

impl Default for CompactionStyle {
    /// [`CompactionStyle::leveled`]: best for reads and space.
    fn default() -> Self {
        CompactionStyle::leveled()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_constructors_carry_each_style_s_defaults() {
        assert_eq!(CompactionStyle::default(), CompactionStyle::leveled());
        assert_eq!(
            CompactionStyle::leveled(),
            CompactionStyle::Leveled(LeveledOptions::default())
        );
        assert_eq!(
            CompactionStyle::size_tiered(),
            CompactionStyle::SizeTiered(SizeTieredOptions::default())
        );
    }
}
