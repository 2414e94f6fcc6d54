//! [`LeveledOptions`]: the settings only leveled compaction uses.

/// The settings of leveled compaction, given with
/// [`CompactionStyle::Leveled`](crate::CompactionStyle::Leveled).
///
/// Level 0 holds flushed tables, which may overlap; each level below it holds
/// one sorted run of tables with disjoint key ranges, and may hold
/// [`max_bytes_for_level_multiplier`](Self::max_bytes_for_level_multiplier)
/// times the bytes of the level above. A read looks at every level-0 table
/// that may hold its key and at most one table per deeper level; a byte is
/// rewritten about once per level it moves down
/// (`docs/deep-dive/compaction.md`).
///
/// A struct of public fields: set the ones you care about and keep the
/// defaults for the rest, so your code keeps compiling as fields are added.
///
/// ```
/// use ferrisdb_storage::{CompactionStyle, LeveledOptions, StorageConfig};
///
/// let config = StorageConfig {
///     compaction_style: CompactionStyle::Leveled(LeveledOptions {
///         level0_file_num_compaction_trigger: 8,
///         ..LeveledOptions::default()
///     }),
///     ..StorageConfig::new("/tmp/my-app-db")
/// };
/// assert_ne!(config.compaction_style, CompactionStyle::leveled());
/// ```
///
/// [`StorageEngine::open`](crate::StorageEngine::open) refuses invalid
/// values with [`Error::InvalidArgument`](crate::Error::InvalidArgument)
/// naming the setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct LeveledOptions {
    /// Level 0 is merged into level 1 once it holds this many tables.
    /// Default 4, as in RocksDB.
    ///
    /// Level-0 tables overlap, so a point read may look in each of them.
    /// Lower: fewer tables per read, but more and smaller level-0
    /// compactions, so more bytes rewritten. Higher: level 0 absorbs write
    /// bursts with fewer compactions, and reads slow down meanwhile. At
    /// least 1, and at most
    /// [`level0_slowdown_writes_trigger`](crate::StorageConfig::level0_slowdown_writes_trigger),
    /// or writes would slow down before compaction is due.
    pub level0_file_num_compaction_trigger: usize,
    /// The target size of level 1, in bytes. Default 256 MiB, as in
    /// RocksDB.
    ///
    /// Larger: fewer levels hold the same data (fewer tables per read, fewer
    /// rewrites), but each level-0 compaction merges into a bigger level 1
    /// and so rewrites more bytes. RocksDB's tuning guide suggests about the
    /// size of level 0 when it is due for compaction,
    /// `level0_file_num_compaction_trigger` times `memtable_size` (4 times
    /// 64 MiB with the defaults). At least 4 KiB.
    pub max_bytes_for_level_base: u64,
    /// Each level below 1 may hold this many times the bytes of the level
    /// above. Default 10, as in RocksDB.
    ///
    /// Larger: fewer levels (fewer tables per read), but each byte is
    /// rewritten about this many times for each level it moves down. Smaller:
    /// less rewriting per level, but more levels, and more of the data in
    /// the levels above the last, where old versions wait to be merged away
    /// (more space). At least 2.
    pub max_bytes_for_level_multiplier: u64,
}

impl Default for LeveledOptions {
    fn default() -> Self {
        LeveledOptions {
            level0_file_num_compaction_trigger: 4,
            max_bytes_for_level_base: 256 << 20,
            max_bytes_for_level_multiplier: 10,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_documented_values() {
        let options = LeveledOptions::default();
        assert_eq!(options.level0_file_num_compaction_trigger, 4);
        assert_eq!(options.max_bytes_for_level_base, 256 << 20);
        assert_eq!(options.max_bytes_for_level_multiplier, 10);
    }
}
