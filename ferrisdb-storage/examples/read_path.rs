//! Follows gets and scans through a database and counts the blocks they
//! take: the figures of `docs/deep-dive/read-path.md`.
//!
//! ```sh
//! cargo run --release --bin ferrisdb-bench -- --benchmarks=fillrandom,waitforcompaction \
//!     --num=1000000 --write_buffer_size=4194304 --target_file_size_base=4194304 \
//!     --db=/tmp/ferrisdb-readpath
//! cargo run --release -p ferrisdb-storage --example read_path -- --db /tmp/ferrisdb-readpath
//! ```
//!
//! It takes a snapshot, deletes three keys and every key of one range,
//! then runs gets and scans, printing what each took from
//! `stats().blocks_read` and how many of those blocks the block cache held.
//! At the end it flushes the deletes to a level-0 table and reads again.
//! Compactions are off, so the tables stay as they are while it measures.
//! The deletes change the database: rebuild it to run this again.

use std::path::PathBuf;

use clap::Parser;
use ferrisdb_storage::{Result, Slice, Snapshot, StorageConfig, StorageEngine};
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
#[command(about = "Count the blocks gets and scans take in a ferrisdb-bench database")]
struct Args {
    /// A database `ferrisdb-bench --benchmarks=fillrandom` made.
    #[arg(long, default_value = "/tmp/ferrisdb-readpath")]
    db: PathBuf,
    /// Gets of random keys per batch.
    #[arg(long, default_value_t = 10_000)]
    gets: u64,
}

/// The key whose get the doc follows, written once by `fillrandom`.
const KEY: &str = "0000000000491197";
/// Keys deleted one by one; the first has three versions in the tables.
const DELETED: [&str; 3] = ["0000000000487551", "0000000000491205", "0000000000491209"];
/// The range deleted with one range tombstone.
const RANGE: (&str, &str) = ("0000000000500000", "0000000000510000");
/// A key in that range, written once by `fillrandom`.
const IN_RANGE: &str = "0000000000505002";
/// A scan across that range, with ten keys' room on either side.
const ACROSS: (&str, &str) = ("0000000000499990", "0000000000510010");

/// What one read took: data blocks, and how many the cache held.
#[derive(Debug, Default, Clone, Copy)]
struct Cost {
    blocks: u64,
    cached: u64,
}

impl Cost {
    fn add(&mut self, other: Cost) {
        self.blocks += other.blocks;
        self.cached += other.cached;
    }
}

/// Runs `read` and returns its result and the blocks it took.
fn measured<T>(db: &StorageEngine, read: impl FnOnce() -> Result<T>) -> Result<(T, Cost)> {
    let before = db.stats();
    let out = read()?;
    let after = db.stats();
    let cost = Cost {
        blocks: after.blocks_read - before.blocks_read,
        cached: after.block_cache_hits - before.block_cache_hits,
    };
    Ok((out, cost))
}

fn show(what: &str, outcome: impl std::fmt::Display, cost: Cost) {
    let plural = if cost.blocks == 1 { "" } else { "s" };
    println!(
        "{what}: {outcome}, {} block{plural} ({} from the cache)",
        cost.blocks, cost.cached
    );
}

/// Runs the get `read` and shows what it found and took.
fn get(db: &StorageEngine, what: &str, read: impl FnOnce() -> Result<Option<Slice>>) -> Result<()> {
    let (value, cost) = measured(db, read)?;
    show(what, if value.is_some() { "found" } else { "none" }, cost);
    Ok(())
}

/// `gets` gets of random keys of the benchmark's key space, the same keys
/// on every call: how many were found and missing, and what each kind took.
fn batch(db: &StorageEngine, gets: u64) -> Result<()> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(26);
    let (mut hits, mut misses) = ((0, Cost::default()), (0, Cost::default()));
    for _ in 0..gets {
        let key = format!("{:016}", rng.random_range(0..1_000_000u64));
        let (value, cost) = measured(db, || db.get(&key))?;
        let kind = if value.is_some() {
            &mut hits
        } else {
            &mut misses
        };
        kind.0 += 1;
        kind.1.add(cost);
    }
    for (what, (count, cost)) in [("  found", hits), ("  missing", misses)] {
        show(what, format!("{count} gets"), cost);
    }
    Ok(())
}

fn main() -> Result<()> {
    let args = Args::parse();
    let db = StorageEngine::open(StorageConfig {
        create_if_missing: false,
        disable_auto_compactions: true,
        ..StorageConfig::new(&args.db)
    })?;
    if db.live_tables().iter().any(|t| t.tombstone_count > 0) {
        eprintln!("{} holds deletes already: rebuild it", args.db.display());
        std::process::exit(1);
    }
    let levels: Vec<usize> = db.stats().levels.iter().map(|l| l.tables).collect();
    println!("tables per level: {levels:?}");

    let before = db.snapshot()?;
    for key in DELETED {
        db.delete(key)?;
    }
    db.delete_range(RANGE.0..RANGE.1)?;
    println!(
        "snapshot at {}; deleted {DELETED:?} and [{}, {})",
        before.timestamp(),
        RANGE.0,
        RANGE.1
    );

    for _ in 0..2 {
        get(&db, &format!("get {KEY}"), || db.get(KEY))?;
    }
    get(&db, "get 0000000000491198", || db.get("0000000000491198"))?;
    get(&db, &format!("get {}", DELETED[0]), || db.get(DELETED[0]))?;
    let at_snapshot = format!("snapshot get {}", DELETED[0]);
    get(&db, &at_snapshot, || before.get(DELETED[0]))?;
    get(&db, &format!("get {IN_RANGE}"), || db.get(IN_RANGE))?;
    let at_snapshot = format!("snapshot get {IN_RANGE}");
    get(&db, &at_snapshot, || before.get(IN_RANGE))?;

    for pass in ["first", "second"] {
        println!("{} gets of random keys, {pass} pass:", args.gets);
        batch(&db, args.gets)?;
    }

    let (keys, cost) = measured(&db, || db.scan(KEY..).map(|s| s.take(100)).count_ok())?;
    show(&format!("scan from {KEY}"), format!("{keys} keys"), cost);
    scans_across(&db, &before, "")?;
    db.flush()?;
    let after_flush = format!("after flush, get {IN_RANGE}");
    get(&db, &after_flush, || db.get(IN_RANGE))?;
    scans_across(&db, &before, "after flush, ")?;
    let stats = db.stats();
    println!(
        "block cache: {} of {} bytes; indexes and filters: {} bytes",
        stats.block_cache_usage, stats.block_cache_capacity, stats.table_reader_bytes
    );
    drop(before);
    db.close()
}

/// Scans across the deleted range, now and at the snapshot.
fn scans_across(db: &StorageEngine, before: &Snapshot, when: &str) -> Result<()> {
    let (keys, cost) = measured(db, || db.scan(ACROSS.0..ACROSS.1).count_ok())?;
    let what = format!("{when}scan [{}, {})", ACROSS.0, ACROSS.1);
    show(&what, format!("{keys} keys"), cost);
    let (keys, cost) = measured(db, || before.scan(ACROSS.0..ACROSS.1).count_ok())?;
    show(
        &format!("{when}the same at the snapshot"),
        format!("{keys} keys"),
        cost,
    );
    Ok(())
}

/// Counts the pairs of a scan, stopping at its first error.
trait CountOk {
    fn count_ok(self) -> Result<usize>;
}

impl<I: Iterator<Item = Result<T>>, T> CountOk for Result<I> {
    fn count_ok(self) -> Result<usize> {
        self?.try_fold(0, |n, item| item.map(|_| n + 1))
    }
}
