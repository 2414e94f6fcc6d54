//! The command line of `ferrisdb-bench`: LevelDB/RocksDB `db_bench` flags.
//!
//! Flags are spelled as `db_bench` spells them (`--num=1000000`,
//! `--benchmarks=fillseq,readrandom`, `--key_size=16`), so one command line
//! runs on both tools. Boolean flags accept `--sync`, `--sync=1`,
//! `--sync=true`, `--sync=0` and `--sync=false`.

use std::path::PathBuf;

use clap::error::ErrorKind;
use ferrisdb_storage::{CompactionStyle, CompressionType, StorageConfig, SyncMode};

use self::parse::{
    parse_bool, parse_compaction_style, parse_compression, parse_delete_range_mode, parse_sync_mode,
};
use super::workloads::Benchmark;

/// The default `--benchmarks` list, as in `db_bench`.
pub const DEFAULT_BENCHMARKS: &str =
    "fillseq,fillrandom,overwrite,readrandom,readseq,readreverse,readmissing,seekrandom,stats";

/// Every flag `ferrisdb-bench` accepts.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "ferrisdb-bench",
    about = "Measures FerrisDB with db_bench's workloads, flags and output format",
    version,
    // A flag given twice takes its last value, as in db_bench (gflags).
    args_override_self = true
)]
pub struct BenchArgs {
    /// Comma-separated benchmarks, run in order: fillseq, fillrandom,
    /// overwrite, fillsync, readrandom, readseq, readreverse, readmissing,
    /// seekrandom, deleterandom, deleterange, readwhilewriting, txn_transfer,
    /// fetch_update, txn_put, txn_readput, compact, waitforcompaction, stats.
    #[arg(long = "benchmarks", default_value = DEFAULT_BENCHMARKS)]
    pub benchmarks: String,

    /// Number of key-value pairs (and of writes per thread); fillsync writes
    /// num / 1000.
    #[arg(long = "num", default_value_t = 1_000_000)]
    pub num: u64,

    /// Reads per thread; negative means `--num`.
    #[arg(long = "reads", default_value_t = -1, allow_negative_numbers = true)]
    pub reads: i64,

    /// Bytes per key: the zero-padded decimal index of the entry.
    #[arg(long = "key_size", default_value_t = 16)]
    pub key_size: usize,

    /// Bytes per value; see `--compression_ratio` for what they hold.
    #[arg(long = "value_size", default_value_t = 100)]
    pub value_size: usize,

    /// How compressible values are, as db_bench's flag: the fraction of each
    /// 100-byte piece that is random, the rest repeating it, in 0 ..= 1.
    /// The default, 1.0, keeps random bytes that compression cannot shrink;
    /// db_bench's default is 0.5 (half-compressible text), so pass
    /// `--compression_ratio=0.5` to match it when compression is on.
    #[arg(long = "compression_ratio", default_value_t = 1.0)]
    pub compression_ratio: f64,

    /// Concurrent threads per benchmark, each doing `--num` (or `--reads`)
    /// operations; readwhilewriting adds one writer.
    #[arg(long = "threads", default_value_t = 1)]
    pub threads: usize,

    /// Database directory; deleted and recreated by the fill benchmarks
    /// unless `--use_existing_db`.
    #[arg(long = "db", default_value = "/tmp/ferrisdb-bench")]
    pub db: PathBuf,

    /// Keep the database in `--db`: fill benchmarks are skipped.
    #[arg(long = "use_existing_db", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_parser = parse_bool)]
    pub use_existing_db: bool,

    /// Every write waits for fdatasync (`SyncMode::Full`); fillsync always does.
    /// The same as `--sync_mode=full`.
    #[arg(long = "sync", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_parser = parse_bool)]
    pub sync: bool,

    /// How far each write is pushed towards the disk (FerrisDB's
    /// `wal_sync_mode`): `none` (kept in the process's buffer), `normal`
    /// (handed to the OS: survives a killed process), or `full` (fdatasync:
    /// survives power loss). By default `full` with `--sync`, else the
    /// engine's, `normal`. fillsync always uses `full`.
    #[arg(long = "sync_mode", value_parser = parse_sync_mode)]
    pub sync_mode: Option<SyncMode>,

