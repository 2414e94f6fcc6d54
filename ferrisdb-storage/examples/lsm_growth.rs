//! What an LSM tree costs without compaction, and what one compaction gives
//! back: the measurements of `docs/deep-dive/lsm-trees.md`.
//!
//! ```sh
//! cargo run --release --example lsm_growth
//! ```
//!
//! Writes `--keys` keys in random order in `--tables` equal chunks, flushing
//! each chunk to its own level-0 table, then overwrites every key the same way
//! (a second pass). After each flush it prints the level-0 table count, the
//! bytes on disk against the live data, the write amplification from
//! `stats()`, and the average cost of a point read of a present key, of an
//! absent key, and of a 100-key range scan. Background compaction is off
//! (`disable_auto_compactions`); at the end one `compact()` merges the
//! tables, and the same figures are measured again.

use std::path::PathBuf;
use std::time::Instant;

use clap::Parser;
use ferrisdb_storage::{CompressionType, StorageConfig, StorageEngine};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

#[derive(Parser, Debug)]
#[command(about = "Watch read cost and amplification grow as level-0 tables accumulate")]
struct Args {
    /// Distinct keys.
    #[arg(long, default_value_t = 200_000)]
    keys: u64,
    /// Tables each pass writes (one flush per chunk of keys).
    #[arg(long, default_value_t = 8)]
    tables: u64,
    /// Bytes per value.
    #[arg(long, default_value_t = 100)]
    value_size: usize,
    /// Point reads and scans per measurement.
    #[arg(long, default_value_t = 20_000)]
    reads: u64,
    /// The database directory (emptied first).
    #[arg(long, default_value = "./lsm-growth-data")]
    db: PathBuf,
}

fn key(n: u64) -> String {
    format!("key{n:012}")
}

/// Prints one row: tables, space and write amplification, and read costs.
fn report(
    db: &StorageEngine,
    args: &Args,
    rng: &mut impl Rng,
    label: &str,
    live_bytes: u64,
) -> ferrisdb_storage::Result<()> {
    let stats = db.stats();
    let per_op = |started: Instant| started.elapsed().as_secs_f64() * 1e6 / args.reads as f64;

    let started = Instant::now();
    for _ in 0..args.reads {
        let n = rng.random_range(0..args.keys);
        std::hint::black_box(db.get(key(n))?);
    }
    let get_hit = per_op(started);

    let started = Instant::now();
    for _ in 0..args.reads {
        let n = rng.random_range(0..args.keys);
        // Between two existing keys: inside every table's key range.
        std::hint::black_box(db.get(format!("{}x", key(n)))?);
    }
    let get_miss = per_op(started);

    let started = Instant::now();
    for _ in 0..args.reads / 10 {
        let n = rng.random_range(0..args.keys);
        for item in db.scan(key(n)..)?.take(100) {
            std::hint::black_box(item?);
        }
    }
    let scan = per_op(started) * 10.0;

    println!(
        "{label:>7} {:>6} {:>9.1} {:>7.2} {:>8.2} {get_hit:>10.2} {get_miss:>10.2} {scan:>10.1}",
        stats.table_count(),
        stats.table_bytes() as f64 / f64::from(1 << 20),
        stats.table_bytes() as f64 / live_bytes as f64,
        stats.write_amplification(),
    );
    Ok(())
}

fn main() -> ferrisdb_storage::Result<()> {
    let args = Args::parse();
    let _ = std::fs::remove_dir_all(&args.db);
    let db = StorageEngine::open(StorageConfig {
        // Large enough that only the explicit flushes below write tables.
        memtable_size: 1 << 30,
        // Tables pile up until the explicit `compact()` at the end.
        disable_auto_compactions: true,
        // The values repeat one byte: compressed, the tables would be a
        // fraction of the live data and hide the space amplification.
        compression: CompressionType::None,
        ..StorageConfig::new(&args.db)
    })?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let live_bytes = args.keys * (key(0).len() + args.value_size) as u64;
    println!(
        "{:>7} {:>6} {:>9} {:>7} {:>8} {:>10} {:>10} {:>10}",
        "pass", "tables", "disk MiB", "space", "write", "get hit", "get miss", "scan 100"
    );
    println!(
        "{:>7} {:>6} {:>9} {:>7} {:>8} {:>10} {:>10} {:>10}",
        "", "", "", "amp", "amp", "(us)", "(us)", "(us)"
    );
    for pass in 1..=2u8 {
        let value = vec![b'0' + pass; args.value_size];
        let mut order: Vec<u64> = (0..args.keys).collect();
        order.shuffle(&mut rng);
        let chunk = (args.keys / args.tables).max(1) as usize;
        for keys in order.chunks(chunk) {
            for &n in keys {
                db.put(key(n), &value)?;
            }
            db.flush()?;
            report(&db, &args, &mut rng, &pass.to_string(), live_bytes)?;
        }
    }
    db.compact()?;
    report(&db, &args, &mut rng, "compact", live_bytes)?;
    println!("{}", db.stats());
    db.close()
}
