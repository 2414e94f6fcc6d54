//! [`StorageConfig::validate`]: every check of the settings, in one place.
//!
//! A setting is checked here, once, against the limits of the layer that
//! uses it, so no layer accepts what a layer below it refuses: the key and
//! value limits against what a table holds, the level-0 triggers against each
//! other and against the style's own settings.

use super::compaction_style::CompactionStyle;
use super::leveled_options::LeveledOptions;
use super::size_tiered_options::SizeTieredOptions;
use super::storage_config::StorageConfig;
use crate::sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
use crate::{CompressionType, Error, Result};

/// `Ok` if `ok`, else [`Error::InvalidArgument`] with `message`.
fn check(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(message()))
    }
}

impl StorageConfig {
    /// Checks every setting, and the settings against each other;
    /// [`StorageEngine::open`](crate::StorageEngine::open) calls this first.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for the first setting out of range, naming
    /// it and the range it must be in.
    pub fn validate(&self) -> Result<()> {
        check(!self.data_dir.as_os_str().is_empty(), || {
            "data_dir is empty: give the directory the database lives in".into()
        })?;
        self.check_memory_and_log()?;
        self.check_tables()?;
        self.check_entry_limits()?;
        self.check_compaction()
    }

    fn check_memory_and_log(&self) -> Result<()> {
        check(self.memtable_size >= 4 << 10, || {
            format!(
                "memtable_size {} is below the minimum of 4096 bytes",
                self.memtable_size
            )
        })?;
        check(self.max_open_files >= 1, || {
            "max_open_files is 0: give at least 1 (usize::MAX for no limit)".into()
        })?;
        check(self.max_immutable_memtables >= 1, || {
            "max_immutable_memtables must be at least 1".into()
        })?;
        check(self.wal_max_file_size >= 4 << 10, || {
            format!(
                "wal_max_file_size {} is below the minimum of 4096 bytes",
                self.wal_max_file_size
            )
        })
    }

    fn check_tables(&self) -> Result<()> {
        check((256..=(4 << 20)).contains(&self.block_size), || {
            format!("block_size {} is outside 256 ..= 4 MiB", self.block_size)
        })?;
        if let CompressionType::Zstd { level } = self.compression {
            let levels = zstd::compression_level_range();
            check(levels.contains(&level), || {
                format!(
                    "compression: zstd level {level} is outside {}..={}; 3 is zstd's default",
                    levels.start(),
                    levels.end()
                )
            })?;
        }
        check(self.bloom_filter_bits_per_key <= 64, || {
            format!(
                "bloom_filter_bits_per_key {} is above 64; 10 gives about 1% false positives",
                self.bloom_filter_bits_per_key
            )
        })
    }

    /// The engine checks writes against these two settings only, so they
    /// must not exceed what a table holds: an acknowledged write that no
    /// table can hold would fail its flush and every later open.
    fn check_entry_limits(&self) -> Result<()> {
        check((1..=MAX_KEY_SIZE).contains(&self.max_key_size), || {
            format!(
                "max_key_size {} is outside 1 ..= {MAX_KEY_SIZE} (MAX_KEY_SIZE, the longest key \
                 a table holds)",
                self.max_key_size
            )
        })?;
        check(self.max_value_size <= MAX_VALUE_SIZE, || {
            format!(
                "max_value_size {} is above {MAX_VALUE_SIZE} (MAX_VALUE_SIZE, the longest value \
                 a table holds)",
                self.max_value_size
            )
        })
    }

    fn check_compaction(&self) -> Result<()> {
        check(
            (1..=self.level0_stop_writes_trigger).contains(&self.level0_slowdown_writes_trigger),
            || {
                format!(
                    "level 0 triggers must satisfy 1 <= level0_slowdown_writes_trigger ({}) <= \
                     level0_stop_writes_trigger ({})",
                    self.level0_slowdown_writes_trigger, self.level0_stop_writes_trigger
                )
            },
        )?;
        match &self.compaction_style {
            CompactionStyle::Leveled(options) => self.check_leveled(options)?,
            CompactionStyle::SizeTiered(options) => self.check_size_tiered(options)?,
        }
        check(self.target_file_size >= 4 << 10, || {
            format!(
                "target_file_size {} is below the minimum of 4096 bytes",
                self.target_file_size
            )
        })?;
        check(self.background_threads >= 1, || {
            "background_threads must be at least 1".into()
        })?;
        check(self.compaction_rate_limit != Some(0), || {
            "compaction_rate_limit of 0 bytes per second would stop compaction; use None for unlimited"
                .into()
        })
    }

    fn check_leveled(&self, options: &LeveledOptions) -> Result<()> {
        let trigger = options.level0_file_num_compaction_trigger;
        check(
            (1..=self.level0_slowdown_writes_trigger).contains(&trigger),
            || {
                format!(
                    "compaction_style: LeveledOptions::level0_file_num_compaction_trigger \
                     ({trigger}) must be in 1 ..= level0_slowdown_writes_trigger ({}), so level 0 \
                     is compacted before writes slow down",
                    self.level0_slowdown_writes_trigger
                )
            },
        )?;
        check(options.max_bytes_for_level_base >= 4 << 10, || {
            format!(
                "compaction_style: LeveledOptions::max_bytes_for_level_base {} is below the \
                 minimum of 4096 bytes",
                options.max_bytes_for_level_base
            )
        })?;
        check(options.max_bytes_for_level_multiplier >= 2, || {
            format!(
                "compaction_style: LeveledOptions::max_bytes_for_level_multiplier {} must be at \
                 least 2",
                options.max_bytes_for_level_multiplier
            )
        })
    }

