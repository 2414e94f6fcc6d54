//! The progress line `ferrisdb-bench` shows on a terminal.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

/// A progress line (`... finished N ops`) on standard error, updated on
/// `db_bench`'s schedule, only when standard error is a terminal.
#[derive(Debug)]
pub struct Progress {
    enabled: bool,
    done: AtomicU64,
    next_report: AtomicU64,
}

impl Progress {
    /// A progress reporter; `enabled` is false when the output is not a
    /// terminal, and then it prints nothing.
    pub fn new(enabled: bool) -> Self {
        Progress {
            enabled,
            done: AtomicU64::new(0),
            next_report: AtomicU64::new(100),
        }
    }

    /// A reporter enabled when standard error is a terminal.
    pub fn for_stderr() -> Self {
        Progress::new(std::io::stderr().is_terminal())
    }

    /// Counts `ops` finished operations and prints the line when due.
    pub fn add(&self, ops: u64) {
        if !self.enabled {
            return;
        }
        let total = self.done.fetch_add(ops, Ordering::Relaxed) + ops;
        let due = self.next_report.load(Ordering::Relaxed);
        if total >= due
            && self
                .next_report
                .compare_exchange(
                    due,
                    next_report(total),
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                )
                .is_ok()
        {
            eprint!("... finished {total} ops{:30}\r", "");
        }
    }

    /// Clears the line and restarts the count for the next benchmark.
    pub fn finish(&self) {
        if self.enabled && self.done.swap(0, Ordering::Relaxed) > 0 {
            eprint!("{:60}\r", "");
        }
        self.next_report.store(100, Ordering::Relaxed);
    }
}

/// `db_bench`'s schedule: the report after `total` comes after a step that
/// grows with the count.
pub(crate) fn next_report(total: u64) -> u64 {
    let step = match total {
        0..1_000 => 100,
        1_000..5_000 => 500,
        5_000..10_000 => 1_000,
        10_000..50_000 => 5_000,
        50_000..100_000 => 10_000,
        100_000..500_000 => 50_000,
        _ => 100_000,
    };
    (total / step + 1) * step
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_follows_db_bench_schedule() {
        assert_eq!(next_report(100), 200);
        assert_eq!(next_report(1_000), 1_500);
        assert_eq!(next_report(123_456), 150_000);
        assert_eq!(next_report(1_000_000), 1_100_000);
        let quiet = Progress::new(false);
        quiet.add(1_000_000);
        quiet.finish();
    }
}
