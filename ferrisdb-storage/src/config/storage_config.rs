//! [`StorageConfig`]: the settings of a database.

use std::path::PathBuf;
use std::time::Duration;

use super::compaction_style::CompactionStyle;
use super::keyspace_options::KeyspaceOptions;
use crate::fs::{os_file_system, SharedFileSystem};
use crate::wal::{RecoveryMode, WalOptions};
use crate::{CompressionType, SyncMode};

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
/// The settings a keyspace has on its own (`compaction_style`,
/// `compression`, `bloom_filter_bits_per_key`, `block_size`, `memtable_size`
/// and `memtable_filter`) are the fields of [`KeyspaceOptions`] too, with the
/// same defaults; `KeyspaceOptions::from(&config)` copies them.
///
/// Invalid combinations are rejected by `open` with
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument).
#[derive(Debug, Clone)]
pub struct StorageConfig {
    /// The database directory. Default `./data`.
    pub data_dir: PathBuf,
    /// Whether `open` makes a new database when `data_dir` holds none: when
    /// the directory is missing, or holds no file of a database (nothing but
    /// the `LOCK` file, a `MANIFEST.tmp` a crash during the first manifest
    /// write left, or files FerrisDB does not write, which it leaves alone).
    /// With `false`, such an `open` fails with
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) and creates
    /// nothing. Default `true`, as in RocksDB.
    ///
    /// A directory that holds tables or logs but no `MANIFEST` is never taken
    /// for a new database: `open` fails with a corruption error naming the
    /// missing `MANIFEST`, and deletes nothing.
    pub create_if_missing: bool,
    /// Whether `open` fails, with
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument), when
    /// `data_dir` already holds a database, so a new database is never mixed
    /// up with an old one. Default `false`, as in RocksDB.
    pub error_if_exists: bool,
    /// How far each write is pushed towards the disk before it is
    /// acknowledged. Default [`SyncMode::Normal`]: survives a killed process.
    pub wal_sync_mode: SyncMode,
    /// What `open` does with a damaged write-ahead log. Default
    /// [`RecoveryMode::TolerateCorruptedTail`]: damage a crash can leave (past
    /// the log's durable length, in the newest log) is cut
    /// off with a warning and counted in
    /// [`EngineStats::recovery_dropped_wal_bytes`](crate::EngineStats::recovery_dropped_wal_bytes);
    /// damage to bytes that were synced is an
    /// [`Error::Corruption`](crate::Error::Corruption).
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
    /// The active MemTable is frozen, and a new write-ahead log file
    /// started, before a record would take the current log past this size
    /// (with one keyspace a log holds the writes of one MemTable, so this
    /// also bounds the bytes a MemTable may log; keyspaces share the logs,
    /// and the one whose write would not fit freezes). Default 64 MiB.
    pub wal_max_file_size: u64,
    /// The most bytes the active MemTables of all keyspaces hold together:
    /// one MemTable budget the keyspaces share, as RocksDB's
    /// `db_write_buffer_size` (its write buffer manager) and fjall's
    /// `max_write_buffer_size` are. When a write would take them past it,
    /// the keyspace whose active MemTable is the oldest (the first to take
    /// writes) is frozen and flushed, whichever keyspace the write is for;
    /// writers stall while the active and frozen MemTables together hold
    /// more than twice it (or than one keyspace of the largest
    /// `memtable_size` holds by its own rule, its active MemTable and
    /// `max_immutable_memtables` frozen ones, when that is more), until
    /// flushes catch up.
    ///
    /// Default 0: twice the largest `memtable_size` of the keyspaces (this
    /// config's, `default`'s, at least). Unlike RocksDB's, 0 is not "no
    /// budget": set `usize::MAX` for that. At least `memtable_size` when
    /// set, and a keyspace made or given options may not have a
    /// `memtable_size` above a set budget (such a MemTable would be frozen
    /// before it fills); a database reopened with a budget smaller than a
    /// keyspace's MemTable opens, the budget counting as that MemTable. A database with only the
    /// `default` keyspace never checks it: its `memtable_size` and
    /// `max_immutable_memtables` bound its MemTables, and a second
    /// keyspace, written or not, never makes `default` stall sooner.
    pub db_write_buffer_size: usize,
    /// The most bytes of write-ahead logs kept before the keyspaces whose
    /// MemTables hold writes in the oldest log are flushed, so that log can
    /// go: a keyspace written rarely would otherwise keep every log since
    /// its first unflushed write (RocksDB's `max_total_wal_size`, fjall's
    /// `max_journaling_size`). The logs may pass it by what the flushes it
    /// asks for take to finish.
    ///
    /// Default 0: four times the effective `db_write_buffer_size`, as in
    /// RocksDB, where 0 means four times the write buffers (four times
    /// twice `memtable_size` when that budget is the default or off, so
    /// turning the MemTable budget off leaves the logs bounded). At least 4 KiB when
    /// set; `u64::MAX` turns it off. Like RocksDB's, it applies only to
    /// a database with more than one keyspace: with one, each log holds one
    /// MemTable's writes and goes with its flush.
    pub max_total_wal_size: u64,
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
    /// The longest key a write may carry, in bytes: 1 to
    /// [`MAX_KEY_SIZE`](crate::MAX_KEY_SIZE) (1 MiB), the longest a table
    /// holds. Default 64 KiB. Every write is checked against it once, before
    /// it is logged; a longer key fails with
    /// [`Error::KeyTooLarge`](crate::Error::KeyTooLarge).
    pub max_key_size: usize,
    /// The longest value a write may carry, in bytes: at most
    /// [`MAX_VALUE_SIZE`](crate::MAX_VALUE_SIZE) (63 MiB less 32 bytes), the
    /// longest a table holds. Default 16 MiB. Every write is checked against
    /// it once, before it is logged; a longer value fails with
    /// [`Error::ValueTooLarge`](crate::Error::ValueTooLarge).
    pub max_value_size: usize,
    /// How tables are merged in the background, with the settings only that
    /// style uses. Default [`CompactionStyle::leveled()`]: best for reads and
    /// space; [`CompactionStyle::size_tiered()`] writes less, for
    /// write-heavy work. It may change from one open to the next: either
    /// style opens a database the other wrote (see [`CompactionStyle`]).
    pub compaction_style: CompactionStyle,
    /// Turns background compaction off: tables accumulate until
    /// [`StorageEngine::compact`](crate::StorageEngine::compact) is called,
    /// writes never stall on level 0, and
    /// [`wait_for_compactions`](crate::StorageEngine::wait_for_compactions)
    /// waits for the flushes only (as in RocksDB). For bulk loads followed by
    /// one compaction, and for experiments. Default `false`.
    pub disable_auto_compactions: bool,
    /// Writes are slowed down (1 ms each) while level 0 holds this many tables
    /// (or, size-tiered, sorted runs); size-tiered compaction then merges the
    /// newest runs whatever their sizes. Default 20. At least 1, and at most
    /// `level0_stop_writes_trigger`.
    pub level0_slowdown_writes_trigger: usize,
    /// Writes wait while level 0 holds this many tables, until compaction
    /// catches up. Default 36.
    pub level0_stop_writes_trigger: usize,
    /// The size at which compaction starts a new output table (below level
    /// 0). Default 64 MiB.
    pub target_file_size: u64,
    /// Threads that run compactions. Default 2.
    pub background_threads: usize,
    /// The most bytes per second compaction may write, so it cannot starve
    /// foreground writes of disk bandwidth. Default `None`: unlimited.
    pub compaction_rate_limit: Option<u64>,
    /// How long a transaction may run and still commit writes: one older
    /// fails its commit with
    /// [`Error::TransactionConflict`](crate::Error::TransactionConflict),
    /// and, once a write finds it that old, stops holding recent writes in
    /// memory for its check: a transaction leaked without `commit` or drop
    /// then costs what a leaked [`Snapshot`](crate::Snapshot) does (its
    /// snapshot stays, so compaction keeps what it reads). Read-only
    /// transactions commit at any age. Default 60 s.
    pub max_transaction_age: Duration,
    /// The most bytes the writes kept to check transactions' commits may
    /// take (each key written while a transaction is live, about twice its
    /// length plus 96 bytes). Past it the oldest are dropped, and a
    /// transaction that began before them fails its commit with
    /// [`Error::TransactionConflict`](crate::Error::TransactionConflict).
    /// Default 64 MiB.
    pub transaction_conflict_memory: usize,
    /// The file system all I/O goes through. Default: the operating system's.
    /// Tests replace it to inject faults and simulate crashes.
    pub file_system: SharedFileSystem,
}

