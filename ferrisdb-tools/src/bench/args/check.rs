//! The checks of a parsed command line: flags clap accepts one by one but
//! that are out of range, or do not fit together (a key too short for
//! `--num`'s indexes, more range tombstones than keys, `--sync` with another
//! `--sync_mode`), and engine settings the engine would refuse at open.

use ferrisdb_storage::{CompactionStyle, StorageConfig, SyncMode};

use super::BenchArgs;

impl BenchArgs {
    /// `Ok` if the flags can run; else the one-line message to print.
    pub(super) fn check(&self) -> Result<(), String> {
        self.benchmark_list()?;
        if self.threads == 0 {
            return Err("ferrisdb-bench: --threads must be at least 1".into());
        }
        if self.keyspaces == 0 {
            return Err(
                "ferrisdb-bench: --keyspaces must be at least 1 (1 is the default keyspace alone)"
                    .into(),
            );
        }
        let max_key_size = StorageConfig::default().max_key_size;
        if self.key_size == 0 || self.key_size > max_key_size {
            return Err(format!(
                "ferrisdb-bench: --key_size must be in 1 ..= {max_key_size}, the engine's \
                 max_key_size"
            ));
        }
        if !(0.0..=1.0).contains(&self.compression_ratio) {
            return Err("ferrisdb-bench: --compression_ratio must be in 0 ..= 1".into());
        }
        if self.range_tombstones > self.num {
            return Err(
                "ferrisdb-bench: --range_tombstones must be at most --num: each covers keys of \
                 its own"
                    .into(),
            );
        }
        if self.txn_accounts < 2 {
            return Err(
                "ferrisdb-bench: --txn_accounts must be at least 2: a transfer moves money \
                 between two accounts"
                    .into(),
            );
        }
        if self.txn_counters == 0 {
            return Err("ferrisdb-bench: --txn_counters must be at least 1".into());
        }
        if let Some(mode) = self
            .sync_mode
            .filter(|&mode| self.sync && mode != SyncMode::Full)
        {
            return Err(format!(
                "ferrisdb-bench: --sync means --sync_mode=full, not {}: give one of them",
                format!("{mode:?}").to_ascii_lowercase()
            ));
        }
        self.check_engine_settings()?;
        // Keys 0 to n - 1 must fit in --key_size digits.
        for (flag, n) in [
            ("num", self.num),
            ("txn_accounts", self.txn_accounts),
            ("txn_counters", self.txn_counters),
        ] {
            if n > 0 && digits(n - 1) > self.key_size {
                return Err(format!(
                    "ferrisdb-bench: --key_size={} is too short for --{flag}={n}: keys are {} \
                     digits",
                    self.key_size,
                    digits(n - 1)
                ));
            }
        }
        Ok(())
    }
}

impl BenchArgs {
    /// The engine's own checks of the settings the flags give
    /// (`StorageConfig::validate`, which `open` makes), so a bad
    /// `--block_size` or a pair of level-0 triggers out of order is refused
    /// before anything runs, with the engine's message naming the setting.
    fn check_engine_settings(&self) -> Result<(), String> {
        let (config, _) = self.storage_config(self.sync_mode());
        config.validate().map_err(|error| {
            let hint = match config.compaction_style {
                CompactionStyle::SizeTiered(_)
                    if self.level0_file_num_compaction_trigger.is_some() =>
                {
                    " (--level0_file_num_compaction_trigger sets min_merge_width with \
                     --compaction_style=universal)"
                }
                _ => "",
            };
            format!("ferrisdb-bench: the engine refuses these flags: {error}{hint}")
        })
    }
}

/// Number of decimal digits of `n` (1 for 0).
pub(crate) fn digits(mut n: u64) -> usize {
    let mut count = 1;
    while n >= 10 {
        n /= 10;
        count += 1;
    }
    count
}
