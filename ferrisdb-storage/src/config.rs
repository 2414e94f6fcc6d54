//! How a database is configured: [`StorageConfig`].

use std::path::PathBuf;

use crate::compaction::CompactionStyle;
use crate::fs::{os_file_system, SharedFileSystem};
use crate::wal::RecoveryMode;
use crate::{CompressionType, Error, Result, SyncMode, MAX_KEY_SIZE, MAX_VALUE_SIZE};

/// The settings of a database, given to
/// [`StorageEngine::open`](crate::StorageEngine::open).
///
/// A struct of public fields with sensible defaults: set the ones you care
/// about and keep the rest.
///
/// ```
/// use ferrisdb_storage::{StorageConfig, SyncMode};
///
/// let config = StorageConfig {
///     wal_sync_mode: SyncMode::Full,
///     memtable_size: 16 << 20,
///     ..StorageConfig::new("/tmp/my-app-db")
/// };
/// assert_eq!(config.block_size, 4096);
/// ```
///
/// Invalid combinations are rejected by `open` with
/// [`Error::InvalidArgument`].
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// The database directory. Default `./data`.
    pub data_dir: PathBuf,
    /// Whether `open` makes a new database when `data_dir` holds none: when
    /// the directory is missing, or holds no file of a database (nothing but
    /// the `LOCK` file, a `MANIFEST.tmp` a crash during the first manifest
    /// write left, or files FerrisDB does not write, which it leaves alone).
    /// With `false`, such an `open` fails with
    /// [`Error::InvalidArgument`] and creates nothing. Default `true`, as in
    /// RocksDB.
    ///
    /// A directory that holds tables or logs but no `MANIFEST` is never taken
    /// for a new database: `open` fails with a corruption error naming the
    /// missing `MANIFEST`, and deletes nothing.
    pub create_if_missing: bool,
    /// Whether `open` fails, with [`Error::InvalidArgument`], when `data_dir`
    /// already holds a database, so a new database is never mixed up with an
    /// old one. Default `false`, as in RocksDB.
    pub error_if_exists: bool,
    /// How far each write is pushed towards the disk before it is
    /// acknowledged. Default [`SyncMode::Normal`]: survives a killed process.
    pub wal_sync_mode: SyncMode,
    /// What `open` does with a damaged write-ahead log. Default
    /// [`RecoveryMode::TolerateCorruptedTail`]: damage a crash can leave (past
    /// the log's durable length, in the newest log that holds writes) is cut
    /// off with a warning and counted in
    /// [`EngineStats::recovery_dropped_wal_bytes`](crate::EngineStats::recovery_dropped_wal_bytes);
    /// damage to bytes that were synced is an [`Error::Corruption`].
    /// [`RecoveryMode::PointInTimeRecovery`] opens at the last consistent
    /// point before any damage, dropping every write after it (later logs
    /// included), and reports what it dropped;
    /// [`RecoveryMode::AbsoluteConsistency`] refuses any damage. See
    /// `docs/deep-dive/wal-crash-recovery.md`.
    pub wal_recovery_mode: RecoveryMode,
    /// Bytes a MemTable may hold before it is frozen and flushed. Default
    /// 64 MiB.
    pub memtable_size: usize,
    /// Whether each MemTable keeps a small bloom filter of its keys (one byte
    /// per 512 bytes of `memtable_size`, at most 4 MiB), so a get for a key the MemTable
    /// lacks usually skips the search. Right after heavy writes that made
    /// `readrandom` about 1.4 times faster, with writes within a few percent.
    /// Default `true`; RocksDB's `memtable_whole_key_filtering` is the same
    /// idea, off by default there.
    pub memtable_filter: bool,
    /// Frozen MemTables that may wait for their flush before writers stall.
    /// Default 2.
    pub max_immutable_memtables: usize,
    /// A write-ahead log file is rotated when it passes this size. Default
    /// 64 MiB; the engine also starts a new log with every new MemTable.
    pub wal_max_file_size: u64,
    /// Target size of a table's data blocks, before compression. Default
    /// 4 KiB.
    pub block_size: usize,
    /// How table blocks are compressed. Default [`CompressionType::Lz4`]: on
    /// values that do not compress, reads and writes stay as fast and
    /// compactions take 9 to 16 % longer (each block is tried, then stored
    /// as is); on half-compressible values the tables take 56 % of the space
    /// (`docs/performance.md`, "Compression by default").
    pub compression: CompressionType,
    /// Bloom filter bits per key; 10 gives about 1% false positives, 0 turns
    /// filters off. Default 10.
    pub bloom_filter_bits_per_key: usize,
    /// Bytes of uncompressed blocks kept in the shared block cache. Default
    /// 64 MiB.
    pub block_cache_size: usize,
    /// The most table files kept open at once (RocksDB's `max_open_files`),
    /// at least 1. A database with more tables closes the least recently
    /// read ones and reopens them when read again, which costs reading the
    /// table's footer, index and filter. Default 1000. Use `usize::MAX`
    /// for no limit.
    pub max_open_files: usize,
    /// The longest key accepted, in bytes: 1 to [`MAX_KEY_SIZE`] (1 MiB), the
    /// longest a table holds. Default 64 KiB.
    pub max_key_size: usize,
    /// The longest value accepted, in bytes: at most [`MAX_VALUE_SIZE`]
    /// (63 MiB less 32 bytes), the longest a table holds. Default 16 MiB.
    pub max_value_size: usize,
    /// How tables are merged in the background. Default
    /// [`CompactionStyle::Leveled`]: best for reads and space;
    /// [`CompactionStyle::SizeTiered`] writes less, for write-heavy work.
    /// It may change from one open to the next: either style opens a
    /// database the other wrote (see [`CompactionStyle`]).
    pub compaction_style: CompactionStyle,
    /// Turns background compaction off: tables accumulate until
    /// [`StorageEngine::compact`](crate::StorageEngine::compact) is called,
    /// writes never stall on level 0, and
    /// [`wait_for_compactions`](crate::StorageEngine::wait_for_compactions)
    /// waits for the flushes only (as in RocksDB). For bulk loads followed by
    /// one compaction, and for experiments. Default `false`.
    pub disable_auto_compactions: bool,
    /// Leveled: level 0 is compacted into level 1 once it holds this many
    /// tables. Default 4.
    pub level0_file_num_compaction_trigger: usize,
    /// Writes are slowed down (1 ms each) while level 0 holds this many tables
    /// (or, size-tiered, sorted runs). Default 20.
    pub level0_slowdown_writes_trigger: usize,
    /// Writes wait while level 0 holds this many tables, until compaction
    /// catches up. Default 36.
    pub level0_stop_writes_trigger: usize,
    /// Leveled: the target size of level 1 in bytes. Default 256 MiB.
    pub max_bytes_for_level_base: u64,
    /// Leveled: each level below 1 may hold this many times the bytes of the
    /// level above. Default 10.
    pub max_bytes_for_level_multiplier: u64,
    /// The size at which compaction starts a new output table. Default
    /// 64 MiB.
    pub target_file_size: u64,
    /// Size-tiered: a tier of similar-sized tables is merged once it holds
    /// this many. At most `level0_stop_writes_trigger`, or writes could stop
    /// with no merge to start. Default 4.
    pub min_merge_width: usize,
    /// Size-tiered: when all tables but the oldest take more than this
    /// percentage of the oldest's size, everything is merged, which bounds
    /// space amplification. Default 200.
    pub max_size_amplification_percent: u64,
    /// Threads that run compactions. Default 2.
    pub background_threads: usize,
    /// The most bytes per second compaction may write, so it cannot starve
    /// foreground writes of disk bandwidth. Default `None`: unlimited.
    pub compaction_rate_limit: Option<u64>,
    /// The file system all I/O goes through. Default: the operating system's.
    /// Tests replace it to inject faults and simulate crashes.
    pub file_system: SharedFileSystem,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig {
            data_dir: PathBuf::from("./data"),
            create_if_missing: true,
            error_if_exists: false,
            wal_sync_mode: SyncMode::Normal,
            wal_recovery_mode: RecoveryMode::TolerateCorruptedTail,
            memtable_size: 64 << 20,
            memtable_filter: true,
            max_immutable_memtables: 2,
            wal_max_file_size: 64 << 20,
            block_size: 4 << 10,
            compression: CompressionType::Lz4,
            bloom_filter_bits_per_key: 10,
            block_cache_size: 64 << 20,
            max_open_files: 1000,
            max_key_size: 64 << 10,
            max_value_size: 16 << 20,
            compaction_style: CompactionStyle::Leveled,
            disable_auto_compactions: false,
            level0_file_num_compaction_trigger: 4,
            level0_slowdown_writes_trigger: 20,
            level0_stop_writes_trigger: 36,
            max_bytes_for_level_base: 256 << 20,
            max_bytes_for_level_multiplier: 10,
            target_file_size: 64 << 20,
            min_merge_width: 4,
            max_size_amplification_percent: 200,
            background_threads: 2,
            compaction_rate_limit: None,
            file_system: os_file_system(),
        }
    }
}

