//! What one benchmark thread did ([`Outcome`]), and the [`Meter`] that
//! counts and times its operations as it goes: shared by the key-value
//! loops of `threads.rs` and the transaction loops of `transactions.rs`.

use std::time::Instant;

use super::histogram::Histogram;
use super::progress::Progress;

/// What one thread did.
#[derive(Debug)]
pub(super) struct Outcome {
    pub(super) ops: u64,
    pub(super) bytes: u64,
    pub(super) found: u64,
    /// Transactions run, retries included (0 for the other workloads).
    pub(super) attempts: u64,
    /// Operations whose transaction still conflicted after
    /// `TRANSACTION_ATTEMPTS` attempts: counted in `ops`, not committed.
    pub(super) gave_up: u64,
    pub(super) histogram: Option<Histogram>,
    pub(super) start: Instant,
    pub(super) end: Instant,
}

/// Counts a thread's operations, times them with `--histogram`, and feeds
/// the progress line in batches.
pub(super) struct Meter<'a> {
    histogram: Option<Histogram>,
    last: Instant,
    ops: u64,
    bytes: u64,
    pub(super) found: u64,
    pub(super) attempts: u64,
    pub(super) gave_up: u64,
    progress: &'a Progress,
    start: Instant,
}

impl<'a> Meter<'a> {
    pub(super) fn new(histogram: bool, progress: &'a Progress) -> Self {
        let now = Instant::now();
        Meter {
            histogram: histogram.then(Histogram::new),
            last: now,
            ops: 0,
            bytes: 0,
            found: 0,
            attempts: 0,
            gave_up: 0,
            progress,
            start: now,
        }
    }

    pub(super) fn done(&mut self, bytes: usize) {
        if let Some(histogram) = &mut self.histogram {
            let now = Instant::now();
            histogram.record(now.duration_since(self.last).as_nanos() as u64);
            self.last = now;
        }
        self.ops += 1;
        self.bytes += bytes as u64;
        if self.ops.is_multiple_of(1000) {
            self.progress.add(1000);
        }
    }

    pub(super) fn finish(self) -> Outcome {
        Outcome {
            ops: self.ops,
            bytes: self.bytes,
            found: self.found,
            attempts: self.attempts,
            gave_up: self.gave_up,
            histogram: self.histogram,
            start: self.start,
            end: Instant::now(),
        }
    }
}
