//! [`StorageConfig::validate`]: every check of the settings, in one place.
//!
//! A setting is checked here, once, against the limits of the layer that
//! uses it, so no layer accepts what a layer below it refuses: the key and
//! value limits against what a table holds, the level-0 triggers against each
//! other. The settings a keyspace has on its own are checked by
//! [`KeyspaceOptions::validate_in`] (`validate_keyspace.rs`), on the
//! database's own keyspace settings, so any keyspace is held to the same
//! limits.

use super::keyspace_options::KeyspaceOptions;
use super::storage_config::StorageConfig;
use super::validate_keyspace::check;
use crate::sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};
use crate::Result;

impl StorageConfig {
    /// Checks every setting, and the settings against each other;
    /// [`StorageEngine::open`](crate::StorageEngine::open) calls this first.
    /// The settings a keyspace has on its own get the checks of
    /// [`KeyspaceOptions::validate`], with the same messages.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for the
    /// first setting out of range, naming it and the range it must be in.
    pub fn validate(&self) -> Result<()> {
        self.check_database()?;
        KeyspaceOptions::from(self).validate_in(self)
    }

    /// The checks of the settings that are the database's alone, shared by
    /// every keyspace. [`layer_options`](Self::layer_options) makes them
    /// too, before it derives the keyspace settings' layers.
    pub(super) fn check_database(&self) -> Result<()> {
        check(!self.data_dir.as_os_str().is_empty(), || {
            "data_dir is empty: give the directory the database lives in".into()
        })?;
        self.check_memory_and_log()?;
        self.check_entry_limits()?;
        self.check_compaction()
    }

    fn check_memory_and_log(&self) -> Result<()> {
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
        })?;
        check(
            self.db_write_buffer_size == 0 || self.db_write_buffer_size >= self.memtable_size,
            || {
                format!(
                    "db_write_buffer_size {} is below memtable_size {}: the budget all \
                     keyspaces' MemTables share must hold one MemTable (0 means twice the \
                     largest keyspace memtable_size)",
                    self.db_write_buffer_size, self.memtable_size
                )
            },
        )?;
        check(
            self.max_total_wal_size == 0 || self.max_total_wal_size >= 4 << 10,
            || {
                format!(
                    "max_total_wal_size {} is below the minimum of 4096 bytes (0 means four \
                     times db_write_buffer_size)",
                    self.max_total_wal_size
                )
            },
        )
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

    /// The settings of compaction both styles use; the style itself is a
    /// keyspace setting.
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
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::config::{CompactionStyle, LeveledOptions, SizeTieredOptions};
    use crate::Error;

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
        let cases: [(&str, Breaker); 16] = [
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
            ("db_write_buffer_size", |c| {
                c.db_write_buffer_size = c.memtable_size - 1
            }),
            ("max_total_wal_size", |c| c.max_total_wal_size = 1),
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
