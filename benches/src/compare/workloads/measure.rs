//! The harness that times one workload: client threads started together,
//! every operation's latency in an HDR histogram, a one-second throughput
//! timeline, and the time writers spent in stalls.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Barrier;
use std::time::{Duration, Instant};

use ferrisdb_tools::bench::histogram::Histogram;

use crate::compare::engine::PeerResult;

/// A write that takes this long or longer counts as stalled: far above a
/// MemTable insert (about a microsecond), and what RocksDB's slowdown adds
/// per write (1 ms) when it delays writers.
pub const STALL_THRESHOLD: Duration = Duration::from_millis(1);

/// What one operation did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// A read that found its key (or a scan that read entries).
    Found,
    /// A read that did not find its key.
    Missing,
    /// A write.
    Written,
}

/// The figures of one timed workload.
#[derive(Debug)]
pub struct Measured {
    /// Operations done by every thread.
    pub ops: u64,
    /// Reads that found their key.
    pub found: u64,
    /// Wall-clock time from the start signal until the last thread ended.
    pub elapsed: Duration,
    /// Latency of every operation, in nanoseconds.
    pub latency: Histogram,
    /// Time spent in writes of [`STALL_THRESHOLD`] or longer.
    pub stalled: Duration,
    /// Operations completed in each second from the start.
    pub timeline: Vec<u64>,
}

/// One thread's operation counter, on its own cache line so that the
/// timeline costs the threads no shared writes.
#[repr(align(128))]
#[derive(Debug, Default)]
struct Counter(AtomicU64);

/// Runs `threads` threads that each call `op(thread, i)` for `i` in
/// `0..ops_per_thread`, timing each call, until every thread is done or
/// one fails (then the others stop too, and the first error is returned). `stop` ends the threads early
/// when set by another thread (readwhilewriting's writer).
pub fn measure<F>(threads: usize, ops_per_thread: u64, op: F) -> PeerResult<Measured>
where
    F: Fn(usize, u64) -> PeerResult<Outcome> + Sync,
{
    measure_until(threads, ops_per_thread, &AtomicBool::new(false), op)
}

/// [`measure`], where `stop` ends every thread early once set.
pub fn measure_until<F>(
    threads: usize,
    ops_per_thread: u64,
    stop: &AtomicBool,
    op: F,
) -> PeerResult<Measured>
where
    F: Fn(usize, u64) -> PeerResult<Outcome> + Sync,
{
    let counters: Vec<Counter> = (0..threads).map(|_| Counter::default()).collect();
    // The threads, the sampler and this thread start together.
    let barrier = Barrier::new(threads + 2);
    let failed = AtomicBool::new(false);
    let running = AtomicBool::new(true);
    let (results, timeline) = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|thread| {
                let (op, barrier, counter, failed) = (&op, &barrier, &counters[thread], &failed);
                scope.spawn(move || {
                    let mut latency = Histogram::new();
                    let (mut found, mut stalled) = (0u64, Duration::ZERO);
                    barrier.wait();
                    let began = Instant::now();
                    for i in 0..ops_per_thread {
                        // Relaxed is enough: the flags only end the loop
                        // early, and no data is published through them.
                        if stop.load(Ordering::Relaxed) || failed.load(Ordering::Relaxed) {
                            break;
                        }
                        let begin = Instant::now();
                        let outcome = match op(thread, i) {
                            Ok(outcome) => outcome,
                            Err(e) => {
                                failed.store(true, Ordering::Relaxed);
                                return Err(e);
                            }
                        };
                        let took = begin.elapsed();
                        latency.record(took.as_nanos() as u64);
                        match outcome {
                            Outcome::Found => found += 1,
                            Outcome::Missing => {}
                            Outcome::Written if took >= STALL_THRESHOLD => stalled += took,
                            Outcome::Written => {}
                        }
                        // Relaxed: the sampler reads an approximate count
                        // once a second; the exact total comes from the
                        // histogram after the join.
                        counter.0.fetch_add(1, Ordering::Relaxed);
                    }
                    PeerResult::Ok((latency, found, stalled, began, Instant::now()))
                })
            })
            .collect();
        let sampler = scope.spawn(|| {
            barrier.wait();
            sample(&counters, &running)
        });
        barrier.wait();
        let results: Vec<_> = handles
            .into_iter()
            .map(|h| h.join().expect("a workload thread panicked"))
            .collect();
        running.store(false, Ordering::Relaxed);
        let timeline = sampler.join().expect("the sampler panicked");
        (results, timeline)
    });
    let mut total = Histogram::new();
    let (mut found, mut stalled) = (0, Duration::ZERO);
    // The workload's time runs from the first thread's start to the last
    // one's end, as the threads saw them: the releasing thread may be
    // scheduled only after a short workload ended.
    let mut span: Option<(Instant, Instant)> = None;
    for result in results {
        let (latency, f, s, began, ended) = result?;
        span = Some(match span {
            Some((first, last)) => (first.min(began), last.max(ended)),
            None => (began, ended),
        });
        total.merge(&latency);
        found += f;
        stalled += s;
    }
    let elapsed = span.map_or(Duration::ZERO, |(first, last)| last - first);
    Ok(Measured {
        ops: total.count(),
        found,
        elapsed,
        latency: total,
        stalled,
        timeline,
    })
}