    /// Print latency percentiles (p50, p99, p99.9) after each benchmark.
    #[arg(long = "histogram", default_value = "false", num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_parser = parse_bool)]
    pub histogram: bool,

    /// Table block compression: none, lz4 or zstd (level 3). The default is
    /// the engine's, LZ4; `db_bench` compresses by default too (Snappy).
    #[arg(long = "compression_type", default_value = "lz4", value_parser = parse_compression)]
    pub compression_type: CompressionType,

    /// MemTable size in bytes (FerrisDB's `memtable_size`); by default the
    /// engine's, 64 MiB.
    #[arg(long = "write_buffer_size", default_value_t = StorageConfig::default().memtable_size)]
    pub write_buffer_size: usize,

    /// MemTables in memory at most, active one included (RocksDB's flag);
    /// FerrisDB keeps `max_write_buffer_number - 1` frozen ones. By default
    /// the engine's, 3 (2 frozen).
    #[arg(
        long = "max_write_buffer_number",
        default_value_t = StorageConfig::default().max_immutable_memtables + 1
    )]
    pub max_write_buffer_number: usize,

    /// Target size of a table's data blocks before compression, in bytes
    /// (FerrisDB's `block_size`, 256 to 4 MiB); by default the engine's,
    /// 4096.
    #[arg(long = "block_size", default_value_t = StorageConfig::default().block_size)]
    pub block_size: usize,

    /// Whether each MemTable keeps a bloom filter of its keys (FerrisDB's
    /// `memtable_filter`, of every keyspace). By default the engine's, on;
    /// off in RocksDB, whose flag also needs `--memtable_bloom_size_ratio`.
    #[arg(long = "memtable_whole_key_filtering",
          default_value_t = StorageConfig::default().memtable_filter, num_args = 0..=1,
          require_equals = true, default_missing_value = "true", value_parser = parse_bool)]
    pub memtable_whole_key_filtering: bool,

    /// Tables (leveled) or sorted runs (size-tiered) in level 0 that start a
    /// compaction: `LeveledOptions::level0_file_num_compaction_trigger`, or
    /// with `--compaction_style=universal` `SizeTieredOptions::min_merge_width`
    /// (at least 2), as RocksDB's universal compaction reads this flag. By
    /// default the style's own, 4.
    #[arg(long = "level0_file_num_compaction_trigger")]
    pub level0_file_num_compaction_trigger: Option<usize>,

    /// Level-0 tables at which each write is slowed down by 1 ms (FerrisDB's
    /// `level0_slowdown_writes_trigger`); by default the engine's, 20.
    #[arg(
        long = "level0_slowdown_writes_trigger",
        default_value_t = StorageConfig::default().level0_slowdown_writes_trigger
    )]
    pub level0_slowdown_writes_trigger: usize,

    /// Level-0 tables at which writes wait for compaction (FerrisDB's
    /// `level0_stop_writes_trigger`); by default the engine's, 36.
    #[arg(
        long = "level0_stop_writes_trigger",
        default_value_t = StorageConfig::default().level0_stop_writes_trigger
    )]
    pub level0_stop_writes_trigger: usize,

    /// Bytes per second compaction may write (FerrisDB's
    /// `compaction_rate_limit`, counting the keys and values it writes);
    /// 0, the default, is unlimited, as in the engine. It limits compaction
    /// alone: flushes and the log are never slowed, unlike RocksDB's rate
    /// limiter, which limits flushes too.
    #[arg(long = "rate_limiter_bytes_per_sec", default_value_t = 0)]
    pub rate_limiter_bytes_per_sec: u64,

    /// Size at which compaction cuts its output tables, in bytes
    /// (FerrisDB's `target_file_size`); by default the engine's, 64 MiB.
    #[arg(
        long = "target_file_size_base",
        default_value_t = StorageConfig::default().target_file_size
    )]
    pub target_file_size_base: u64,

    /// Bloom filter bits per key; 0 turns filters off, negative means the
    /// engine's default (10), which is also the flag's default.
    #[arg(
        long = "bloom_bits",
        default_value_t = engine_bloom_bits(),
        allow_negative_numbers = true
    )]
    pub bloom_bits: i64,

    /// Block cache size in bytes; negative means the engine's default (64 MiB).
    #[arg(long = "cache_size", default_value_t = -1, allow_negative_numbers = true)]
    pub cache_size: i64,

    /// Compaction style: `level`/`leveled`/`0` or
    /// `universal`/`size_tiered`/`1`. See [`apply_compaction_style`].
    #[arg(long = "compaction_style", value_parser = parse_compaction_style)]
    pub compaction_style: Option<CompactionStyle>,

    /// Keyspaces the keys are spread over: key i goes to keyspace
    /// `ks{i mod N}`. With 1, the default, every benchmark works on the
    /// database's `default` keyspace, as `db.put` and `db.get` do.
    #[arg(long = "keyspaces", default_value_t = 1)]
    pub keyspaces: usize,

    /// Keys deleterange deletes: a contiguous range of this many keys in the
    /// middle of the key space; negative means half of `--num`.
    #[arg(long = "deleterange_keys", default_value_t = -1, allow_negative_numbers = true)]
    pub deleterange_keys: i64,

    /// How deleterange deletes its keys: `range`, one range delete (one per
    /// keyspace, in one batch), or `points`, one delete per key in batches
    /// of 1000.
    #[arg(long = "deleterange_mode", default_value = "range", value_parser = parse_delete_range_mode)]
    pub deleterange_mode: DeleteRangeMode,

    /// Range tombstones readrandom reads through: before the first readrandom
    /// on a database, this many range deletes of a few keys each, spread over
    /// the key space, are written and left in the MemTable. 0, the default,
    /// writes none.
    #[arg(long = "range_tombstones", default_value_t = 0)]
    pub range_tombstones: u64,

    /// Accounts txn_transfer moves money between (keys 0 to N-1, each
    /// holding an 8-byte balance, written before it is timed); fewer
    /// accounts mean more transactions conflict.
    #[arg(long = "txn_accounts", default_value_t = 1000)]
    pub txn_accounts: u64,

    /// Counters fetch_update increments (keys 0 to N-1 of the default
    /// keyspace, set to 0 before it is timed); 1, the default, puts every
    /// thread on one key, the most contention.
    #[arg(long = "txn_counters", default_value_t = 1)]
    pub txn_counters: u64,

    /// Seed of the random key and value generators.
    #[arg(long = "seed", default_value_t = 301)]
    pub seed: u64,
}