impl StorageConfig {
    /// The default configuration for a database in `data_dir`.
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        StorageConfig {
            data_dir: data_dir.into(),
            ..StorageConfig::default()
        }
    }

    /// Checks every setting; `open` calls this first.
    pub fn validate(&self) -> Result<()> {
        fn check(ok: bool, message: impl FnOnce() -> String) -> Result<()> {
            if ok {
                Ok(())
            } else {
                Err(Error::InvalidArgument(message()))
            }
        }
        check(!self.data_dir.as_os_str().is_empty(), || {
            "data_dir is empty: give the directory the database lives in".into()
        })?;
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
        })?;
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
        })?;
        // The engine checks writes against these two settings only, so they
        // must not exceed what a table holds: an acknowledged write that no
        // table can hold would fail its flush and every later open.
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
        })?;
        check(self.level0_file_num_compaction_trigger >= 1, || {
            "level0_file_num_compaction_trigger must be at least 1".into()
        })?;
        check(
            self.level0_file_num_compaction_trigger <= self.level0_slowdown_writes_trigger
                && self.level0_slowdown_writes_trigger <= self.level0_stop_writes_trigger,
            || {
                format!(
                    "level 0 triggers must satisfy level0_file_num_compaction_trigger ({}) <= \
                     level0_slowdown_writes_trigger ({}) <= level0_stop_writes_trigger ({})",
                    self.level0_file_num_compaction_trigger,
                    self.level0_slowdown_writes_trigger,
                    self.level0_stop_writes_trigger
                )
            },
        )?;
        check(self.max_bytes_for_level_base >= 4 << 10, || {
            format!(
                "max_bytes_for_level_base {} is below the minimum of 4096 bytes",
                self.max_bytes_for_level_base
            )
        })?;
        check(self.max_bytes_for_level_multiplier >= 2, || {
            "max_bytes_for_level_multiplier must be at least 2".into()
        })?;
        check(self.target_file_size >= 4 << 10, || {
            format!(
                "target_file_size {} is below the minimum of 4096 bytes",
                self.target_file_size
            )
        })?;
        check(self.min_merge_width >= 2, || {
            "min_merge_width must be at least 2".into()
        })?;
        // Writes stop at level0_stop_writes_trigger level-0 runs until
        // compaction brings the count down. Size-tiered merges at least
        // min_merge_width runs (or all of them, once space amplification
        // passes its limit, which equal runs may never do), so with fewer
        // runs than that nothing is ever picked and writes wait forever.
        // (Leveled's equivalent, level0_file_num_compaction_trigger at most
        // the stop trigger, is checked above.)
        check(
            self.compaction_style != CompactionStyle::SizeTiered
                || self.min_merge_width <= self.level0_stop_writes_trigger,
            || {
                format!(
                    "size-tiered compaction needs min_merge_width ({}) <= \
                     level0_stop_writes_trigger ({}): writes stop at that many level-0 runs, \
                     and no merge of fewer than min_merge_width runs is ever picked, so they \
                     would wait forever",
                    self.min_merge_width, self.level0_stop_writes_trigger
                )
            },
        )?;
        check(self.background_threads >= 1, || {
            "background_threads must be at least 1".into()
        })?;
        check(self.compaction_rate_limit != Some(0), || {
            "compaction_rate_limit of 0 bytes per second would stop compaction; use None for unlimited"
                .into()
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_documented_values() {
        let config = StorageConfig::default();
        config.validate().unwrap();
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.create_if_missing);
        assert!(!config.error_if_exists);
        assert_eq!(config.wal_sync_mode, SyncMode::Normal);
        assert_eq!(config.memtable_size, 64 << 20);
        assert_eq!(config.bloom_filter_bits_per_key, 10);
    }

    #[test]
    fn new_sets_only_the_directory() {
        let config = StorageConfig::new("/tmp/x");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.block_size, StorageConfig::default().block_size);
    }

    #[test]
    fn invalid_settings_are_rejected_with_the_setting_named() {
        type Breaker = fn(&mut StorageConfig);
        let cases: [(&str, Breaker); 10] = [
            ("level0_stop_writes_trigger", |c| {
                c.level0_stop_writes_trigger = 1
            }),
            ("min_merge_width", |c| c.min_merge_width = 1),
            ("compaction_rate_limit", |c| {
                c.compaction_rate_limit = Some(0)
            }),
            ("memtable_size", |c| c.memtable_size = 10),
            ("max_immutable_memtables", |c| c.max_immutable_memtables = 0),
            ("block_size", |c| c.block_size = 0),
            ("max_key_size", |c| c.max_key_size = 0),
            ("max_key_size", |c| c.max_key_size = MAX_KEY_SIZE + 1),
            ("max_value_size", |c| c.max_value_size = MAX_VALUE_SIZE + 1),
            ("data_dir", |c| c.data_dir = PathBuf::new()),
        ];
        for (name, break_it) in cases {
            let mut config = StorageConfig::default();
            break_it(&mut config);
            let err = config.validate().unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
    }

    #[test]
    fn size_tiered_merges_no_wider_than_the_stop_trigger() {
        let mut config = StorageConfig {
            compaction_style: CompactionStyle::SizeTiered,
            min_merge_width: 36,
            ..StorageConfig::default()
        };
        config.validate().unwrap();
        config.min_merge_width = 37;
        let err = config.validate().unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        for name in ["min_merge_width", "level0_stop_writes_trigger"] {
            assert!(err.to_string().contains(name), "{name}: {err}");
        }
        // Leveled does not use the setting.
        config.compaction_style = CompactionStyle::Leveled;
        config.validate().unwrap();
    }
}
