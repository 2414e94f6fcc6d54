//! [`SizeTieredOptions`]: the settings only size-tiered compaction uses.

/// The settings of size-tiered compaction, given with
/// [`CompactionStyle::SizeTiered`](crate::CompactionStyle::SizeTiered).
///
/// Every flushed table is a sorted run in level 0, newest first; runs of
/// similar size that sit next to each other are merged into one run once
/// [`min_merge_width`](Self::min_merge_width) of them exist. A byte is
/// rewritten once per tier it climbs, fewer times than in leveled
/// compaction; in exchange a read may look in every run, and old versions
/// take space until their run is merged (`docs/deep-dive/compaction.md`).
/// RocksDB calls this style universal compaction.
///
/// A struct of public fields: set the ones you care about and keep the
/// defaults for the rest, so your code keeps compiling as fields are added.
///
/// ```
/// use ferrisdb_storage::{CompactionStyle, SizeTieredOptions, StorageConfig};
///
/// // Size-tiered with its defaults...
/// let config = StorageConfig {
///     compaction_style: CompactionStyle::size_tiered(),
///     ..StorageConfig::new("/tmp/my-app-db")
/// };
/// // ... or with the space it may waste bounded more tightly.
/// let config = StorageConfig {
///     compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
///         max_size_amplification_percent: 100,
///         ..SizeTieredOptions::default()
///     }),
///     ..config
/// };
/// assert_ne!(config.compaction_style, CompactionStyle::size_tiered());
/// ```
///
/// [`StorageEngine::open`](crate::StorageEngine::open) refuses invalid
/// values with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
/// naming the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SizeTieredOptions {
    /// Neighbouring runs of similar size (within 0.5 to 1.5 times their
    /// average) are merged once this many exist. Default 4.
    ///
    /// Larger: fewer tiers, so each byte is rewritten fewer times, but more
    /// runs wait to be merged (more tables per read, more space). Smaller:
    /// fewer runs, more rewriting. At least 2, and at most
    /// [`level0_stop_writes_trigger`](crate::StorageConfig::level0_stop_writes_trigger):
    /// writes stop at that many runs, and no merge of fewer runs than this is
    /// picked, so they would wait forever.
    pub min_merge_width: usize,
    /// When all runs but the oldest take more than this percentage of the
    /// oldest's size, everything is merged into one run. Default 200, as in
    /// RocksDB: the runs take at most about three times the oldest's space.
    ///
    /// This bounds space amplification, the disk taken by old versions and
    /// deleted data. Lower: less space, more full merges (each rewrites the
    /// whole database). Higher: fewer full merges, more space.
    pub max_size_amplification_percent: u64,
}

impl Default for SizeTieredOptions {
    fn default() -> Self {
        SizeTieredOptions {
            min_merge_width: 4,
            max_size_amplification_percent: 200,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_values() {
        let options = SizeTieredOptions::default();
        assert_eq!(options.min_merge_width, 4);
        assert_eq!(options.max_size_amplification_percent, 200);
    }
}
