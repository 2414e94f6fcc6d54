//! [`LayerOptions`]: what each layer of the engine receives from a
//! [`StorageConfig`], derived in one place.
//!
//! `open` calls [`StorageConfig::layer_options`] once and hands each part to
//! its layer, so a layer never reads a setting of the config itself, never
//! keeps a default or a limit of its own for one, and never sees a value
//! [`StorageConfig::validate`] has not checked.

use super::compaction_style::CompactionStyle;
use super::storage_config::StorageConfig;
use crate::sstable::TableOptions;
use crate::wal::WalOptions;
use crate::Result;

/// The options of each layer, from a checked [`StorageConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LayerOptions {
    /// The write-ahead log writer's.
    pub(crate) wal: WalOptions,
    /// The layout of every table a flush or a compaction writes.
    pub(crate) table: TableOptions,
    /// What the compaction strategy decides with.
    pub(crate) strategy: StrategyOptions,
}

/// What a compaction strategy is built from: the style, with its own
/// settings, and the level-0 count at which writes slow down, which
/// size-tiered compaction must bring down whatever the runs' sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct StrategyOptions {
    /// The style and its settings.
    pub(crate) style: CompactionStyle,
    /// [`StorageConfig::level0_slowdown_writes_trigger`].
    pub(crate) level0_slowdown_writes_trigger: usize,
}

impl StorageConfig {
    /// Checks the config ([`validate`](Self::validate)) and derives the
    /// options of each layer from it.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    pub(crate) fn layer_options(&self) -> Result<LayerOptions> {
        self.validate()?;
        Ok(LayerOptions {
            wal: WalOptions {
                sync_mode: self.wal_sync_mode,
            },
            table: TableOptions {
                block_size: self.block_size,
                compression: self.compression,
                bloom_bits_per_key: self.bloom_filter_bits_per_key,
                ..TableOptions::default()
            },
            strategy: StrategyOptions {
                style: self.compaction_style,
                level0_slowdown_writes_trigger: self.level0_slowdown_writes_trigger,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::SizeTieredOptions;
    use crate::{CompressionType, Error, SyncMode};

    #[test]
    fn each_layer_gets_the_settings_of_the_config() {
        let style = CompactionStyle::SizeTiered(SizeTieredOptions {
            min_merge_width: 6,
            ..SizeTieredOptions::default()
        });
        let config = StorageConfig {
            wal_sync_mode: SyncMode::Full,
            block_size: 16 << 10,
            compression: CompressionType::zstd(),
            bloom_filter_bits_per_key: 0,
            compaction_style: style,
            level0_slowdown_writes_trigger: 8,
            ..StorageConfig::default()
        };
        let options = config.layer_options().unwrap();
        assert_eq!(options.wal.sync_mode, SyncMode::Full);
        assert_eq!(options.table.block_size, 16 << 10);
        assert_eq!(options.table.compression, CompressionType::zstd());
        assert_eq!(options.table.bloom_bits_per_key, 0);
        assert_eq!(
            options.table.restart_interval,
            TableOptions::default().restart_interval
        );
        assert_eq!(options.strategy.style, style);
        assert_eq!(options.strategy.level0_slowdown_writes_trigger, 8);
    }

    #[test]
    fn the_default_config_derives_each_layer_s_defaults() {
        let options = StorageConfig::default().layer_options().unwrap();
        assert_eq!(options.wal, WalOptions::default());
        assert_eq!(options.table, TableOptions::default());
        assert_eq!(options.strategy.style, CompactionStyle::default());
    }

    #[test]
    fn an_invalid_config_derives_nothing() {
        let config = StorageConfig {
            block_size: 0,
            ..StorageConfig::default()
        };
        let err = config.layer_options().unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
}
