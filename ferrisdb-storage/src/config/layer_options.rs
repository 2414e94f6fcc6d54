//! [`LayerOptions`]: what each layer of the engine receives from a
//! [`StorageConfig`], and [`KeyspaceLayerOptions`]: what the layers of one
//! keyspace receive from its [`KeyspaceOptions`], derived in one place.
//!
//! `open` calls [`StorageConfig::layer_options`] once and hands each part to
//! its layer, so a layer never reads a setting of the config itself, never
//! keeps a default or a limit of its own for one, and never sees a value
//! [`StorageConfig::validate`] has not checked. The parts a keyspace has on
//! its own (its tables' layout, its compaction strategy) come from
//! [`KeyspaceOptions::layer_options`], for the database's own settings as
//! for any keyspace's, so both go one way.

use super::compaction_style::CompactionStyle;
use super::keyspace_options::KeyspaceOptions;
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
    /// The budgets the keyspaces share on the write path.
    pub(crate) budgets: WriteBudgets,
}

/// The budgets the keyspaces share on the write path, with their defaults
/// worked out (`engine/write_budget.rs` keeps them).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct WriteBudgets {
    /// The most bytes all active MemTables hold together, when set
    /// ([`StorageConfig::db_write_buffer_size`]); `None` for the default,
    /// twice the largest `memtable_size` of the live keyspaces (see
    /// [`for_memtables`](Self::for_memtables)).
    pub(crate) write_buffer: Option<usize>,
    /// `max_immutable_memtables`: with its active MemTable, what one
    /// keyspace may hold by its own rule, which the budget's stall never
    /// comes before.
    pub(crate) max_frozen: usize,
    /// The most bytes of live logs: [`StorageConfig::max_total_wal_size`],
    /// or four times the set `write_buffer` (four times twice the
    /// database's `memtable_size` when it is not set, or set to
    /// `usize::MAX`, off, so the logs stay bounded).
    pub(crate) total_wal: u64,
}

impl WriteBudgets {
    /// The MemTable budget and the bytes of active and frozen MemTables at
    /// which writers stall, for live keyspaces whose largest `memtable_size`
    /// is `largest`.
    ///
    /// The budget is the set one, or twice `largest`, and never less than
    /// `largest`: it always holds a MemTable of every keyspace (a set budget
    /// smaller than one is refused when a keyspace is made, but a database
    /// reopened with a smaller budget than its keyspaces were made under
    /// still opens). The stall is at twice the budget, or at what one
    /// keyspace of the largest MemTable may hold by its own rule (its active
    /// MemTable and `max_frozen` frozen ones) when that is more, so a second
    /// keyspace, written or not, never stalls one sooner than it stalls
    /// alone.
    pub(crate) fn for_memtables(&self, largest: usize) -> (usize, usize) {
        let budget = self
            .write_buffer
            .map_or(largest.saturating_mul(2), |set| set.max(largest));
        let one_keyspace = largest.saturating_mul(self.max_frozen.saturating_add(1));
        (budget, budget.saturating_mul(2).max(one_keyspace))
    }
}

/// The options of the layers one keyspace has on its own, from a checked
/// [`KeyspaceOptions`] and the database's [`StorageConfig`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyspaceLayerOptions {
    /// The layout of every table a flush or a compaction of the keyspace
    /// writes.
    pub(crate) table: TableOptions,
    /// What the keyspace's compaction strategy decides with.
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
    /// Checks the config (as [`validate`](Self::validate) does) and derives
    /// the options of each layer from it.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate).
    pub(crate) fn layer_options(&self) -> Result<LayerOptions> {
        self.check_database()?;
        let keyspace = KeyspaceOptions::from(self).layer_options(self)?;
        Ok(LayerOptions {
            wal: WalOptions {
                sync_mode: self.wal_sync_mode,
            },
            table: keyspace.table,
            strategy: keyspace.strategy,
            budgets: self.write_budgets(),
        })
    }

    /// The write budgets, 0 meaning the default of each.
    pub(super) fn write_budgets(&self) -> WriteBudgets {
        let write_buffer = (self.db_write_buffer_size != 0).then_some(self.db_write_buffer_size);
        let logs_base = match write_buffer {
            Some(set) if set != usize::MAX => set,
            _ => self.memtable_size.saturating_mul(2),
        };
        let total_wal = match self.max_total_wal_size {
            0 => u64::try_from(logs_base)
                .unwrap_or(u64::MAX)
                .saturating_mul(4),
            set => set,
        };
        WriteBudgets {
            write_buffer,
            max_frozen: self.max_immutable_memtables,
            total_wal,
        }
    }
}

