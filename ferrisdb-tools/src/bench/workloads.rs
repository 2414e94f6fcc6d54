//! The workloads of `ferrisdb-bench`, as LevelDB/RocksDB `db_bench` defines
//! them, and [`Runner`], which runs them in order on one database. Keys and
//! values come from [`data`](super::data).
//!
//! This file names the workloads ([`Benchmark`], the names of `--benchmarks`).
//! [`Runner`], [`compact`] and [`peak_rss_bytes`] live in `runner.rs` and are
//! re-exported here; the threads that run one workload are in `threads.rs`.

pub use super::runner::{compact, peak_rss_bytes, Runner};

/// One workload of `--benchmarks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Benchmark {
    /// `num` puts in key order into a fresh database.
    FillSeq,
    /// `num` puts of random keys into a fresh database.
    FillRandom,
    /// `num` puts of random keys over the existing data.
    Overwrite,
    /// `num / 1000` puts of random keys, each waiting for fdatasync, into a
    /// fresh database.
    FillSync,
    /// `reads` gets of random existing keys.
    ReadRandom,
    /// A forward scan of `reads` entries from the start.
    ReadSeq,
    /// A backward scan of `reads` entries from the end.
    ReadReverse,
    /// `reads` gets of keys that do not exist.
    ReadMissing,
    /// `reads` seeks to random keys, reading one entry each.
    SeekRandom,
    /// `num` deletes of random keys.
    DeleteRandom,
    /// Deletes a contiguous range of `--deleterange_keys` keys with one range
    /// delete (or with point deletes, `--deleterange_mode=points`), then
    /// measures what it cost and what it saves (see
    /// [`range_delete`](super::range_delete)).
    DeleteRange,
    /// `threads` readers doing readrandom while one writer puts random keys.
    ReadWhileWriting,
    /// `num` transactions per thread, each moving an amount between two
    /// random accounts of `--txn_accounts` (see
    /// [`transactions`](super::transactions)).
    TxnTransfer,
    /// `num` increments per thread of one of `--txn_counters` counters with
    /// `fetch_update`.
    FetchUpdate,
    /// fillrandom with each put a transaction of its own: `num` puts of
    /// random keys into a fresh database.
    TxnPut,
    /// `num` transactions of random existing keys, each reading a key and
    /// writing it.
    TxnReadPut,
    /// Compacts the whole database (see [`compact`]).
    Compact,
    /// Waits until background flushes and compactions are done, as
    /// `db_bench --benchmarks=waitforcompaction` does.
    WaitForCompaction,
    /// Prints the engine's statistics and the process's peak memory.
    Stats,
}

const NAMES: [(&str, Benchmark); 19] = [
    ("fillseq", Benchmark::FillSeq),
    ("fillrandom", Benchmark::FillRandom),
    ("overwrite", Benchmark::Overwrite),
    ("fillsync", Benchmark::FillSync),
    ("readrandom", Benchmark::ReadRandom),
    ("readseq", Benchmark::ReadSeq),
    ("readreverse", Benchmark::ReadReverse),
    ("readmissing", Benchmark::ReadMissing),
    ("seekrandom", Benchmark::SeekRandom),
    ("deleterandom", Benchmark::DeleteRandom),
    ("deleterange", Benchmark::DeleteRange),
    ("readwhilewriting", Benchmark::ReadWhileWriting),
    ("txn_transfer", Benchmark::TxnTransfer),
    ("fetch_update", Benchmark::FetchUpdate),
    ("txn_put", Benchmark::TxnPut),
    ("txn_readput", Benchmark::TxnReadPut),
    ("compact", Benchmark::Compact),
    ("waitforcompaction", Benchmark::WaitForCompaction),
    ("stats", Benchmark::Stats),
];

impl Benchmark {
    /// The benchmark `db_bench` calls `name`, if FerrisDB runs it.
    pub fn from_name(name: &str) -> Option<Benchmark> {
        NAMES.iter().find(|(n, _)| *n == name).map(|&(_, b)| b)
    }

    /// The `db_bench` name.
    pub fn name(self) -> &'static str {
        NAMES
            .iter()
            .find(|(_, b)| *b == self)
            .map(|(n, _)| *n)
            .unwrap_or("unknown")
    }

    /// Whether the benchmark starts from an empty database.
    pub fn needs_fresh_db(self) -> bool {
        matches!(
            self,
            Benchmark::FillSeq | Benchmark::FillRandom | Benchmark::FillSync | Benchmark::TxnPut
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for (name, bench) in NAMES {
            assert_eq!(Benchmark::from_name(name), Some(bench));
            assert_eq!(bench.name(), name);
        }
        assert_eq!(Benchmark::from_name("fill100K"), None);
        assert!(Benchmark::FillSync.needs_fresh_db());
        assert!(!Benchmark::Overwrite.needs_fresh_db());
    }
}