impl Default for StorageConfig {
    fn default() -> Self {
        // The log's and the keyspace settings default to what the log and
        // a keyspace default to, so each default has one home.
        let wal = WalOptions::default();
        let keyspace = KeyspaceOptions::default();
        StorageConfig {
            data_dir: PathBuf::from("./data"),
            create_if_missing: true,
            error_if_exists: false,
            wal_sync_mode: wal.sync_mode,
            wal_recovery_mode: RecoveryMode::TolerateCorruptedTail,
            memtable_size: keyspace.memtable_size,
            memtable_filter: keyspace.memtable_filter,
            max_immutable_memtables: 2,
            // The engine's own setting: it decides when a log ends.
            wal_max_file_size: 64 << 20,
            db_write_buffer_size: 0,
            max_total_wal_size: 0,
            block_size: keyspace.block_size,
            compression: keyspace.compression,
            bloom_filter_bits_per_key: keyspace.bloom_filter_bits_per_key,
            block_cache_size: 64 << 20,
            max_open_files: 1000,
            max_key_size: 64 << 10,
            max_value_size: 16 << 20,
            compaction_style: keyspace.compaction_style,
            disable_auto_compactions: false,
            level0_slowdown_writes_trigger: 20,
            level0_stop_writes_trigger: 36,
            target_file_size: 64 << 20,
            background_threads: 2,
            compaction_rate_limit: None,
            max_transaction_age: Duration::from_secs(60),
            transaction_conflict_memory: 64 << 20,
            file_system: os_file_system(),
        }
    }
}

