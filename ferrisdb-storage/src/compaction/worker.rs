//! The worker: carries out a [`CompactionChoice`] and installs the result.
//!
//! ```text
//! compaction thread                        (background_threads of them)
//!   wait until a strategy picks something for idle tables
//!   mark the inputs busy
//!   Merge: merge the inputs into new tables (rate-limited), sync them
//!   Move / Drop: nothing to write
//!   lock the manifest; new version = current − inputs + outputs
//!   write it to the manifest, durably; install it for readers
//!   mark replaced tables obsolete: each file is deleted when its last
//!   reader lets go
//! ```
//!
//! Readers are never blocked: they keep the version (and the tables) they
//! started with. A crash before the manifest is durable leaves the outputs as
//! orphans, deleted at the next open; after it, the inputs are the orphans.

use std::collections::HashSet;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Instant;

use super::merge::retained;
use super::{hides_nothing, CompactionChoice};
use crate::engine::cursors::TableCursor;
use crate::engine::output::TableOutput;
use crate::engine::stats::Counters;
use crate::engine::version::{any_covers, Table, Version};
use crate::engine::{lock, Inner, SuperVersion};
use crate::iterator::merge::{Direction, MergingCursor};
use crate::iterator::Cursor;
use crate::{Error, Operation, Result, Timestamp};

/// Bytes of output between two requests to the rate limiter.
const RATE_LIMIT_CHUNK: u64 = 64 << 10;

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
            let levels = self.current().version.level_records();
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

        let levels = self.current().version.level_records();
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
            let current = self.current();
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

    /// Carries out one choice.
    pub(crate) fn compact_choice(&self, choice: &CompactionChoice) -> Result<()> {
        let started = Instant::now();
        let _span = tracing::info_span!("compaction", ?choice).entered();
        // Bytes of new tables: a merge writes them, a move or a drop none.
        let mut written = 0;
        let replaced = match choice {
            CompactionChoice::Nothing => return Ok(()),
            CompactionChoice::Merge {
                inputs,
                output_level,
            } => {
                let inputs: HashSet<u64> = inputs.iter().copied().collect();
                let base = Arc::clone(&self.current().version);
                let outputs = self.merge(&base, &inputs, *output_level)?;
                written = outputs.iter().map(|t| t.record.file_size).sum();
                Counters::add(&self.counters.compaction_bytes, written);
                self.install(|version| version.replace(&inputs, outputs, *output_level))?
            }
            CompactionChoice::Move { table, to_level } => {
                self.install(|version| version.with_move(*table, *to_level))?;
                Vec::new()
            }
            CompactionChoice::Drop { tables } => self.install(|version| {
                // Asked again of the version being changed, with the same
                // rule the strategies use: a table goes only while nothing
                // older lies under its tombstones.
                let levels = version.level_records();
                let dead: HashSet<u64> = levels
                    .iter()
                    .flatten()
                    .filter(|t| tables.contains(&t.file_number) && hides_nothing(&levels, t))
                    .map(|t| t.file_number)
                    .collect();
                version.replace(&dead, Vec::new(), 0)
            })?,
        };
        // The manifest that drops them is durable: the replaced tables may go
        // once their last reader does.
        for table in &replaced {
            table.mark_obsolete();
        }
        Counters::add(&self.counters.compactions, 1);
        // Counted as `stats().compactions` counts them: moves and drops too.
        crate::telemetry::compacted(written);
        Counters::add(
            &self.counters.compaction_nanos,
            started.elapsed().as_nanos() as u64,
        );
        tracing::info!(replaced = replaced.len(), "compaction done");
        Ok(())
    }

    /// Applies `change` to the current version, durably. Returns the tables
    /// the change removed (moved tables are not removed: their file stays).
    fn install(&self, change: impl FnOnce(&Version) -> Version) -> Result<Vec<Arc<Table>>> {
        let mut state = lock(&self.manifest);
        let before = Arc::clone(&self.current().version);
        let after = Arc::new(change(&before));
        self.commit_version(&mut state, &after, None, |now| SuperVersion {
            active: Arc::clone(&now.active),
            active_log: now.active_log,
            frozen: now.frozen.clone(),
            version: Arc::clone(&after),
        })?;
        let kept: HashSet<u64> = after.tables().map(|t| t.record.file_number).collect();
        Ok(before
            .tables()
            .filter(|t| !kept.contains(&t.record.file_number))
            .cloned()
            .collect())
    }

    /// Merges the `inputs` of `base` into new tables at `output_level`.
    fn merge(
        &self,
        base: &Version,
        inputs: &HashSet<u64>,
        output_level: u32,
    ) -> Result<Vec<Arc<Table>>> {
        let tables = base.find(inputs);
        let bytes_read: u64 = tables.iter().map(|t| t.record.file_size).sum();
        Counters::add(&self.counters.compaction_bytes_read, bytes_read);
        let older = base.older_than(inputs);
        let snapshots = self.snapshots.timestamps();
        let children: Vec<Box<dyn Cursor>> = tables
            .iter()
            .map(|t| Box::new(TableCursor::without_cache_fill(t)) as Box<dyn Cursor>)
            .collect();
        let mut cursor = MergingCursor::new(children, Direction::Forward);
        cursor.position(None)?;

        // Level 0 outputs are one sorted run; deeper levels split by size.
        let split = (output_level > 0).then_some(self.config.target_file_size);
        let mut output = TableOutput::new(self, output_level, split);
        let mut versions: Vec<(Timestamp, Operation, Vec<u8>)> = Vec::new();
        let mut since_limit = 0u64;
        while cursor.valid() {
            // Relaxed: a close seen one key late costs one key of work.
            if self.stopping.load(Ordering::Relaxed) {
                return Err(Error::Closed);
            }
            let key = cursor.current().user_key().to_vec();
            versions.clear();
            while cursor.valid() && cursor.current().user_key() == key.as_slice() {
                let entry = cursor.current();
                versions.push((entry.timestamp(), entry.operation(), entry.value().to_vec()));
                cursor.advance()?;
            }
            let stamps: Vec<(Timestamp, Operation)> = versions.iter().map(|v| (v.0, v.1)).collect();
            for index in retained(&stamps, &snapshots, any_covers(&older, &key)) {
                let (timestamp, operation, value) = &versions[index];
                output.add(&key, *timestamp, *operation, value)?;
                since_limit += (key.len() + value.len()) as u64;
            }
            if let Some(limiter) = &self.rate_limiter {
                if since_limit >= RATE_LIMIT_CHUNK {
                    limiter.request(since_limit, &self.stopping);
                    since_limit = 0;
                }
            }
        }
        output.finish()
    }
}
