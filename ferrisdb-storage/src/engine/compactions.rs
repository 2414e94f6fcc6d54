//! Scheduling compactions: the compaction threads, a manual `compact`, and
//! waiting until the engine is quiet.
//!
//! The work of one compaction is `compaction::run`'s, given a narrow
//! [`CompactionContext`]; this file decides when it runs, claims its tables
//! so concurrent compactions never share one, and counts what it did.
//!
//! ```text
//! compaction thread                        (background_threads of them)
//!   wait until a strategy picks something for idle tables
//!   mark the inputs busy
//!   run it (compaction::run): merge, move or drop, then install the result
//!   mark the inputs idle again
//! ```

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::stats::Counters;
use super::{lock, Inner};
use crate::compaction::{self, CompactionChoice, CompactionContext};
use crate::{Error, Result};

impl Inner {
    /// A compaction thread: run compactions until shutdown or failure.
    pub(crate) fn run_compaction_thread(self: Arc<Self>) {
        while let Some(choice) = self.next_compaction() {
            let result = self.compact_choice(&choice);
            self.finish_compaction(&choice);
            match result {
                Ok(()) => {}
                // Stopped by `close`: nothing failed. (Only a merge told to
                // stop returns `Closed`; the flag check keeps any other
                // `Closed` a failure.)
                Err(Error::Closed) if self.stopping.load(Ordering::Relaxed) => return,
                Err(error) => {
                    self.set_background_error(error);
                    return;
                }
            }
        }
    }

    /// Waits for work and claims its tables; `None` at shutdown.
    fn next_compaction(&self) -> Option<CompactionChoice> {
        self.wait_background(|background| {
            if background.stopped().is_some() {
                return Some(None);
            }
            if background.manual_compaction || self.config.disable_auto_compactions {
                return None;
            }
            let levels = self.default.current().version.level_records();
            let choice = self.strategy.pick(&levels, &background.busy);
            if choice == CompactionChoice::Nothing {
                return None;
            }
            background.busy.extend(choice.tables());
            background.compactions_running += 1;
            Some(Some(choice))
        })
    }

    fn finish_compaction(&self, choice: &CompactionChoice) {
        let mut background = lock(&self.background);
        for table in choice.tables() {
            background.busy.remove(&table);
        }
        background.compactions_running -= 1;
        self.background_changed.notify_all();
    }

    /// Compacts everything into the deepest level, in the caller's thread,
    /// once running compactions are done; background compactions wait
    /// meanwhile.
    pub(crate) fn compact_all(&self) -> Result<()> {
        self.flush_all()?;
        self.wait_background(|background| {
            // A close that has begun waits for this call, so stop here.
            if let Some(stop) = background.stopped() {
                return Some(Err(stop));
            }
            if background.manual_compaction || background.compactions_running > 0 {
                return None;
            }
            background.manual_compaction = true;
            Some(Ok(()))
        })?;

        let levels = self.default.current().version.level_records();
        let result = self.compact_choice(&self.strategy.full(&levels));

        lock(&self.background).manual_compaction = false;
        self.notify_background();
        // A failed compaction means the disk is failing (or full): like a
        // failed background compaction, it stops writes until reopen. One
        // stopped by `close` failed nothing.
        result.or_else(|error| {
            if matches!(error, Error::Closed) && self.stopping.load(Ordering::Relaxed) {
                return Err(error);
            }
            self.set_background_error(error);
            self.check_background()
        })
    }

    /// Waits until no MemTable waits for a flush, no compaction runs and the
    /// strategy finds nothing to do; with `disable_auto_compactions`, no
    /// compaction is ever started in the background, so only the first two
    /// (as RocksDB's `WaitForCompact`).
    pub(crate) fn wait_until_quiet(&self) -> Result<()> {
        self.wait_background(|background| {
            // After a close has begun, the work left will never be done.
            if let Some(stop) = background.stopped() {
                return Some(Err(stop));
            }
            let current = self.default.current();
            let quiet = background.compactions_running == 0
                && current.frozen.is_empty()
                && (background.manual_compaction
                    || self.config.disable_auto_compactions
                    || !self
                        .strategy
                        .needs_compaction(&current.version.level_records()));
            quiet.then_some(Ok(()))
        })
    }

    /// Carries out one choice, and counts it.
    pub(crate) fn compact_choice(&self, choice: &CompactionChoice) -> Result<()> {
        if *choice == CompactionChoice::Nothing {
            return Ok(());
        }
        let started = Instant::now();
        let context = CompactionContext {
            versions: &self.versions,
            keyspace: &self.default,
            target_file_size: self.config.target_file_size,
            snapshots: self.snapshots.timestamps(),
            rate_limiter: self.rate_limiter.as_ref(),
            stop: &self.stopping,
        };
        let done = compaction::run(choice, &context)?;
        Counters::add(&self.counters.compaction_bytes_read, done.bytes_read);
        Counters::add(&self.counters.compaction_bytes, done.bytes_written);
        Counters::add(&self.counters.compactions, 1);
        // Counted as `stats().compactions` counts them: moves and drops too.
        crate::telemetry::compacted(done.bytes_written);
        Counters::add(
            &self.counters.compaction_nanos,
            started.elapsed().as_nanos() as u64,
        );
        Ok(())
    }
}
