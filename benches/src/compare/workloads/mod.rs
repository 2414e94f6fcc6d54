//! The workloads of the comparison, grouped by the database they share.
//!
//! Each [`Group`] runs in its own process on a fresh database: a fill,
//! the reads that need it, and the writes that change it. Write workloads
//! end by settling the tree (flushes and compactions finished, timed), so
//! every read starts on a settled tree. Keys are `db_bench`'s (the
//! zero-padded decimal index); keys and values are chosen from seeds that
//! are the same for every engine, so every engine does the same operations.
//!
//! - `measure.rs`: the timing harness (threads, histogram, timeline);
//! - `cell.rs`: one workload timed with the process's metrics, as a
//!   [`Record`](crate::compare::Record);
//! - `groups.rs`: the groups' workloads; `ycsb.rs`: YCSB's key choosers
//!   and workloads; `values.rs`: the values written and the keys live.

mod cell;
mod groups;
pub mod measure;
mod values;
pub mod ycsb;

use std::path::PathBuf;

pub use cell::Context;
pub use groups::run_group;

/// The sizes of one scale of the comparison.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scale {
    /// `small`, `large`, `ab` or `tiny`.
    pub name: String,
    /// Entries of the fills.
    pub num: u64,
    /// Writes of overwrite and deletes of deleterandom.
    pub rewrites: u64,
    /// Reads of each read workload, split over its threads.
    pub reads: u64,
    /// Operations of each YCSB workload.
    pub ycsb_ops: u64,
    /// Synced writes per thread of fillsync.
    pub sync_writes: u64,
    /// Bytes per key.
    pub key_size: usize,
    /// Bytes per value.
    pub value_size: usize,
}

impl Scale {
    /// 1M keys of 16 bytes with 100-byte values: about 110 MiB, in RAM.
    pub fn small() -> Scale {
        Scale {
            name: "small".into(),
            num: 1_000_000,
            rewrites: 1_000_000,
            reads: 1_000_000,
            ycsb_ops: 500_000,
            sync_writes: 1_000,
            key_size: 16,
            value_size: 100,
        }
    }

    /// 5M keys of 16 bytes with 500-byte values (2.4 GiB of keys and
    /// values), for a memory limit of 512 MiB: 4.8 times the memory. The
    /// limit cannot be smaller, since RocksDB's and FerrisDB's default
    /// MemTables alone take 128 and 192 MiB; larger values keep the fills
    /// within minutes on 2 cores. Reads are fewer, since most go to the
    /// disk; overwrite and deleterandom write a fifth of the keys, which
    /// keeps a run of the three engines and two profiles near an hour.
    pub fn large() -> Scale {
        Scale {
            name: "large".into(),
            num: 5_000_000,
            rewrites: 1_000_000,
            reads: 100_000,
            ycsb_ops: 100_000,
            sync_writes: 500,
            key_size: 16,
            value_size: 500,
        }
    }

    /// The A/B regression check: small enough for minutes per pair.
    pub fn ab() -> Scale {
        Scale {
            name: "ab".into(),
            num: 300_000,
            rewrites: 300_000,
            reads: 300_000,
            ycsb_ops: 150_000,
            sync_writes: 300,
            key_size: 16,
            value_size: 100,
        }
    }

    /// A few thousand keys: for the suite's own tests, which check that
    /// every command runs, not how fast.
    pub fn tiny() -> Scale {
        Scale {
            name: "tiny".into(),
            num: 2_000,
            rewrites: 2_000,
            reads: 2_000,
            ycsb_ops: 1_000,
            sync_writes: 10,
            key_size: 16,
            value_size: 100,
        }
    }

    /// The scale called `name`.
    pub fn from_name(name: &str) -> Option<Scale> {
        match name {
            "small" => Some(Scale::small()),
            "large" => Some(Scale::large()),
            "ab" => Some(Scale::ab()),
            "tiny" => Some(Scale::tiny()),
            _ => None,
        }
    }

    /// Bytes of one key and its value.
    pub fn entry_bytes(&self) -> u64 {
        (self.key_size + self.value_size) as u64
    }
}

/// Every workload's name, in the order the reports list them.
pub const WORKLOADS: [&str; 26] = [
    "fillseq",
    "fillrandom",
    "overwrite",
    "readrandom/1t",
    "readrandom/2t",
    "readrandom/4t",
    "readrandom/8t",
    "readmissing",
    "seekrandom/10",
    "seekrandom/100",
    "readseq",
    "readwhilewriting",
    "deleterandom",
    "fillsync/1t",
    "fillsync/4t",
    "fillsync/8t",
    "fillsync/16t",
    "ycsb-load",
    "ycsb-a",
    "ycsb-b",
    "ycsb-c",
    "ycsb-f",
    "ycsb-d",
    "ycsb-e",
    "fillrandom-lz4",
    "readrandom-lz4",
];

/// Workloads that share one database, run by one process.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Group {
    /// fillseq.
    FillSeq,
    /// fillrandom, overwrite, readrandom on 1, 2, 4 and 8 threads,
    /// readmissing, seekrandom of 10 and 100 entries, readseq,
    /// readwhilewriting, deleterandom.
    Random,
    /// fillsync on 1, 4, 8 and 16 threads, a fresh database each.
    FillSync,
    /// YCSB's load, then A, B, C, F, D and E with Zipfian keys.
    Ycsb,
    /// fillrandom and readrandom with half-compressible values and LZ4.
    Compressible,
}

impl Group {
    /// Every group.
    pub const ALL: [Group; 5] = [
        Group::FillSeq,
        Group::Random,
        Group::FillSync,
        Group::Ycsb,
        Group::Compressible,
    ];

    /// The group's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Group::FillSeq => "fillseq",
            Group::Random => "random",
            Group::FillSync => "fillsync",
            Group::Ycsb => "ycsb",
            Group::Compressible => "compressible",
        }
    }

    /// The group called `name`.
    pub fn from_name(name: &str) -> Option<Group> {
        Group::ALL.into_iter().find(|g| g.name() == name)
    }
}

/// Where a group's databases live: `root` is removed when the group ends.
#[derive(Debug, Clone)]
pub struct Dirs {
    /// The group's private directory.
    pub root: PathBuf,
    /// Where to write the engine's spelled-out settings, once per engine
    /// and profile, if not yet written.
    pub settings: Option<PathBuf>,
}