/// How `deleterange` deletes its keys (`--deleterange_mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeleteRangeMode {
    /// One range delete for the whole range (one per keyspace, in one batch).
    Range,
    /// One delete per key, in batches of 1000.
    Points,
}

/// Maps `--compaction_style` onto `config`: db_bench's `0` (level) is
/// [`CompactionStyle::leveled`], `1` (universal) is
/// [`CompactionStyle::size_tiered`], each with its default settings. Returns
/// a warning to print, if any.
pub fn apply_compaction_style(
    config: &mut StorageConfig,
    style: CompactionStyle,
) -> Option<String> {
    config.compaction_style = style;
    None
}

impl BenchArgs {
    /// Parses `argv` (program name first). `Err` holds the exit code and the
    /// text to print: help and version go to stdout with code 0, a bad flag
    /// is one line for stderr with code 1.
    pub fn try_parse_args<I, T>(argv: I) -> Result<BenchArgs, (i32, String)>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        use clap::Parser;
        let args = BenchArgs::try_parse_from(argv).map_err(|e| match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => (0, e.to_string()),
            _ => (1, one_line_error(&e)),
        })?;
        args.check().map_err(|message| (1, message))?;
        Ok(args)
    }

    /// The benchmarks of `--benchmarks`, in order; an unknown name is an
    /// error naming it. Empty entries (`a,,b`) are skipped.
    pub fn benchmark_list(&self) -> Result<Vec<Benchmark>, String> {
        self.benchmarks
            .split(',')
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(|name| {
                Benchmark::from_name(name)
                    .ok_or_else(|| format!("ferrisdb-bench: unknown benchmark '{name}'"))
            })
            .collect()
    }

    /// Reads per thread: `--reads`, or `--num` when it is negative.
    pub fn reads(&self) -> u64 {
        u64::try_from(self.reads).unwrap_or(self.num)
    }

    /// Keys deleterange deletes: `--deleterange_keys`, or half of `--num`
    /// when it is negative; at most `--num`.
    pub fn deleterange_keys(&self) -> u64 {
        u64::try_from(self.deleterange_keys)
            .unwrap_or(self.num / 2)
            .min(self.num)
    }

    /// The engine configuration these flags describe, with `sync_mode` for
    /// the log, and the warnings of settings this build ignores.
    pub fn storage_config(&self, sync_mode: SyncMode) -> (StorageConfig, Vec<String>) {
        let mut config = StorageConfig::new(&self.db);
        config.wal_sync_mode = sync_mode;
        config.memtable_size = self.write_buffer_size;
        config.max_immutable_memtables = self.max_write_buffer_number.saturating_sub(1).max(1);
        config.compression = self.compression_type;
        config.target_file_size = self.target_file_size_base;
        config.block_size = self.block_size;
        config.memtable_filter = self.memtable_whole_key_filtering;
        config.level0_slowdown_writes_trigger = self.level0_slowdown_writes_trigger;
        config.level0_stop_writes_trigger = self.level0_stop_writes_trigger;
        config.compaction_rate_limit =
            Some(self.rate_limiter_bytes_per_sec).filter(|&rate| rate > 0);
        if let Ok(bits) = usize::try_from(self.bloom_bits) {
            config.bloom_filter_bits_per_key = bits;
        }
        if let Ok(bytes) = usize::try_from(self.cache_size) {
            config.block_cache_size = bytes;
        }
        let mut warnings = Vec::new();
        if let Some(style) = self.compaction_style {
            warnings.extend(apply_compaction_style(&mut config, style));
        }
        if let Some(trigger) = self.level0_file_num_compaction_trigger {
            match &mut config.compaction_style {
                CompactionStyle::Leveled(options) => {
                    options.level0_file_num_compaction_trigger = trigger;
                }
                CompactionStyle::SizeTiered(options) => options.min_merge_width = trigger,
            }
        }
        (config, warnings)
    }

    /// Whether values are db_bench's compressible text rather than random
    /// bytes: `--compression_ratio` below 1.
    pub fn compressible_values(&self) -> bool {
        self.compression_ratio < 1.0
    }

    /// The sync mode of the log for every benchmark but fillsync:
    /// `--sync_mode`, else `full` with `--sync`, else the engine's default.
    pub fn sync_mode(&self) -> SyncMode {
        match (self.sync_mode, self.sync) {
            (Some(mode), _) => mode,
            (None, true) => SyncMode::Full,
            (None, false) => StorageConfig::default().wal_sync_mode,
        }
    }
}

/// The engine's default bloom filter bits per key, as the flag's type.
fn engine_bloom_bits() -> i64 {
    i64::try_from(StorageConfig::default().bloom_filter_bits_per_key).unwrap_or(i64::MAX)
}

/// clap's first error line, with the offending flag, as one line.
fn one_line_error(error: &clap::Error) -> String {
    if error.kind() == ErrorKind::UnknownArgument {
        if let Some(clap::error::ContextValue::String(flag)) =
            error.get(clap::error::ContextKind::InvalidArg)
        {
            let name = flag.split('=').next().unwrap_or(flag);
            return format!("ferrisdb-bench: unknown flag '{name}' (see --help)");
        }
    }
    let text = error.to_string();
    let first = text.lines().next().unwrap_or("invalid command line");
    let first = first.strip_prefix("error: ").unwrap_or(first);
    format!("ferrisdb-bench: {first}")
}

mod check;
mod parse;
#[cfg(test)]
mod tests;