/// Samples the threads' counters once a second until `running` clears;
/// returns the operations of each second (the last one partial).
fn sample(counters: &[Counter], running: &AtomicBool) -> Vec<u64> {
    let total = || -> u64 { counters.iter().map(|c| c.0.load(Ordering::Relaxed)).sum() };
    let start = Instant::now();
    let (mut timeline, mut last) = (Vec::new(), 0);
    let mut next = Duration::from_secs(1);
    loop {
        // Short sleeps, so the sampler notices the end within 10 ms.
        std::thread::sleep(Duration::from_millis(10));
        let done = !running.load(Ordering::Relaxed);
        if start.elapsed() >= next || done {
            let now = total();
            timeline.push(now - last);
            last = now;
            next += Duration::from_secs(1);
        }
        if done {
            return timeline;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_is_counted_once() {
        let m = measure(3, 1000, |thread, i| {
            Ok(if (thread as u64 + i).is_multiple_of(2) {
                Outcome::Found
            } else {
                Outcome::Missing
            })
        })
        .unwrap();
        assert_eq!(m.ops, 3000);
        assert_eq!(m.found, 1500);
        assert_eq!(m.timeline.iter().sum::<u64>(), 3000);
        assert_eq!(m.stalled, Duration::ZERO);
    }

    #[test]
    fn latencies_are_recorded_at_their_size() {
        let m = measure(1, 2, |_, i| {
            if i == 1 {
                std::thread::sleep(Duration::from_millis(3));
            }
            Ok(Outcome::Found)
        })
        .unwrap();
        assert!(m.latency.max() >= 3_000_000, "{}", m.latency.max());
        // The elapsed time covers the threads' work, however late the
        // releasing thread runs.
        assert!(m.elapsed >= Duration::from_millis(3), "{:?}", m.elapsed);
        assert!(m.latency.percentile(99.0) >= 3_000_000);
    }

    #[test]
    fn slow_writes_count_as_stalls_and_errors_surface() {
        let m = measure(1, 3, |_, i| {
            if i == 1 {
                std::thread::sleep(STALL_THRESHOLD * 2);
            }
            Ok(Outcome::Written)
        })
        .unwrap();
        assert!(m.stalled >= STALL_THRESHOLD * 2, "{:?}", m.stalled);
        assert!(m.stalled < m.elapsed + Duration::from_millis(1));
        let err = measure(2, 10, |_, i| {
            if i == 5 {
                Err("boom".into())
            } else {
                Ok(Outcome::Written)
            }
        })
        .unwrap_err();
        assert_eq!(err.to_string(), "boom");
    }

    #[test]
    fn the_stop_flag_ends_threads_early() {
        let stop = AtomicBool::new(false);
        let m = measure_until(2, u64::MAX, &stop, |_, i| {
            if i == 99 {
                stop.store(true, Ordering::Relaxed);
            }
            Ok(Outcome::Missing)
        })
        .unwrap();
        assert!(m.ops >= 100 && m.ops < 1_000_000, "{}", m.ops);
    }
}
