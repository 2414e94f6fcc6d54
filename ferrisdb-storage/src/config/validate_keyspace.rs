//! [`KeyspaceOptions::validate`]: every check of the settings a keyspace has
//! on its own, in one place.
//!
//! [`StorageConfig::validate`] runs these same checks on the database's own
//! keyspace settings (`KeyspaceOptions::from(config)`), so a keyspace and the
//! database refuse the same values with the same messages. A keyspace's
//! compaction style is also checked against the database's level-0
//! triggers ([`KeyspaceOptions::validate_in`]), which it shares with every
//! other keyspace.

use super::compaction_style::CompactionStyle;
use super::keyspace_options::KeyspaceOptions;
use super::leveled_options::LeveledOptions;
use super::size_tiered_options::SizeTieredOptions;
use super::storage_config::StorageConfig;
use crate::{CompressionType, Error, Result};

/// `Ok` if `ok`, else [`Error::InvalidArgument`] with `message`.
pub(super) fn check(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
    if ok {
        Ok(())
    } else {
        Err(Error::InvalidArgument(message()))
    }
}

impl KeyspaceOptions {
    /// Checks every setting, each against the limits of the layer that uses
    /// it; the checks are those [`StorageConfig::validate`] makes of the
    /// same fields, with the same messages.
    ///
    /// The database's level-0 triggers bound the compaction style too (see
    /// [`compaction_style`](Self::compaction_style)); they are the
    /// database's, so that is checked when the keyspace is created in it.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for the first setting out of range, naming
    /// it and the range it must be in.
    pub fn validate(&self) -> Result<()> {
        check(self.memtable_size >= 4 << 10, || {
            format!(
                "memtable_size {} is below the minimum of 4096 bytes",
                self.memtable_size
            )
        })?;
        self.check_tables()?;
        match &self.compaction_style {
            CompactionStyle::Leveled(options) => check_leveled(options),
            CompactionStyle::SizeTiered(options) => check_size_tiered(options),
        }
    }

    /// [`validate`](Self::validate), then the compaction style against the
    /// level-0 triggers of `db`, whose own settings are checked already:
    /// what a keyspace of that database must pass.
    pub(super) fn validate_in(&self, db: &StorageConfig) -> Result<()> {
        self.validate()?;
        match &self.compaction_style {
            CompactionStyle::Leveled(options) => fits_leveled(options, db),
            CompactionStyle::SizeTiered(options) => fits_size_tiered(options, db),
        }
    }