    /// Writes stop at `level0_stop_writes_trigger` level-0 runs until
    /// compaction brings the count down. Size-tiered merges at least
    /// `min_merge_width` runs (or all of them, once space amplification
    /// passes its limit, which equal runs may never do), so with fewer runs
    /// than that nothing is ever picked and writes wait forever. (Leveled's
    /// equivalent, its compaction trigger at most the slowdown trigger, is
    /// checked in [`check_leveled`](Self::check_leveled).)
    fn check_size_tiered(&self, options: &SizeTieredOptions) -> Result<()> {
        let width = options.min_merge_width;
        check(width >= 2, || {
            format!(
                "compaction_style: SizeTieredOptions::min_merge_width {width} must be at least 2"
            )
        })?;
        check(width <= self.level0_stop_writes_trigger, || {
            format!(
                "size-tiered compaction needs SizeTieredOptions::min_merge_width ({width}) <= \
                 level0_stop_writes_trigger ({}): writes stop at that many level-0 runs, and no \
                 merge of fewer than min_merge_width runs is ever picked, so they would wait \
                 forever; lower min_merge_width or raise the trigger",
                self.level0_stop_writes_trigger
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn refused(config: &StorageConfig) -> String {
        let err = config.validate().unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        err.to_string()
    }

    #[test]
    fn the_defaults_and_each_style_s_defaults_are_valid() {
        StorageConfig::default().validate().unwrap();
        for style in [CompactionStyle::leveled(), CompactionStyle::size_tiered()] {
            let config = StorageConfig {
                compaction_style: style,
                ..StorageConfig::default()
            };
            config.validate().unwrap();
        }
    }

    #[test]
    fn invalid_settings_are_rejected_with_the_setting_named() {
        type Breaker = fn(&mut StorageConfig);
        let cases: [(&str, Breaker); 14] = [
            ("level0_stop_writes_trigger", |c| {
                c.level0_stop_writes_trigger = 1
            }),
            ("level0_slowdown_writes_trigger", |c| {
                c.level0_slowdown_writes_trigger = 0
            }),
            ("compaction_rate_limit", |c| {
                c.compaction_rate_limit = Some(0)
            }),
            ("memtable_size", |c| c.memtable_size = 10),
            ("max_immutable_memtables", |c| c.max_immutable_memtables = 0),
            ("wal_max_file_size", |c| c.wal_max_file_size = 100),
            ("block_size", |c| c.block_size = 0),
            ("bloom_filter_bits_per_key", |c| {
                c.bloom_filter_bits_per_key = 65
            }),
            ("max_key_size", |c| c.max_key_size = 0),
            ("max_key_size", |c| c.max_key_size = MAX_KEY_SIZE + 1),
            ("max_value_size", |c| c.max_value_size = MAX_VALUE_SIZE + 1),
            ("target_file_size", |c| c.target_file_size = 1),
            ("background_threads", |c| c.background_threads = 0),
            ("data_dir", |c| c.data_dir = PathBuf::new()),
        ];
        for (name, break_it) in cases {
            let mut config = StorageConfig::default();
            break_it(&mut config);
            let err = refused(&config);
            assert!(err.contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn invalid_style_settings_are_rejected_with_the_setting_named() {
        let leveled = |options: LeveledOptions| StorageConfig {
            compaction_style: CompactionStyle::Leveled(options),
            ..StorageConfig::default()
        };
        let cases = [
            (
                "LeveledOptions::level0_file_num_compaction_trigger",
                leveled(LeveledOptions {
                    level0_file_num_compaction_trigger: 0,
                    ..LeveledOptions::default()
                }),
            ),
            (
                "LeveledOptions::level0_file_num_compaction_trigger",
                leveled(LeveledOptions {
                    level0_file_num_compaction_trigger: 21,
                    ..LeveledOptions::default()
                }),
            ),
            (
                "LeveledOptions::max_bytes_for_level_base",
                leveled(LeveledOptions {
                    max_bytes_for_level_base: 100,
                    ..LeveledOptions::default()
                }),
            ),
            (
                "LeveledOptions::max_bytes_for_level_multiplier",
                leveled(LeveledOptions {
                    max_bytes_for_level_multiplier: 1,
                    ..LeveledOptions::default()
                }),
            ),
            (
                "SizeTieredOptions::min_merge_width",
                StorageConfig {
                    compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
                        min_merge_width: 1,
                        ..SizeTieredOptions::default()
                    }),
                    ..StorageConfig::default()
                },
            ),
        ];
        for (name, config) in cases {
            let err = refused(&config);
            assert!(err.contains(name), "{name}: {err}");
        }
        // At the slowdown trigger, level 0 is still compacted in time.
        leveled(LeveledOptions {
            level0_file_num_compaction_trigger: 20,
            ..LeveledOptions::default()
        })
        .validate()
        .unwrap();
    }

    #[test]
    fn size_tiered_merges_no_wider_than_the_stop_trigger() {
        let with_width = |min_merge_width| StorageConfig {
            compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
                min_merge_width,
                ..SizeTieredOptions::default()
            }),
            ..StorageConfig::default()
        };
        with_width(36).validate().unwrap();
        let err = refused(&with_width(37));
        for name in ["min_merge_width", "level0_stop_writes_trigger"] {
            assert!(err.contains(name), "{name}: {err}");
        }
    }
}
