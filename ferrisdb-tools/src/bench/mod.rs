//! `ferrisdb-bench`: LevelDB/RocksDB `db_bench`'s workloads, flags and output
//! lines, run on FerrisDB.
//!
//! ```text
//! cargo run --release --bin ferrisdb-bench -- --benchmarks=fillseq,readrandom --num=1000000
//! ```
//!
//! [`args`] parses the flags, [`data`] makes the keys and values,
//! [`keyspaces`] says which keyspace each key goes to (`--keyspaces`),
//! [`workloads`] runs the benchmarks (its runner is in `runner.rs`, the
//! threads of one benchmark in `threads.rs`, each counted by its meter in
//! `meter.rs`), [`range_delete`] runs
//! `deleterange`, [`live_tombstones`] writes the range tombstones of
//! `--range_tombstones` before readrandom, [`transactions`] runs the
//! transaction workloads and checks what they leave, [`report`] formats
//! each result as `db_bench` does, [`histogram`] keeps the latencies of
//! `--histogram` and [`progress`] draws the progress line on a terminal.

pub mod args;
pub mod data;
pub mod histogram;
pub mod keyspaces;
pub mod live_tombstones;
mod meter;
pub mod progress;
pub mod range_delete;
pub mod report;
mod runner;
mod threads;
pub mod transactions;
pub mod workloads;

use std::io::Write;

use args::BenchArgs;
use ferrisdb_storage::SyncMode;
use progress::Progress;
use workloads::Runner;

/// Runs `args`' benchmarks, writing the header and one line per benchmark
/// to `out` and warnings and errors to `err`; returns the exit code (0, or
/// 1 after an engine error, which is reported on one line).
pub fn run(args: &BenchArgs, progress: Progress, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let benchmarks = match args.benchmark_list() {
        Ok(list) => list,
        Err(message) => {
            let _ = writeln!(err, "{message}");
            return 1;
        }
    };
    let (_, warnings) = args.storage_config(args.sync_mode());
    for warning in &warnings {
        let _ = writeln!(err, "ferrisdb-bench: warning: {warning}");
    }
    if print_header(args, out).is_err() {
        return 1;
    }
    let mut runner = Runner::new(args, progress);
    for bench in benchmarks {
        if let Err(error) = runner.run(bench, out) {
            let _ = writeln!(err, "ferrisdb-bench: {}: {error}", bench.name());
            return 1;
        }
        let _ = out.flush();
    }
    if let Err(error) = runner.close() {
        let _ = writeln!(err, "ferrisdb-bench: closing the database: {error}");
        return 1;
    }
    0
}

/// `db_bench`'s header: sizes, entries, settings and a rule.
fn print_header(args: &BenchArgs, out: &mut dyn Write) -> std::io::Result<()> {
    let raw = (args.key_size + args.value_size) as f64 * args.num as f64 / 1_048_576.0;
    writeln!(out, "FerrisDB:   version {}", env!("CARGO_PKG_VERSION"))?;
    writeln!(
        out,
        "CPUs:       {}",
        std::thread::available_parallelism().map_or(1, |n| n.get())
    )?;
    writeln!(out, "Keys:       {} bytes each", args.key_size)?;
    if args.compressible_values() {
        // db_bench's line: the size the compressor is expected to reach.
        writeln!(
            out,
            "Values:     {} bytes each ({} bytes after compression)",
            args.value_size,
            (args.value_size as f64 * args.compression_ratio + 0.5) as u64
        )?;
    } else {
        writeln!(
            out,
            "Values:     {} bytes each (random bytes, incompressible)",
            args.value_size
        )?;
    }
    writeln!(out, "Entries:    {}", args.num)?;
    if args.keyspaces > 1 {
        writeln!(
            out,
            "Keyspaces:  {} (key i in ks{{i mod {}}})",
            args.keyspaces, args.keyspaces
        )?;
    } else {
        writeln!(out, "Keyspaces:  1 (default)")?;
    }
    writeln!(out, "RawSize:    {raw:.1} MB (estimated)")?;
    writeln!(out, "Compression: {:?}", args.compression_type)?;
    writeln!(
        out,
        "WAL:        on, {}",
        match args.sync_mode() {
            SyncMode::Full => "sync (fdatasync per write)",
            SyncMode::Normal => "no sync (write to the OS per write)",
            SyncMode::None => "no sync, buffered in the process (to the OS per 1 MiB)",
        }
    )?;
    writeln!(out, "DB path:    [{}]", args.db.display())?;
    writeln!(out, "------------------------------------------------")
}