    /// Checks that a keyspace with these options, made or changed now,
    /// fits the MemTable budget `db` sets: a MemTable larger than a set
    /// `db_write_buffer_size` would be frozen before it fills. Only a
    /// create or a change of options asks (a keyspace stored before, of a
    /// database reopened with a smaller budget, still opens: the budget
    /// then counts as its MemTable, see `WriteBudgets::for_memtables`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] naming both settings.
    pub(crate) fn fits_budget(&self, db: &StorageConfig) -> Result<()> {
        let Some(budget) = db.write_budgets().write_buffer else {
            return Ok(());
        };
        check(self.memtable_size <= budget, || {
            format!(
                "memtable_size {} is above the database's db_write_buffer_size of {budget} \
                 bytes, the MemTable budget all keyspaces share: a MemTable that large would be \
                 frozen before it fills; raise db_write_buffer_size (0, its default, is twice \
                 the largest keyspace's memtable_size) or lower memtable_size",
                self.memtable_size
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
}

fn check_leveled(options: &LeveledOptions) -> Result<()> {
    check(options.level0_file_num_compaction_trigger >= 1, || {
        "compaction_style: LeveledOptions::level0_file_num_compaction_trigger is 0: give at \
         least 1"
            .into()
    })?;
    check(options.max_bytes_for_level_base >= 4 << 10, || {
        format!(
            "compaction_style: LeveledOptions::max_bytes_for_level_base {} is below the minimum \
             of 4096 bytes",
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

fn check_size_tiered(options: &SizeTieredOptions) -> Result<()> {
    let width = options.min_merge_width;
    check(width >= 2, || {
        format!("compaction_style: SizeTieredOptions::min_merge_width {width} must be at least 2")
    })
}

/// Level 0 must be due for compaction before writes slow down on it.
fn fits_leveled(options: &LeveledOptions, db: &StorageConfig) -> Result<()> {
    let trigger = options.level0_file_num_compaction_trigger;
    check(trigger <= db.level0_slowdown_writes_trigger, || {
        format!(
            "compaction_style: LeveledOptions::level0_file_num_compaction_trigger ({trigger}) \
             must be at most level0_slowdown_writes_trigger ({}), so level 0 is compacted \
             before writes slow down",
            db.level0_slowdown_writes_trigger
        )
    })
}

/// Writes stop at `level0_stop_writes_trigger` level-0 runs until
/// compaction brings the count down. Size-tiered merges at least
/// `min_merge_width` runs (or all of them, once space amplification passes
/// its limit, which equal runs may never do), so with fewer runs than that
/// nothing is ever picked and writes wait forever. (Leveled's equivalent is
/// [`fits_leveled`].)
fn fits_size_tiered(options: &SizeTieredOptions, db: &StorageConfig) -> Result<()> {
    let width = options.min_merge_width;
    check(width <= db.level0_stop_writes_trigger, || {
        format!(
            "size-tiered compaction needs SizeTieredOptions::min_merge_width ({width}) <= \
             level0_stop_writes_trigger ({}): writes stop at that many level-0 runs, and no \
             merge of fewer than min_merge_width runs is ever picked, so they would wait \
             forever; lower min_merge_width or raise the trigger",
            db.level0_stop_writes_trigger
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The database's config with `keyspace`'s settings as its own.
    fn config_with(keyspace: &KeyspaceOptions) -> StorageConfig {
        StorageConfig {
            compaction_style: keyspace.compaction_style,
            compression: keyspace.compression,
            bloom_filter_bits_per_key: keyspace.bloom_filter_bits_per_key,
            block_size: keyspace.block_size,
            memtable_size: keyspace.memtable_size,
            memtable_filter: keyspace.memtable_filter,
            ..StorageConfig::default()
        }
    }

    fn refused(result: Result<()>) -> String {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        err.to_string()
    }

    #[test]
    fn the_defaults_and_each_style_s_defaults_are_valid() {
        let db = StorageConfig::default();
        for style in [CompactionStyle::leveled(), CompactionStyle::size_tiered()] {
            let options = KeyspaceOptions {
                compaction_style: style,
                ..KeyspaceOptions::default()
            };
            options.validate().unwrap();
            options.validate_in(&db).unwrap();
        }
    }

    #[test]
    fn each_bad_setting_is_refused_as_the_database_refuses_it() {
        let leveled = |options| CompactionStyle::Leveled(options);
        type Breaker = fn(&mut KeyspaceOptions);
        let cases: [(&str, Breaker); 12] = [
            ("memtable_size", |o| o.memtable_size = 10),
            ("block_size", |o| o.block_size = 0),
            ("block_size", |o| o.block_size = (4 << 20) + 1),
            ("zstd level", |o| {
                o.compression = CompressionType::Zstd { level: 1000 }
            }),
            ("bloom_filter_bits_per_key", |o| {
                o.bloom_filter_bits_per_key = 65
            }),
            ("LeveledOptions::level0_file_num_compaction_trigger", |o| {
                o.compaction_style = CompactionStyle::Leveled(LeveledOptions {
                    level0_file_num_compaction_trigger: 0,
                    ..LeveledOptions::default()
                })
            }),
            ("LeveledOptions::max_bytes_for_level_base", |o| {
                o.compaction_style = CompactionStyle::Leveled(LeveledOptions {
                    max_bytes_for_level_base: 100,
                    ..LeveledOptions::default()
                })
            }),
            ("LeveledOptions::max_bytes_for_level_multiplier", |o| {
                o.compaction_style = CompactionStyle::Leveled(LeveledOptions {
                    max_bytes_for_level_multiplier: 1,
                    ..LeveledOptions::default()
                })
            }),
            ("SizeTieredOptions::min_merge_width", |o| {
                o.compaction_style = CompactionStyle::SizeTiered(SizeTieredOptions {
                    min_merge_width: 1,
                    ..SizeTieredOptions::default()
                })
            }),
            ("memtable_size", |o| o.memtable_size = 0),
            ("block_size", |o| o.block_size = 255),
            ("zstd level", |o| {
                o.compression = CompressionType::Zstd {
                    level: zstd::compression_level_range().start() - 1,
                }
            }),
        ];
        for (name, break_it) in cases {
            let mut options = KeyspaceOptions::default();
            break_it(&mut options);
            let alone = refused(options.validate());
            assert!(alone.contains(name), "{name}: {alone}");
            let in_default = refused(options.validate_in(&StorageConfig::default()));
            let database = refused(config_with(&options).validate());
            assert_eq!(alone, in_default, "{name}");
            assert_eq!(alone, database, "{name}");
        }
        // The edges of each range are accepted.
        let edges = KeyspaceOptions {
            memtable_size: 4 << 10,
            block_size: 256,
            bloom_filter_bits_per_key: 64,
            compression: CompressionType::Zstd {
                level: *zstd::compression_level_range().end(),
            },
            compaction_style: leveled(LeveledOptions {
                level0_file_num_compaction_trigger: 1,
                max_bytes_for_level_base: 4 << 10,
                max_bytes_for_level_multiplier: 2,
            }),
            ..KeyspaceOptions::default()
        };
        edges.validate().unwrap();
        config_with(&edges).validate().unwrap();
    }

    /// The level-0 triggers are the database's: a style is refused against
    /// them, as in the database's own config, and only there.
    #[test]
    fn the_style_is_checked_against_the_database_s_level_0_triggers() {
        let db = StorageConfig::default();
        let wide = |min_merge_width| KeyspaceOptions {
            compaction_style: CompactionStyle::SizeTiered(SizeTieredOptions {
                min_merge_width,
                ..SizeTieredOptions::default()
            }),
            ..KeyspaceOptions::default()
        };
        let late = |level0_file_num_compaction_trigger| KeyspaceOptions {
            compaction_style: CompactionStyle::Leveled(LeveledOptions {
                level0_file_num_compaction_trigger,
                ..LeveledOptions::default()
            }),
            ..KeyspaceOptions::default()
        };
        let cases = [
            (
                wide(db.level0_stop_writes_trigger),
                wide(db.level0_stop_writes_trigger + 1),
                ["min_merge_width", "level0_stop_writes_trigger"],
            ),
            (
                late(db.level0_slowdown_writes_trigger),
                late(db.level0_slowdown_writes_trigger + 1),
                [
                    "level0_file_num_compaction_trigger",
                    "level0_slowdown_writes_trigger",
                ],
            ),
        ];
        for (widest, too_wide, names) in cases {
            widest.validate_in(&db).unwrap();
            too_wide.validate().unwrap();
            let err = refused(too_wide.validate_in(&db));
            for name in names {
                assert!(err.contains(name), "{name}: {err}");
            }
            assert_eq!(err, refused(config_with(&too_wide).validate()));
            // A database with higher triggers takes it.
            let roomy = StorageConfig {
                level0_slowdown_writes_trigger: 30,
                level0_stop_writes_trigger: 40,
                ..StorageConfig::default()
            };
            too_wide.validate_in(&roomy).unwrap();
        }
    }
}
