//! One key-value workload of `ferrisdb-bench` on `--threads` threads started
//! together behind a barrier, with the background writer of
//! `readwhilewriting`: each thread's loop of puts, deletes, gets or scans (or
//! of transactions, in `transactions.rs`), counted and timed by its
//! [`Meter`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::Duration;

use ferrisdb_storage::{Error, Result, Slice, StorageEngine};

use super::args::BenchArgs;
use super::data::{derive_seed, fill_key, Rng, ValueSource};
use super::keyspaces::Targets;
use super::meter::{Meter, Outcome};
use super::progress::Progress;
use super::transactions;
use super::workloads::Benchmark;

/// The values of `--value_size` and `--compression_ratio`: random bytes at
/// 1 (the values of every run before the flag existed), db_bench's
/// compressible text below.
fn value_source(args: &BenchArgs, rng: &mut Rng) -> ValueSource {
    if args.compressible_values() {
        ValueSource::compressible(args.value_size, args.compression_ratio, rng)
    } else {
        ValueSource::new(args.value_size, rng)
    }
}

/// Runs `bench` on `threads` threads, each started at once behind a
/// barrier; returns the wall-clock time from the first start to the last
/// end, and each thread's outcome.
#[allow(clippy::too_many_arguments)]
pub(super) fn run_workload(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    bench: Benchmark,
    seed: u64,
    threads: usize,
    num: u64,
    reads: u64,
    histogram: bool,
    progress: &Progress,
) -> Result<(Duration, Vec<Outcome>)> {
    let stop_writer = AtomicBool::new(false);
    let writes = AtomicU64::new(0);
    let barrier = Barrier::new(threads);
    let outcomes: Vec<Result<Outcome>> = std::thread::scope(|scope| {
        let writer = (bench == Benchmark::ReadWhileWriting).then(|| {
            scope.spawn(|| {
                let mut rng = Rng::new(derive_seed(seed, u64::MAX));
                let mut values = value_source(args, &mut rng);
                let mut key = vec![0; args.key_size];
                while !stop_writer.load(Ordering::Relaxed) {
                    let index = rng.below(num);
                    fill_key(&mut key, index);
                    targets.put(db, index, &key, values.next_value())?;
                    writes.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), Error>(())
            })
        });
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let barrier = &barrier;
                scope.spawn(move || {
                    let mut rng = Rng::new(derive_seed(seed, thread as u64));
                    let values = value_source(args, &mut rng);
                    barrier.wait();
                    let meter = Meter::new(histogram, progress);
                    run_thread(db, targets, args, bench, num, reads, rng, values, meter)
                })
            })
            .collect();
        let outcomes = handles
            .into_iter()
            .map(|h| h.join().expect("a benchmark thread panicked"))
            .collect();
        stop_writer.store(true, Ordering::Relaxed);
        if let Some(writer) = writer {
            if let Err(e) = writer.join().expect("the writer thread panicked") {
                return vec![Err(e)];
            }
        }
        outcomes
    });
    let outcomes = outcomes.into_iter().collect::<Result<Vec<_>>>()?;
    let start = outcomes.iter().map(|o| o.start).min();
    let end = outcomes.iter().map(|o| o.end).max();
    let elapsed = match (start, end) {
        (Some(start), Some(end)) => end.duration_since(start),
        _ => Duration::ZERO,
    };
    Ok((elapsed, outcomes))
}

/// One thread's share of `bench`.
#[allow(clippy::too_many_arguments)]
fn run_thread(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    bench: Benchmark,
    num: u64,
    reads: u64,
    mut rng: Rng,
    mut values: ValueSource,
    mut meter: Meter<'_>,
) -> Result<Outcome> {
    let key_size = args.key_size;
    let entry_bytes = key_size + args.value_size;
    let mut key = vec![0u8; key_size];
    match bench {
        Benchmark::FillSeq | Benchmark::FillRandom | Benchmark::Overwrite | Benchmark::FillSync => {
            let ops = if bench == Benchmark::FillSync {
                (num / 1000).max(1)
            } else {
                num
            };
            for i in 0..ops {
                let index = if bench == Benchmark::FillSeq {
                    i
                } else {
                    rng.below(num)
                };
                fill_key(&mut key, index);
                targets.put(db, index, &key, values.next_value())?;
                meter.done(entry_bytes);
            }
        }
        Benchmark::DeleteRandom => {
            for _ in 0..num {
                let index = rng.below(num);
                fill_key(&mut key, index);
                targets.delete(db, index, &key)?;
                meter.done(0);
            }
        }
        Benchmark::ReadRandom | Benchmark::ReadWhileWriting => {
            for _ in 0..reads {
                let index = rng.below(num);
                fill_key(&mut key, index);
                let bytes = match targets.get(db, index, &key)? {
                    Some(value) => {
                        meter.found += 1;
                        key_size + value.len()
                    }
                    None => 0,
                };
                meter.done(bytes);
            }
        }
        Benchmark::ReadMissing => {
            // A key with a '.' appended sorts between two existing keys and
            // never exists, as in db_bench.
            key.push(b'.');
            for _ in 0..reads {
                let index = rng.below(num);
                fill_key(&mut key[..key_size], index);
                if targets.get(db, index, &key)?.is_some() {
                    meter.found += 1;
                }
                meter.done(0);
            }
        }
        Benchmark::SeekRandom => {
            for _ in 0..reads {
                let index = rng.below(num);
                fill_key(&mut key, index);
                let mut bytes = 0;
                if let Some(entry) = targets.scan_from(db, index, &key)?.next() {
                    let (found_key, value) = entry?;
                    if found_key == key {
                        meter.found += 1;
                    }
                    bytes = found_key.len() + value.len();
                }
                meter.done(bytes);
            }
        }
        Benchmark::ReadSeq | Benchmark::ReadReverse => {
            // Keyspace after keyspace (from the last one backwards for
            // readreverse), `reads` entries in all.
            let mut scans = targets.scans(db)?;
            let mut left = usize::try_from(reads).unwrap_or(usize::MAX);
            if bench == Benchmark::ReadSeq {
                for scan in scans {
                    read_entries(scan, &mut left, &mut meter)?;
                }
            } else {
                scans.reverse();
                for scan in scans {
                    read_entries(scan.rev(), &mut left, &mut meter)?;
                }
            }
        }
        Benchmark::TxnTransfer
        | Benchmark::FetchUpdate
        | Benchmark::TxnPut
        | Benchmark::TxnReadPut => {
            transactions::run_thread(
                db,
                targets,
                args,
                bench,
                num,
                &mut rng,
                &mut values,
                &mut meter,
            )?;
        }
        Benchmark::Compact
        | Benchmark::WaitForCompaction
        | Benchmark::Stats
        | Benchmark::DeleteRange => {}
    }
    Ok(meter.finish())
}

/// Reads up to `left` entries of `entries` into `meter`, counting `left`
/// down.
fn read_entries(
    entries: impl Iterator<Item = Result<(Slice, Slice)>>,
    left: &mut usize,
    meter: &mut Meter<'_>,
) -> Result<()> {
    for entry in entries.take(*left) {
        let (k, v) = entry?;
        meter.done(k.len() + v.len());
        *left -= 1;
    }
    Ok(())
}
