//! Inserts many keys and shows the LSM tree at work.
//!
//! ```sh
//! cargo run --release --example bulk_insert -- --count 100000 --observe-memory
//! cargo run --bin wal-reader                  # the log it left behind
//! cargo run --bin sstable-dump -- data/000003.sst  # the first table it flushed
//! ```
//!
//! With `--observe-memory` it prints, every `--interval` keys and at the end,
//! the MemTable bytes, the frozen MemTables waiting for their flush, the
//! tables per level and the process's resident memory: the MemTable fills,
//! freezes, flushes to a level-0 table and starts again.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use ferrisdb_storage::{EngineStats, StorageConfig, StorageEngine};
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
#[command(about = "Insert keys into a FerrisDB database and watch memory and tables")]
struct Args {
    /// Number of keys to insert.
    #[arg(long, default_value_t = 100_000)]
    count: u64,
    /// Bytes per value.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Insert in random order instead of ascending order.
    #[arg(long)]
    random: bool,
    /// The database directory.
    #[arg(long, default_value = "./data")]
    db: PathBuf,
    /// MemTable size in bytes.
    #[arg(long, default_value_t = 4 << 20)]
    memtable_size: usize,
    /// Print MemTable, table and resident memory figures as it runs.
    #[arg(long)]
    observe_memory: bool,
    /// Keys between two memory reports.
    #[arg(long, default_value_t = 20_000)]
    interval: u64,
}

/// The process's resident set size in bytes, where the OS tells it.
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    Some(pages * 4096)
}

fn report(done: u64, stats: &EngineStats) {
    const MIB: f64 = (1 << 20) as f64;
    let levels: Vec<String> = stats
        .levels
        .iter()
        .enumerate()
        .map(|(level, l)| format!("L{level}={}", l.tables))
        .collect();
    let rss = resident_bytes().map_or("n/a".to_owned(), |b| format!("{:.1} MiB", b as f64 / MIB));
    println!(
        "{done:>10} keys | memtable {:>7.2} MiB | frozen {} | tables [{}] | rss {rss}",
        stats.memtable_bytes as f64 / MIB,
        stats.immutable_memtables,
        if levels.is_empty() {
            "none".to_owned()
        } else {
            levels.join(" ")
        },
    );
}

fn main() -> ferrisdb_storage::Result<()> {
    let args = Args::parse();
    let db = StorageEngine::open(StorageConfig {
        memtable_size: args.memtable_size,
        ..StorageConfig::new(&args.db)
    })?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let value = vec![b'v'; args.value_size];
    let progress = std::io::stderr().is_terminal() && !args.observe_memory;
    let started = Instant::now();
    for i in 0..args.count {
        let n = if args.random {
            rng.random_range(0..args.count)
        } else {
            i
        };
        db.put(format!("key{n:012}"), &value)?;
        let done = i + 1;
        if args.observe_memory && done % args.interval == 0 {
            report(done, &db.stats());
        } else if progress && done % 10_000 == 0 {
            eprint!("\r{done}/{} keys", args.count);
            let _ = std::io::stderr().flush();
        }
    }
    if progress {
        eprintln!();
    }
    let elapsed = started.elapsed().as_secs_f64();
    if args.observe_memory {
        report(args.count, &db.stats());
    }
    let bytes = args.count as f64 * (15.0 + args.value_size as f64);
    println!(
        "inserted {} keys in {elapsed:.2} s: {:.0} keys/s, {:.1} MB/s",
        args.count,
        args.count as f64 / elapsed,
        bytes / elapsed / 1e6
    );
    println!("{}", db.stats());
    db.close()
}
