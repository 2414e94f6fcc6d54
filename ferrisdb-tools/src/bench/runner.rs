//! [`Runner`], which runs `--benchmarks` in order on one database, opening,
//! reopening or emptying it as each benchmark needs and writing each result
//! line; the `compact` and `stats` benchmarks ([`compact`],
//! [`peak_rss_bytes`]); `deleterange` (in `range_delete`), the range
//! tombstones of `--range_tombstones` (in `live_tombstones`) written before
//! readrandom, and what the transaction workloads start from and must leave
//! (in `transactions`).

use std::fs;
use std::io::Write;
use std::time::Instant;

use ferrisdb_storage::{Error, Result, StorageEngine, SyncMode};

use super::args::BenchArgs;
use super::data::derive_seed;
use super::histogram::Histogram;
use super::keyspaces::Targets;
use super::live_tombstones;
use super::progress::Progress;
use super::range_delete;
use super::report::BenchResult;
use super::threads::run_workload;
use super::transactions;
use super::workloads::Benchmark;

/// The process's peak resident memory in bytes (`VmHWM` of
/// `/proc/self/status`), where the system reports it.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Compacts `db` fully (`StorageEngine::compact`: flush, then merge every
/// table into the deepest level the compaction style uses).
pub fn compact(db: &StorageEngine) -> Result<&'static str> {
    db.compact()?;
    Ok("")
}

/// Runs `--benchmarks` in order on the database in `--db`.
#[derive(Debug)]
pub struct Runner<'a> {
    args: &'a BenchArgs,
    db: Option<StorageEngine>,
    /// The keyspaces of `--keyspaces` in `db`.
    targets: Targets,
    db_mode: SyncMode,
    progress: Progress,
    /// Benchmarks run so far: each one seeds its generators differently, as
    /// `db_bench` does, so readrandom does not replay fillrandom's keys.
    runs: u64,
    /// Whether the range tombstones of `--range_tombstones` are in the
    /// database: written once per database, before its first readrandom.
    tombstones_written: bool,
}

impl<'a> Runner<'a> {
    /// A runner for `args`; the database opens at the first benchmark.
    pub fn new(args: &'a BenchArgs, progress: Progress) -> Self {
        Runner {
            args,
            db: None,
            targets: Targets::default(),
            db_mode: args.sync_mode(),
            progress,
            runs: 0,
            tombstones_written: false,
        }
    }

    /// The open database and its `--keyspaces`, reopened when `mode`
    /// differs from the open one's and emptied first when `fresh`.
    fn open(&mut self, mode: SyncMode, fresh: bool) -> Result<(&StorageEngine, &Targets)> {
        if fresh || self.db_mode != mode {
            if let Some(db) = self.db.take() {
                db.close()?;
            }
        }
        if fresh && self.args.db.exists() {
            fs::remove_dir_all(&self.args.db).map_err(|e| Error::io(&self.args.db, e))?;
        }
        if self.db.is_none() {
            let (config, _) = self.args.storage_config(mode);
            let db = StorageEngine::open(config)?;
            self.targets = Targets::open(&db, self.args.keyspaces)?;
            self.db = Some(db);
            self.db_mode = mode;
        }
        Ok((self.db.as_ref().expect("opened above"), &self.targets))
    }

    /// Closes the database, syncing its log.
    pub fn close(mut self) -> Result<()> {
        self.targets = Targets::default();
        match self.db.take() {
            Some(db) => db.close(),
            None => Ok(()),
        }
    }