impl KeyspaceOptions {
    /// Checks the options as a keyspace of `db` (a checked config), and
    /// derives the options of the keyspace's layers: the settings the
    /// keyspace has on its own, with the database's level-0 slowdown
    /// trigger.
    ///
    /// # Errors
    ///
    /// As [`validate`](Self::validate), and
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// compaction style the database's level-0 triggers do not allow.
    pub(crate) fn layer_options(&self, db: &StorageConfig) -> Result<KeyspaceLayerOptions> {
        self.validate_in(db)?;
        Ok(KeyspaceLayerOptions {
            table: TableOptions {
                block_size: self.block_size,
                compression: self.compression,
                bloom_bits_per_key: self.bloom_filter_bits_per_key,
                ..TableOptions::default()
            },
            strategy: StrategyOptions {
                style: self.compaction_style,
                level0_slowdown_writes_trigger: db.level0_slowdown_writes_trigger,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{LeveledOptions, SizeTieredOptions};
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
    fn the_write_budgets_default_to_multiples_of_the_memtable_size() {
        let config = StorageConfig {
            memtable_size: 1 << 20,
            max_immutable_memtables: 1,
            ..StorageConfig::default()
        };
        let budgets = config.layer_options().unwrap().budgets;
        assert_eq!(budgets.write_buffer, None);
        assert_eq!(budgets.total_wal, 8 << 20);
        // Twice the largest keyspace MemTable, which default's is at least.
        assert_eq!(budgets.for_memtables(1 << 20), (2 << 20, 4 << 20));
        assert_eq!(budgets.for_memtables(3 << 20), (6 << 20, 12 << 20));
        // A set write buffer is what the log default multiplies.
        let config = StorageConfig {
            db_write_buffer_size: 3 << 20,
            ..config
        };
        let budgets = config.layer_options().unwrap().budgets;
        assert_eq!(budgets.for_memtables(1 << 20), (3 << 20, 6 << 20));
        // A set budget below a keyspace's MemTable (a database reopened
        // with a smaller one) counts as that MemTable.
        assert_eq!(budgets.for_memtables(4 << 20), (4 << 20, 8 << 20));
        assert_eq!(budgets.total_wal, 12 << 20);
        let config = StorageConfig {
            max_total_wal_size: 5 << 20,
            db_write_buffer_size: usize::MAX,
            ..config
        };
        let budgets = config.layer_options().unwrap().budgets;
        assert_eq!(budgets.for_memtables(1 << 20).0, usize::MAX);
        assert_eq!(budgets.total_wal, 5 << 20);
        // No MemTable budget: the log default still bounds the logs, at
        // four times the MemTable budget's own default
        // (regression_no_write_budget_unbounds_logs).
        let config = StorageConfig {
            max_total_wal_size: 0,
            ..config
        };
        assert_eq!(config.layer_options().unwrap().budgets.total_wal, 8 << 20);
    }

    #[test]
    fn the_stall_never_comes_sooner_than_one_keyspace_s_own() {
        // Twice a budget of twice the MemTable is four MemTables; with
        // eight frozen allowed, one keyspace alone may hold nine.
        let config = StorageConfig {
            memtable_size: 1 << 20,
            max_immutable_memtables: 8,
            ..StorageConfig::default()
        };
        let budgets = config.layer_options().unwrap().budgets;
        assert_eq!(budgets.for_memtables(1 << 20), (2 << 20, 9 << 20));
        // One keyspace's own bound is that of the largest MemTable
        // (regression_large_keyspace_stalls_early).
        assert_eq!(budgets.for_memtables(4 << 20), (8 << 20, 36 << 20));
    }

    #[test]
    fn the_default_config_derives_each_layer_s_defaults() {
        let options = StorageConfig::default().layer_options().unwrap();
        assert_eq!(options.wal, WalOptions::default());
        assert_eq!(options.table, TableOptions::default());
        assert_eq!(options.strategy.style, CompactionStyle::default());
    }

    #[test]
    fn an_invalid_config_derives_nothing_and_says_what_validate_says() {
        let keyspace_setting = StorageConfig {
            block_size: 0,
            ..StorageConfig::default()
        };
        let database_setting = StorageConfig {
            max_immutable_memtables: 0,
            ..StorageConfig::default()
        };
        let style_against_triggers = StorageConfig {
            compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
                min_merge_width: 37,
                ..SizeTieredOptions::default()
            }),
            ..StorageConfig::default()
        };
        for config in [keyspace_setting, database_setting, style_against_triggers] {
            let err = config.layer_options().unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            assert_eq!(err.to_string(), config.validate().unwrap_err().to_string());
        }
    }

    /// A keyspace with the database's own settings gets the layers the
    /// database's `default` keyspace gets, field by field as the config
    /// names them.
    #[test]
    fn a_keyspace_from_a_config_derives_the_config_s_layers() {
        let configs = [
            StorageConfig::default(),
            StorageConfig {
                block_size: 16 << 10,
                compression: CompressionType::Zstd { level: 9 },
                bloom_filter_bits_per_key: 0,
                memtable_size: 1 << 20,
                memtable_filter: false,
                compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
                    min_merge_width: 6,
                    ..SizeTieredOptions::default()
                }),
                level0_slowdown_writes_trigger: 8,
                ..StorageConfig::default()
            },
            StorageConfig {
                compression: CompressionType::None,
                compaction_style: CompactionStyle::leveled(),
                level0_slowdown_writes_trigger: 4,
                ..StorageConfig::default()
            },
        ];
        for config in configs {
            let keyspace = KeyspaceOptions::from(&config)
                .layer_options(&config)
                .unwrap();
            let expected_table = TableOptions {
                block_size: config.block_size,
                compression: config.compression,
                bloom_bits_per_key: config.bloom_filter_bits_per_key,
                ..TableOptions::default()
            };
            let expected_strategy = StrategyOptions {
                style: config.compaction_style,
                level0_slowdown_writes_trigger: config.level0_slowdown_writes_trigger,
            };
            assert_eq!(keyspace.table, expected_table);
            assert_eq!(keyspace.strategy, expected_strategy);
            let layers = config.layer_options().unwrap();
            assert_eq!(layers.table, keyspace.table);
            assert_eq!(layers.strategy, keyspace.strategy);
        }
    }

