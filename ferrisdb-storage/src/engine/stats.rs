//! What the engine reports about itself: [`EngineStats`].

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Tables and bytes of one level.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct LevelStats {
    /// Number of tables.
    pub tables: usize,
    /// Total size of those tables in bytes.
    pub bytes: u64,
}

/// The MemTables and tables of one keyspace, in
/// [`EngineStats::keyspaces`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct KeyspaceStats {
    /// The keyspace's name.
    pub name: String,
    /// The keyspace's id, which its log entries and tables carry (0 is
    /// `default`).
    pub id: u32,
    /// Bytes held by its active MemTable.
    pub memtable_bytes: usize,
    /// Bytes held by its frozen MemTables waiting for their flush.
    pub immutable_memtable_bytes: usize,
    /// Its frozen MemTables waiting for their flush.
    pub immutable_memtables: usize,
    /// The oldest write-ahead log holding writes of it that its tables
    /// lack: every log from this number on stays until it flushes, so the
    /// keyspace with the smallest number is the one keeping old logs.
    pub log_number: u64,
    /// Its tables and bytes per level, level 0 first.
    pub levels: Vec<LevelStats>,
}

/// A snapshot of the engine's counters, from
/// [`StorageEngine::stats`](crate::StorageEngine::stats).
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct EngineStats {
    /// Bytes held by the active MemTables, of every keyspace.
    pub memtable_bytes: usize,
    /// Bytes held by frozen MemTables waiting for their flush, of every
    /// keyspace.
    pub immutable_memtable_bytes: usize,
    /// Frozen MemTables waiting for their flush, of every keyspace.
    pub immutable_memtables: usize,
    /// Tables and bytes per level, level 0 first, summed over every
    /// keyspace.
    pub levels: Vec<LevelStats>,
    /// Each live keyspace's MemTables and tables, by id (`default` first).
    pub keyspaces: Vec<KeyspaceStats>,
    /// Write-ahead log files no flush has retired yet, the one being
    /// written included: with one keyspace, one per MemTable in memory;
    /// with several, `max_total_wal_size` bounds their bytes.
    pub live_wal_files: usize,
    /// Bytes of those files (each sealed one less its seal's few bytes).
    pub live_wal_bytes: u64,
    /// Bytes written to write-ahead logs since open (record framing included).
    pub wal_bytes_written: u64,
    /// Bytes the user wrote since open, as batches are encoded: keys,
    /// values, and a few bytes of framing per entry and per batch.
    pub user_bytes_written: u64,
    /// Bytes of tables written by MemTable flushes since open.
    pub flush_bytes_written: u64,
    /// Bytes of tables written by compaction since open.
    pub compaction_bytes_written: u64,
    /// Bytes of tables read by compaction since open.
    pub compaction_bytes_read: u64,
    /// Flushes completed since open.
    pub flushes: u64,
    /// Compactions completed since open (merges, moves and drops).
    pub compactions: u64,
    /// Total time spent in compactions.
    pub compaction_time: Duration,
    /// Block cache lookups that found the block.
    pub block_cache_hits: u64,
    /// Block cache lookups that had to read the block from disk.
    pub block_cache_misses: u64,
    /// Data blocks that `get`s and scans took since open, from the block
    /// cache or the files (flushes and compactions do not count): the cost
    /// of reads in blocks. A scan across a range deleted with one range
    /// delete takes about as many as a scan of an empty range.
    pub blocks_read: u64,
    /// Bytes of blocks the block cache holds now, each charged its buffer
    /// and bookkeeping (RocksDB's `rocksdb.block-cache-usage`); at most
    /// [`block_cache_capacity`](Self::block_cache_capacity). A block a read
    /// still holds stays in memory after its eviction, uncounted.
    pub block_cache_usage: usize,
    /// The most bytes of blocks the block cache holds:
    /// `StorageConfig::block_cache_size` (RocksDB's
    /// `rocksdb.block-cache-capacity`).
    pub block_cache_capacity: usize,
    /// Table files open now, at most `max_open_files` beyond those being
    /// read this instant.
    pub open_table_files: usize,
    /// Bytes the open table files' indexes and bloom filters hold in
    /// memory, outside the block cache's budget (RocksDB's
    /// `rocksdb.estimate-table-readers-mem`): about 10 bits per key for
    /// the filters at the default `bloom_filter_bits_per_key`, plus a last
    /// key per data block. `max_open_files` bounds it; a reader closed while
    /// a read still uses it is not counted.
    pub table_reader_bytes: usize,
    /// Snapshots alive now; compaction keeps every version they can see.
    /// Each live transaction holds one.
    pub live_snapshots: usize,
    /// Transactions begun and not yet committed, rolled back or dropped;
    /// one older than `StorageConfig::max_transaction_age` stops counting
    /// once a write finds it so.
    pub live_transactions: usize,
    /// Times a write was held back for background work (a write stall): a
    /// 1 ms slowdown at `level0_slowdown_writes_trigger`, or a wait at
    /// `level0_stop_writes_trigger`, for a frozen MemTable's flush, or for the
    /// MemTables to fit `db_write_buffer_size`.
    pub stalls: u64,
    /// Total time writers spent stalled.
    pub stall_time: Duration,
    /// Bytes of write-ahead log that `open` cut off as damage (from the
    /// start of the first damaged record of a log to its end, and every
    /// later log that point-in-time recovery dropped).
    pub recovery_dropped_wal_bytes: u64,
    /// Valid write batches that `open` found after damage in a log and
    /// dropped with it.
    pub recovery_dropped_wal_records: u64,
}