impl From<&StorageConfig> for KeyspaceOptions {
    /// The database's own settings of a keyspace: the ones the `default`
    /// keyspace uses.
    fn from(config: &StorageConfig) -> Self {
        KeyspaceOptions {
            compaction_style: config.compaction_style,
            compression: config.compression,
            bloom_filter_bits_per_key: config.bloom_filter_bits_per_key,
            block_size: config.block_size,
            memtable_size: config.memtable_size,
            memtable_filter: config.memtable_filter,
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
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The defaults the field docs (and `docs/getting-started.md`) state,
    /// whichever layer they come from.
    #[test]
    fn defaults_are_the_documented_values() {
        let config = StorageConfig::default();
        assert_eq!(config.data_dir, PathBuf::from("./data"));
        assert!(config.create_if_missing);
        assert!(!config.error_if_exists);
        assert_eq!(config.wal_sync_mode, SyncMode::Normal);
        assert_eq!(
            config.wal_recovery_mode,
            RecoveryMode::TolerateCorruptedTail
        );
        assert_eq!(config.memtable_size, 64 << 20);
        assert!(config.memtable_filter);
        assert_eq!(config.max_immutable_memtables, 2);
        assert_eq!(config.wal_max_file_size, 64 << 20);
        assert_eq!(config.db_write_buffer_size, 0);
        assert_eq!(config.max_total_wal_size, 0);
        assert_eq!(config.block_size, 4 << 10);
        assert_eq!(config.compression, CompressionType::Lz4);
        assert_eq!(config.bloom_filter_bits_per_key, 10);
        assert_eq!(config.block_cache_size, 64 << 20);
        assert_eq!(config.max_key_size, 64 << 10);
        assert_eq!(config.max_value_size, 16 << 20);
        assert_eq!(config.compaction_style, CompactionStyle::leveled());
        assert!(!config.disable_auto_compactions);
        assert_eq!(config.level0_slowdown_writes_trigger, 20);
        assert_eq!(config.level0_stop_writes_trigger, 36);
        assert_eq!(config.target_file_size, 64 << 20);
        assert_eq!(config.background_threads, 2);
        assert_eq!(config.compaction_rate_limit, None);
        assert_eq!(config.max_transaction_age, Duration::from_secs(60));
        assert_eq!(config.transaction_conflict_memory, 64 << 20);
    }

    #[test]
    fn the_keyspace_settings_default_to_a_keyspace_s_defaults() {
        let config = StorageConfig::default();
        let keyspace = KeyspaceOptions::default();
        assert_eq!(KeyspaceOptions::from(&config), keyspace);
        assert_eq!(config.compaction_style, keyspace.compaction_style);
        assert_eq!(config.compression, keyspace.compression);
        assert_eq!(
            config.bloom_filter_bits_per_key,
            keyspace.bloom_filter_bits_per_key
        );
        assert_eq!(config.block_size, keyspace.block_size);
        assert_eq!(config.memtable_size, keyspace.memtable_size);
        assert_eq!(config.memtable_filter, keyspace.memtable_filter);
    }

    #[test]
    fn a_keyspace_from_a_config_takes_its_keyspace_settings() {
        let config = StorageConfig {
            compaction_style: CompactionStyle::size_tiered(),
            compression: CompressionType::Zstd { level: 7 },
            bloom_filter_bits_per_key: 0,
            block_size: 16 << 10,
            memtable_size: 1 << 20,
            memtable_filter: false,
            ..StorageConfig::default()
        };
        assert_eq!(
            KeyspaceOptions::from(&config),
            KeyspaceOptions {
                compaction_style: CompactionStyle::size_tiered(),
                compression: CompressionType::Zstd { level: 7 },
                bloom_filter_bits_per_key: 0,
                block_size: 16 << 10,
                memtable_size: 1 << 20,
                memtable_filter: false,
            }
        );
    }

    #[test]
    fn new_sets_only_the_directory() {
        let config = StorageConfig::new("/tmp/x");
        assert_eq!(config.data_dir, PathBuf::from("/tmp/x"));
        assert_eq!(config.block_size, StorageConfig::default().block_size);
    }
}
