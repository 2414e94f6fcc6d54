//! Scheduling compactions: the compaction threads, a manual `compact`, and
//! waiting until the engine is quiet.
//!
//! The work of one compaction is `compaction::run`'s, given a narrow
//! [`CompactionContext`]; this file decides when it runs, claims its tables
//! so concurrent compactions never share one, and counts what it did.
//!
//! ```text
//! compaction thread                        (background_threads of them)
//!   wait until a keyspace's strategy picks something for idle tables
//!     (the keyspaces take turns)
//!   mark the inputs busy
//!   run it (compaction::run): merge, move or drop, then install the result
//!   mark the inputs idle again
//! ```

use std::collections::{HashMap, HashSet};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::stats::Counters;
use super::{lock, Background, Inner};
use crate::compaction::{self, CompactionChoice, CompactionContext, CompactionStrategy};
use crate::config::StrategyOptions;
use crate::versions::KeyspaceVersions;
use crate::{Error, KeyspaceId, Result};

impl Inner {
    /// A compaction thread: run compactions until shutdown or failure.
    pub(crate) fn run_compaction_thread(self: Arc<Self>) {
        while let Some((ks, choice)) = self.next_compaction() {
            let result = self.compact_choice(&ks, &choice);
            // Let go of the keyspace before the waiters are told: if it was
            // dropped meanwhile, this may be the last hold on its tables,
            // whose files must be gone once `wait_for_compactions` returns.
            drop(ks);
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

    /// Waits for work and claims its tables; `None` at shutdown. The
    /// keyspaces take turns: the search starts, each time, after the one
    /// that was picked last.
    fn next_compaction(&self) -> Option<(Arc<KeyspaceVersions>, CompactionChoice)> {
        self.wait_background(|background| {
            if background.stopped().is_some() {
                return Some(None);
            }
            if background.manual_compaction || self.config.disable_auto_compactions {
                return None;
            }
            let keyspaces = self.versions.keyspaces();
            let count = keyspaces.len();
            let start = background.next_pick % count;
            // Before the snapshots are read: a snapshot released after the
            // read sees the flag and wakes this thread (`Snapshot::drop`).
            let tombstones = keyspaces.iter().any(|ks| {
                ks.current()
                    .version
                    .tables()
                    .any(|t| !t.range_tombstones().is_empty())
            });
            self.snapshot_release_wakes
                .store(tombstones, Ordering::SeqCst);
            let snapshots = self.snapshots.timestamps();
            for (turn, ks) in keyspaces.iter().cycle().skip(start).take(count).enumerate() {
                let version = Arc::clone(&ks.current().version);
                let Background {
                    strategies, busy, ..
                } = &mut *background;
                // Tables a range delete hid go first, unread, whatever the
                // style: a merge would only read them to drop every entry.
                let choice = compaction::drop_covered_tables(&version, &snapshots, busy)
                    .unwrap_or_else(|| {
                        let levels = version.level_records();
                        Self::with_strategy(strategies, ks, |s| s.pick(&levels, busy))
                    });
                if choice == CompactionChoice::Nothing {
                    continue;
                }
                background.next_pick = start + turn + 1;
                background.busy.extend(choice.tables());
                background.compactions_running += 1;
                return Some(Some((Arc::clone(ks), choice)));
            }
            None
        })
    }

    /// Calls `use_it` with the compaction strategy of keyspace `ks`, built
    /// from its options the first time and again whenever they change, and
    /// kept in `strategies` meanwhile (a strategy keeps state between picks).
    fn with_strategy<T>(
        strategies: &mut HashMap<KeyspaceId, (StrategyOptions, Box<dyn CompactionStrategy>)>,
        ks: &KeyspaceVersions,
        use_it: impl FnOnce(&dyn CompactionStrategy) -> T,
    ) -> T {
        let options = ks.settings().strategy;
        let (built_from, strategy) = strategies
            .entry(ks.id())
            .or_insert_with(|| (options, compaction::strategy_for(&options)));
        if *built_from != options {
            (*built_from, *strategy) = (options, compaction::strategy_for(&options));
        }
        use_it(strategy.as_ref())
    }

    fn finish_compaction(&self, choice: &CompactionChoice) {
        let mut background = lock(&self.background);
        for table in choice.tables() {
            background.busy.remove(&table);
        }
        background.compactions_running -= 1;
        self.background_changed.notify_all();
    }

    /// Compacts every keyspace into its deepest level, in the caller's
    /// thread, once running compactions are done; background compactions
    /// wait meanwhile.
    pub(crate) fn compact_all(&self) -> Result<()> {
        self.refuse_if_read_only("compact")?;
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

        let result = self.versions.keyspaces().iter().try_for_each(|ks| {
            let hidden = compaction::drop_covered_tables(
                &ks.current().version,
                &self.snapshots.timestamps(),
                &HashSet::new(),
            );
            if let Some(hidden) = hidden {
                self.compact_choice(ks, &hidden)?;
            }
            let version = Arc::clone(&ks.current().version);
            let levels = version.level_records();
            let range_tombstones = version.tables().any(|t| !t.range_tombstones().is_empty());
            let choice = {
                let mut background = lock(&self.background);
                Self::with_strategy(&mut background.strategies, ks, |s| {
                    s.full(&levels, range_tombstones)
                })
            };
            self.compact_choice(ks, &choice)
        });

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

    /// Waits until no MemTable of any keyspace waits for a flush, no flush
    /// is under way (its freed logs deleted too), no dropped keyspace waits
    /// to be let go of, no compaction runs and no keyspace's
    /// strategy finds anything to do; with `disable_auto_compactions`, no
    /// compaction is ever started in the background, so only the first
    /// four (as RocksDB's `WaitForCompact`).
    pub(crate) fn wait_until_quiet(&self) -> Result<()> {
        if self.is_read_only() {
            // No flush or compaction ever runs in it.
            return Ok(());
        }
        self.wait_background(|background| {
            // After a close has begun, the work left will never be done.
            if let Some(stop) = background.stopped() {
                return Some(Err(stop));
            }
            if background.compactions_running > 0
                || background.flushing
                || !background.dropped.is_empty()
            {
                return None;
            }
            let picking = !background.manual_compaction && !self.config.disable_auto_compactions;
            let keyspaces = self.versions.keyspaces();
            let snapshots = self.snapshots.timestamps();
            let quiet = keyspaces.iter().all(|ks| {
                let current = ks.current();
                let idle = HashSet::new();
                current.frozen.is_empty()
                    && (!picking
                        || (compaction::drop_covered_tables(&current.version, &snapshots, &idle)
                            .is_none()
                            && !Self::with_strategy(&mut background.strategies, ks, |s| {
                                s.needs_compaction(&current.version.level_records())
                            })))
            });
            quiet.then_some(Ok(()))
        })
    }

    /// Carries out one choice for keyspace `ks`, and counts it. One whose
    /// keyspace was dropped meanwhile changes nothing (its new tables are
    /// deleted) and is no failure.
    pub(crate) fn compact_choice(
        &self,
        ks: &Arc<KeyspaceVersions>,
        choice: &CompactionChoice,
    ) -> Result<()> {
        if *choice == CompactionChoice::Nothing {
            return Ok(());
        }
        let started = Instant::now();
        let context = CompactionContext {
            versions: &self.versions,
            keyspace: ks,
            target_file_size: self.config.target_file_size,
            snapshots: self.snapshots.timestamps(),
            rate_limiter: self.rate_limiter.as_ref(),
            stop: &self.stopping,
        };
        let done = match compaction::run(choice, &context) {
            Ok(done) => done,
            Err(Error::KeyspaceDropped { .. }) => return Ok(()),
            Err(error) => return Err(error),
        };
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