impl EngineStats {
    /// Bytes written to disk per byte the user wrote:
    /// `(WAL + flush + compaction bytes) / user bytes`; 0 before any write.
    pub fn write_amplification(&self) -> f64 {
        if self.user_bytes_written == 0 {
            return 0.0;
        }
        let disk =
            self.wal_bytes_written + self.flush_bytes_written + self.compaction_bytes_written;
        disk as f64 / self.user_bytes_written as f64
    }

    /// Number of tables over all levels.
    pub fn table_count(&self) -> usize {
        self.levels.iter().map(|l| l.tables).sum()
    }

    /// Bytes of tables over all levels.
    pub fn table_bytes(&self) -> u64 {
        self.levels.iter().map(|l| l.bytes).sum()
    }

    /// Bytes of memory the engine's budgeted and measured parts hold:
    /// MemTables (active and frozen), the block cache's blocks and the open
    /// table readers' indexes and filters. Not counted: write buffers,
    /// snapshots, transactions, iterators and the blocks they hold.
    pub fn memory_bytes(&self) -> usize {
        self.memtable_bytes
            + self.immutable_memtable_bytes
            + self.block_cache_usage
            + self.table_reader_bytes
    }
}

impl fmt::Display for EngineStats {
    /// A human-readable report, one fact per line, as `ferrisdb-bench`'s
    /// `stats` benchmark prints it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const MIB: f64 = (1 << 20) as f64;
        writeln!(f, "Level  Tables   Size(MiB)")?;
        for (level, stats) in self.levels.iter().enumerate() {
            writeln!(
                f,
                "L{level:<5} {:>6} {:>11.2}",
                stats.tables,
                stats.bytes as f64 / MIB
            )?;
        }
        writeln!(
            f,
            "MemTable: {:.2} MiB active, {} immutable ({:.2} MiB)",
            self.memtable_bytes as f64 / MIB,
            self.immutable_memtables,
            self.immutable_memtable_bytes as f64 / MIB
        )?;
        writeln!(
            f,
            "Written (MiB): user {:.2}, WAL {:.2}, flush {:.2}, compaction {:.2}",
            self.user_bytes_written as f64 / MIB,
            self.wal_bytes_written as f64 / MIB,
            self.flush_bytes_written as f64 / MIB,
            self.compaction_bytes_written as f64 / MIB
        )?;
        writeln!(f, "Write amplification: {:.2}", self.write_amplification())?;
        writeln!(
            f,
            "Block cache: {} hits, {} misses; {} blocks read by gets and scans; {} table files open",
            self.block_cache_hits, self.block_cache_misses, self.blocks_read, self.open_table_files
        )?;
        writeln!(
            f,
            "Memory (MiB): MemTables {:.2}, block cache {:.2} of {:.2}, table indexes and filters {:.2}",
            (self.memtable_bytes + self.immutable_memtable_bytes) as f64 / MIB,
            self.block_cache_usage as f64 / MIB,
            self.block_cache_capacity as f64 / MIB,
            self.table_reader_bytes as f64 / MIB
        )?;
        writeln!(
            f,
            "Compactions: {} in {:.3} s, read {:.2} MiB, wrote {:.2} MiB",
            self.compactions,
            self.compaction_time.as_secs_f64(),
            self.compaction_bytes_read as f64 / MIB,
            self.compaction_bytes_written as f64 / MIB
        )?;
        write!(
            f,
            "Stalls: {} ({:.3} s); flushes: {}",
            self.stalls,
            self.stall_time.as_secs_f64(),
            self.flushes
        )
    }
}

