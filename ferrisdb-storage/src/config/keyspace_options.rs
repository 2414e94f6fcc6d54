//! [`KeyspaceOptions`]: the settings each keyspace has on its own.

use super::compaction_style::CompactionStyle;
use crate::sstable::TableOptions;
use crate::CompressionType;

/// The settings each keyspace has on its own: how its MemTables are sized
/// and filtered, how its tables are laid out, and how they are compacted.
///
/// Every other setting (the log, the block cache, the threads, the level-0
/// triggers, the key and value limits, ...) is the database's, in
/// [`StorageConfig`](crate::StorageConfig), and shared by every keyspace.
///
/// A struct of public fields: set the ones you care about and take the rest
/// from [`KeyspaceOptions::default()`] (the library defaults) or from
/// `KeyspaceOptions::from(&config)` (the database's own settings, which the
/// `default` keyspace uses):
///
/// ```
/// use ferrisdb_storage::{CompactionStyle, KeyspaceOptions, StorageConfig};
///
/// let log = KeyspaceOptions {
///     compaction_style: CompactionStyle::size_tiered(),
///     ..KeyspaceOptions::default()
/// };
/// log.validate()?;
///
/// let config = StorageConfig {
///     block_size: 16 << 10,
///     ..StorageConfig::new("/tmp/my-app-db")
/// };
/// assert_eq!(KeyspaceOptions::from(&config).block_size, 16 << 10);
/// # Ok::<(), ferrisdb_storage::Error>(())
/// ```
///
/// Invalid values are refused with
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) naming the
/// setting, with the message [`StorageConfig::validate`] gives for the same
/// field (see [`validate`](Self::validate)).
///
/// [`StorageConfig::validate`]: crate::StorageConfig::validate
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyspaceOptions {
    /// How the keyspace's tables are merged in the background, with the
    /// settings only that style uses. Default [`CompactionStyle::leveled()`];
    /// [`CompactionStyle::size_tiered()`] writes less, for write-heavy data
    /// such as a log. The database's level-0 triggers apply to it: a leveled
    /// [`level0_file_num_compaction_trigger`](crate::LeveledOptions::level0_file_num_compaction_trigger)
    /// at most
    /// [`level0_slowdown_writes_trigger`](crate::StorageConfig::level0_slowdown_writes_trigger),
    /// a size-tiered
    /// [`min_merge_width`](crate::SizeTieredOptions::min_merge_width) at most
    /// [`level0_stop_writes_trigger`](crate::StorageConfig::level0_stop_writes_trigger).
    pub compaction_style: CompactionStyle,
    /// How the keyspace's table blocks are compressed, with the zstd level
    /// inside [`CompressionType::Zstd`]. Default [`CompressionType::Lz4`].
    pub compression: CompressionType,
    /// Bloom filter bits per key in the keyspace's tables; 10 gives about 1%
    /// false positives, 0 turns filters off. Default 10, at most 64.
    pub bloom_filter_bits_per_key: usize,
    /// Target size of the keyspace's table data blocks, before compression.
    /// Default 4 KiB, from 256 bytes to 4 MiB.
    pub block_size: usize,
    /// Bytes one of the keyspace's MemTables may hold before it is frozen
    /// and flushed. Default 64 MiB, at least 4 KiB.
    pub memtable_size: usize,
    /// Whether each of the keyspace's MemTables keeps a small bloom filter of
    /// its keys (one byte per 512 bytes of `memtable_size`, at most 4 MiB),
    /// so a get for a key the MemTable lacks usually skips the search. Worth
    /// it for point reads; a keyspace only ever scanned can save the memory
    /// with `false`. Default `true`.
    pub memtable_filter: bool,
}

impl Default for KeyspaceOptions {
    /// The library defaults, which `StorageConfig::default` takes too; the
    /// table settings' are the tables' own, so each default has one home.
    fn default() -> Self {
        let table = TableOptions::default();
        KeyspaceOptions {
            compaction_style: CompactionStyle::default(),
            compression: table.compression,
            bloom_filter_bits_per_key: table.bloom_bits_per_key,
            block_size: table.block_size,
            memtable_size: 64 << 20,
            memtable_filter: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults the field docs state, whichever layer they come from.
    #[test]
    fn defaults_are_the_documented_values() {
        let options = KeyspaceOptions::default();
        assert_eq!(options.compaction_style, CompactionStyle::leveled());
        assert_eq!(options.compression, CompressionType::Lz4);
        assert_eq!(options.bloom_filter_bits_per_key, 10);
        assert_eq!(options.block_size, 4 << 10);
        assert_eq!(options.memtable_size, 64 << 20);
        assert!(options.memtable_filter);
    }

    #[test]
    fn the_table_settings_default_to_the_tables_defaults() {
        let options = KeyspaceOptions::default();
        let table = TableOptions::default();
        assert_eq!(options.compression, table.compression);
        assert_eq!(options.bloom_filter_bits_per_key, table.bloom_bits_per_key);
        assert_eq!(options.block_size, table.block_size);
    }
}