    /// A keyspace's own settings with the database's slowdown trigger.
    #[test]
    fn a_keyspace_s_layers_take_its_own_settings() {
        let db = StorageConfig {
            level0_slowdown_writes_trigger: 12,
            ..StorageConfig::default()
        };
        let options = KeyspaceOptions {
            compaction_style: CompactionStyle::size_tiered(),
            compression: CompressionType::None,
            bloom_filter_bits_per_key: 20,
            block_size: 64 << 10,
            ..KeyspaceOptions::default()
        };
        let layers = options.layer_options(&db).unwrap();
        assert_eq!(layers.table.block_size, 64 << 10);
        assert_eq!(layers.table.compression, CompressionType::None);
        assert_eq!(layers.table.bloom_bits_per_key, 20);
        assert_eq!(
            layers.table.restart_interval,
            TableOptions::default().restart_interval
        );
        assert_eq!(layers.strategy.style, CompactionStyle::size_tiered());
        assert_eq!(layers.strategy.level0_slowdown_writes_trigger, 12);

        let too_late = KeyspaceOptions {
            compaction_style: CompactionStyle::Leveled(LeveledOptions {
                level0_file_num_compaction_trigger: 13,
                ..LeveledOptions::default()
            }),
            ..KeyspaceOptions::default()
        };
        let err = too_late.layer_options(&db).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    }
}
