//! The suite of the peer comparison: the same workloads, in the same order
//! and with the same seeds, on one engine ([`run_suite`]), and what it
//! measures ([`Measurement`]).

use std::path::{Path, PathBuf};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use ferrisdb_tools::bench::data::{fill_key, Rng, ValueSource};

use super::{Engine, Opener, PeerResult};

/// What the suite runs.
#[derive(Debug, Clone)]
pub struct SuiteConfig {
    /// Entries of the fills, and reads of readrandom and readseq.
    pub num: u64,
    /// Bytes per key.
    pub key_size: usize,
    /// Bytes per value.
    pub value_size: usize,
    /// Threads of the second fillsync run (the first has one).
    pub sync_threads: usize,
    /// Directory under which each engine's databases are made.
    pub root: PathBuf,
}

/// One workload's figure for one engine.
#[derive(Debug, Clone, PartialEq)]
pub struct Measurement {
    /// Workload name, `db_bench`'s (`fillsync/8t` for the threaded fillsync).
    pub workload: String,
    /// Engine name.
    pub engine: String,
    /// Operations done.
    pub ops: u64,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// A remark such as `(863000 of 1000000 found)`; may be empty.
    pub note: String,
}

impl Measurement {
    /// Operations per second.
    pub fn ops_per_sec(&self) -> f64 {
        self.ops as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// How keys are chosen by a write workload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    Sequential,
    Random,
}

/// Runs the suite on one engine, in this order: fillseq (fresh),
/// fillrandom (fresh), overwrite, readrandom, readseq (on the fillrandom
/// database), fillsync with 1 thread (fresh), fillsync with
/// `sync_threads` threads (fresh). `report` is called after each workload.
pub fn run_suite(
    opener: &dyn Opener,
    config: &SuiteConfig,
    report: &mut dyn FnMut(&Measurement),
) -> PeerResult<Vec<Measurement>> {
    let name = opener.name();
    let dir = |what: &str| config.root.join(format!("{name}-{what}"));
    let fresh = |path: &Path| -> PeerResult<()> {
        if path.exists() {
            std::fs::remove_dir_all(path)?;
        }
        Ok(())
    };
    let mut out = Vec::new();
    let mut record = |workload: &str, ops: u64, elapsed: Duration, note: String| {
        let m = Measurement {
            workload: workload.to_string(),
            engine: name.to_string(),
            ops,
            elapsed,
            note,
        };
        report(&m);
        out.push(m);
    };
    let num = config.num;

    let path = dir("fillseq");
    fresh(&path)?;
    let db = opener.open(&path, false)?;
    let (ops, t) = write(&*db, config, Order::Sequential, num, 1, 1)?;
    db.close()?;
    record("fillseq", ops, t, String::new());
    fresh(&path)?;

    let path = dir("fillrandom");
    fresh(&path)?;
    let db = opener.open(&path, false)?;
    let (ops, t) = write(&*db, config, Order::Random, num, 1, 2)?;
    record("fillrandom", ops, t, String::new());
    let (ops, t) = write(&*db, config, Order::Random, num, 1, 3)?;
    record("overwrite", ops, t, String::new());
    // Random fills repeat keys, so about 86% of the keys exist after
    // overwrite; the seeds are fixed, so every engine finds the same number.
    let (ops, found, t) = read_random(&*db, config, num, 4)?;
    record("readrandom", ops, t, format!("({found} of {ops} found)"));
    let start = Instant::now();
    let (ops, _) = db.scan(num)?;
    record("readseq", ops, start.elapsed(), String::new());
    db.close()?;
    fresh(&path)?;

    for threads in [1, config.sync_threads] {
        let path = dir(&format!("fillsync{threads}"));
        fresh(&path)?;
        let db = opener.open(&path, true)?;
        let per_thread = (num / 1000).max(1);
        let (ops, t) = write(&*db, config, Order::Random, per_thread, threads, 5)?;
        db.close()?;
        record(&format!("fillsync/{threads}t"), ops, t, String::new());
        fresh(&path)?;
    }
    Ok(out)
}

/// `ops` puts per thread on `threads` threads; returns the puts done and
/// the wall-clock time.
fn write(
    db: &dyn Engine,
    config: &SuiteConfig,
    order: Order,
    ops: u64,
    threads: usize,
    seed: u64,
) -> PeerResult<(u64, Duration)> {
    let barrier = Barrier::new(threads + 1);
    let (results, start) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let barrier = &barrier;
                scope.spawn(move || -> PeerResult<()> {
                    let mut rng = Rng::new(seed * 1_000_003 + thread as u64);
                    let mut values = ValueSource::new(config.value_size, &mut rng);
                    let mut key = vec![0; config.key_size];
                    barrier.wait();
                    for i in 0..ops {
                        let index = match order {
                            Order::Sequential => i,
                            Order::Random => rng.below(config.num),
                        };
                        fill_key(&mut key, index);
                        db.put(&key, values.next_value())?;
                    }
                    Ok(())
                })
            })
            .collect();
        barrier.wait();
        let start = Instant::now();
        let results: Vec<PeerResult<()>> = handles
            .into_iter()
            .map(|h| h.join().expect("writer panicked"))
            .collect();
        (results, start)
    });
    let elapsed = start.elapsed();
    for r in results {
        r?;
    }
    Ok((ops * threads as u64, elapsed))
}

/// `reads` gets of random existing keys; returns the gets, the keys found
/// and the time.
fn read_random(
    db: &dyn Engine,
    config: &SuiteConfig,
    reads: u64,
    seed: u64,
) -> PeerResult<(u64, u64, Duration)> {
    let mut rng = Rng::new(seed);
    let mut key = vec![0; config.key_size];
    let mut found = 0;
    let start = Instant::now();
    for _ in 0..reads {
        fill_key(&mut key, rng.below(config.num));
        if db.get(&key)?.is_some() {
            found += 1;
        }
    }
    Ok((reads, found, start.elapsed()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::FerrisDbOpener;

    #[test]
    fn the_suite_runs_on_ferrisdb() {
        let dir = tempfile::tempdir().unwrap();
        let config = SuiteConfig {
            num: 2000,
            key_size: 16,
            value_size: 100,
            sync_threads: 2,
            root: dir.path().to_path_buf(),
        };
        let mut seen = Vec::new();
        let results = run_suite(&FerrisDbOpener, &config, &mut |m| {
            seen.push(m.workload.clone())
        })
        .unwrap();
        assert_eq!(
            seen,
            [
                "fillseq",
                "fillrandom",
                "overwrite",
                "readrandom",
                "readseq",
                "fillsync/1t",
                "fillsync/2t"
            ]
        );
        assert_eq!(results[0].ops, 2000);
        assert_eq!(results[6].ops, 4);
        assert!(results[4].ops > 1000, "readseq read {}", results[4].ops);
        assert!(
            results[3].note.ends_with(" of 2000 found)"),
            "{}",
            results[3].note
        );
    }
}