/// The engine's running counters, updated without locks.
///
/// `Relaxed` is enough for every counter: each is a sum read for reporting,
/// and no other memory access is ordered by it.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) user_bytes: AtomicU64,
    pub(crate) flush_bytes: AtomicU64,
    pub(crate) compaction_bytes: AtomicU64,
    pub(crate) flushes: AtomicU64,
    pub(crate) compaction_bytes_read: AtomicU64,
    pub(crate) compactions: AtomicU64,
    pub(crate) compaction_nanos: AtomicU64,
    pub(crate) stalls: AtomicU64,
    pub(crate) stall_nanos: AtomicU64,
    pub(crate) recovery_dropped_wal_bytes: AtomicU64,
    pub(crate) recovery_dropped_wal_records: AtomicU64,
}

impl Counters {
    pub(crate) fn add(counter: &AtomicU64, amount: u64) {
        counter.fetch_add(amount, Ordering::Relaxed);
    }

    pub(crate) fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_amplification_counts_every_disk_write_per_user_byte() {
        let stats = EngineStats {
            user_bytes_written: 100,
            wal_bytes_written: 110,
            flush_bytes_written: 90,
            compaction_bytes_written: 200,
            ..EngineStats::default()
        };
        assert!((stats.write_amplification() - 4.0).abs() < 1e-9);
        assert_eq!(EngineStats::default().write_amplification(), 0.0);
    }

    #[test]
    fn display_lists_levels_and_amplification() {
        let stats = EngineStats {
            levels: vec![
                LevelStats {
                    tables: 3,
                    bytes: 3 << 20,
                },
                LevelStats::default(),
            ],
            user_bytes_written: 1,
            wal_bytes_written: 2,
            ..EngineStats::default()
        };
        let text = stats.to_string();
        assert!(text.contains("L0"), "{text}");
        assert!(text.contains("3.00"), "{text}");
        assert!(text.contains("Write amplification: 2.00"), "{text}");
        assert_eq!(stats.table_count(), 3);
    }

    #[test]
    fn memory_sums_memtables_cache_and_table_readers() {
        let stats = EngineStats {
            memtable_bytes: 1 << 20,
            immutable_memtable_bytes: 2 << 20,
            block_cache_usage: 3 << 20,
            block_cache_capacity: 8 << 20,
            table_reader_bytes: 1 << 20,
            ..EngineStats::default()
        };
        assert_eq!(stats.memory_bytes(), 7 << 20);
        let text = stats.to_string();
        assert!(
            text.contains(
                "MemTables 3.00, block cache 3.00 of 8.00, table indexes and filters 1.00"
            ),
            "{text}"
        );
    }
}