    /// Runs one benchmark and writes its lines to `out`.
    pub fn run(&mut self, bench: Benchmark, out: &mut dyn Write) -> Result<()> {
        let io = |e| Error::io("<stdout>", e);
        if bench.needs_fresh_db() && self.args.use_existing_db {
            writeln!(
                out,
                "{:<12} : skipped (--use_existing_db is true)",
                bench.name()
            )
            .map_err(io)?;
            return Ok(());
        }
        let args = self.args;
        let mode = if bench == Benchmark::FillSync {
            SyncMode::Full
        } else {
            args.sync_mode()
        };
        let fresh = bench.needs_fresh_db();
        if fresh {
            self.tombstones_written = false;
        }
        let tombstones = args.range_tombstones;
        let write_tombstones =
            bench == Benchmark::ReadRandom && tombstones > 0 && !self.tombstones_written;
        let threads = args.threads;
        let histogram = args.histogram;
        let num = args.num;
        let reads = args.reads();
        self.runs += 1;
        let seed = derive_seed(args.seed, self.runs);
        // Borrow the progress reporter apart from the database.
        let progress = std::mem::replace(&mut self.progress, Progress::new(false));
        let outcome = (|| {
            let (db, targets) = self.open(mode, fresh)?;
            match bench {
                Benchmark::Stats => {
                    print_stats(db, args, out).map_err(io)?;
                    Ok(None)
                }
                Benchmark::Compact => {
                    let start = Instant::now();
                    let note = compact(db)?;
                    Ok(Some((vec![], start.elapsed(), note.to_string())))
                }
                Benchmark::WaitForCompaction => {
                    let start = Instant::now();
                    db.wait_for_compactions()?;
                    Ok(Some((vec![], start.elapsed(), String::new())))
                }
                Benchmark::DeleteRange => {
                    let result = range_delete::run(db, targets, args, &progress)?;
                    for line in result.lines() {
                        writeln!(out, "{line}").map_err(io)?;
                    }
                    Ok(None)
                }
                _ => {
                    if write_tombstones {
                        live_tombstones::write(db, targets, num, args.key_size, tombstones)?;
                    }
                    transactions::prepare(db, targets, args, bench)?;
                    let (elapsed, outcomes) = run_workload(
                        db, targets, args, bench, seed, threads, num, reads, histogram, &progress,
                    )?;
                    let found: u64 = outcomes.iter().map(|o| o.found).sum();
                    let ops: u64 = outcomes.iter().map(|o| o.ops).sum();
                    let message = match bench {
                        Benchmark::ReadRandom if tombstones > 0 => {
                            let s = if tombstones == 1 { "" } else { "s" };
                            format!("({found} of {ops} found; {tombstones} range tombstone{s})")
                        }
                        Benchmark::ReadRandom
                        | Benchmark::ReadMissing
                        | Benchmark::SeekRandom
                        | Benchmark::ReadWhileWriting => format!("({found} of {ops} found)"),
                        _ => transactions::check(db, targets, args, bench, &outcomes)?,
                    };
                    Ok(Some((outcomes, elapsed, message)))
                }
            }
        })();
        progress.finish();
        self.progress = progress;
        if write_tombstones && outcome.is_ok() {
            self.tombstones_written = true;
        }
        let Some((outcomes, elapsed, message)) = outcome? else {
            return Ok(());
        };
        let mut merged: Option<Histogram> = None;
        for o in &outcomes {
            if let Some(h) = &o.histogram {
                merged.get_or_insert_with(Histogram::new).merge(h);
            }
        }
        let result = BenchResult {
            name: bench.name().to_string(),
            ops: outcomes.iter().map(|o| o.ops).sum::<u64>().max(1),
            bytes: outcomes.iter().map(|o| o.bytes).sum(),
            elapsed,
            thread_time: if outcomes.is_empty() {
                elapsed
            } else {
                outcomes.iter().map(|o| o.end.duration_since(o.start)).sum()
            },
            message,
            histogram: merged,
        };
        writeln!(out, "{}", result.line()).map_err(io)?;
        if let Some(h) = &result.histogram {
            writeln!(out, "{h}").map_err(io)?;
        }
        Ok(())
    }
}

fn print_stats(db: &StorageEngine, args: &BenchArgs, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(out, "{}", db.stats())?;
    let (config, _) = args.storage_config(SyncMode::Normal);
    // Each keyspace has MemTables of its own; the engine's total budget
    // (`db_write_buffer_size`) keeps them below this.
    let keyspaces = args.keyspaces.max(1) as u64;
    let bound =
        keyspaces * config.memtable_size as u64 * (1 + config.max_immutable_memtables as u64)
            + (64 << 20);
    let per = if keyspaces > 1 { "keyspaces x " } else { "" };
    match peak_rss_bytes() {
        Some(peak) => writeln!(
            out,
            "Peak resident memory: {:.1} MiB (bound {per}memtable_size x (1 + max_immutable_memtables) + 64 MiB = {:.1} MiB)",
            peak as f64 / 1_048_576.0,
            bound as f64 / 1_048_576.0
        ),
        None => writeln!(out, "Peak resident memory: not reported by this system"),
    }
}
