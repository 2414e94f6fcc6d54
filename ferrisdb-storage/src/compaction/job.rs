//! A compaction job: carries out a [`CompactionChoice`] and installs the
//! result, given only what it needs (a [`CompactionContext`]).
//!
//! ```text
//!   Merge: merge the inputs into new tables (rate-limited), sync them
//!   Move / Drop: nothing to write
//!   log_and_apply: new version = current − inputs + outputs, written to the
//!     manifest, durably, then installed for readers
//!   mark replaced tables obsolete: each file is deleted when its last
//!   reader lets go
//! ```
//!
//! Readers are never blocked: they keep the version (and the tables) they
//! started with. A crash before the manifest is durable leaves the outputs as
//! orphans, deleted at the next open; after it, the inputs are the orphans.

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::covered::covered_tables;
use super::drop_rule::DropRule;
use super::range_drop::CompactionTombstones;
use super::{hides_nothing, CompactionChoice, RateLimiter};
use crate::iterator::merge::MergingCursor;
use crate::iterator::Cursor;
use crate::versions::{
    any_covers, KeyspaceVersions, LevelCursor, Table, TableOutput, Version, VersionEdit, VersionSet,
};
use crate::{Error, Result, Timestamp};

/// Bytes of output between two requests to the rate limiter.
const RATE_LIMIT_CHUNK: u64 = 64 << 10;

/// What a compaction needs from the engine, and nothing more.
pub(crate) struct CompactionContext<'a> {
    /// The manifest and the file numbers, through which the result is
    /// installed.
    pub(crate) versions: &'a VersionSet,
    /// The keyspace compacted: the inputs come from, and the result goes
    /// to, its tables; its settings say how new tables are written.
    pub(crate) keyspace: &'a KeyspaceVersions,
    /// Outputs below level 0 are split at this size.
    pub(crate) target_file_size: u64,
    /// The timestamps of the live snapshots: a merge keeps what each reads.
    pub(crate) snapshots: Vec<Timestamp>,
    /// Paces a merge's writes, if set.
    pub(crate) rate_limiter: Option<&'a RateLimiter>,
    /// Set when the engine closes: a merge stops at its next version with
    /// [`Error::Closed`].
    pub(crate) stop: &'a AtomicBool,
}

/// What a compaction did, for the engine's statistics.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct CompactionDone {
    /// Bytes of input tables a merge read.
    pub(crate) bytes_read: u64,
    /// Bytes of new tables a merge wrote; a move or a drop writes none.
    pub(crate) bytes_written: u64,
}

/// Carries out `choice` in `context`.
///
/// # Errors
///
/// The I/O error of a merge or of writing the manifest, [`Error::Closed`]
/// when `context.stop` stopped a merge, or [`Error::KeyspaceDropped`] when
/// the keyspace was dropped meanwhile (its new tables are deleted then:
/// no manifest will list them). The current version stays then. A
/// merge that fails deletes its outputs; once they are written, a failed
/// manifest write leaves them, since the new manifest, listing them, may be
/// in place: the next `open` removes them if it is not.
pub(crate) fn run(
    choice: &CompactionChoice,
    context: &CompactionContext<'_>,
) -> Result<CompactionDone> {
    let _span = tracing::info_span!("compaction", ?choice).entered();
    let (versions, ks) = (context.versions, context.keyspace);
    let mut done = CompactionDone::default();
    let replaced = match choice {
        CompactionChoice::Nothing => return Ok(done),
        CompactionChoice::Merge {
            inputs,
            output_level,
        } => {
            let inputs: HashSet<u64> = inputs.iter().copied().collect();
            let base = Arc::clone(&ks.current().version);
            let tables = base.find(&inputs);
            done.bytes_read = tables.iter().map(|t| t.record.file_size).sum();
            let outputs = merge(context, &base, &tables, &inputs, *output_level)?;
            done.bytes_written = outputs.iter().map(|t| t.record.file_size).sum();
            let made = outputs.clone();
            versions
                .log_and_apply(ks, |_| VersionEdit::Replaced {
                    inputs,
                    outputs,
                    level: *output_level,
                })
                .inspect_err(|error| {
                    if matches!(error, Error::KeyspaceDropped { .. }) {
                        // No manifest lists them, nor ever will.
                        made.iter().for_each(|table| table.mark_obsolete());
                    }
                })?
                .removed
        }
        CompactionChoice::Move { table, to_level } => {
            versions.log_and_apply(ks, |_| VersionEdit::Moved {
                table: *table,
                level: *to_level,
            })?;
            Vec::new()
        }
        CompactionChoice::Drop { tables } => {
            versions
                .log_and_apply(ks, |now| {
                    // Asked again of the version being changed, with the same rule
                    // the strategies use: a table goes only while nothing older lies
                    // under its tombstones.
                    let levels = now.version.level_records();
                    let dead: HashSet<u64> = levels
                        .iter()
                        .flatten()
                        .filter(|t| tables.contains(&t.file_number) && hides_nothing(&levels, t))
                        .map(|t| t.file_number)
                        .collect();
                    VersionEdit::Replaced {
                        inputs: dead,
                        outputs: Vec::new(),
                        level: 0,
                    }
                })?
                .removed
        }
        CompactionChoice::DropCovered { tables } => {
            versions
                .log_and_apply(ks, |now| {
                    // Asked again of the version being changed: its covering
                    // tables may have been merged meanwhile. A snapshot taken
                    // since the pick reads at or above every tombstone then
                    // in a table, so the pick's snapshots still decide.
                    let still = covered_tables(
                        now.version
                            .tables()
                            .map(|t| (&t.record, t.range_tombstones().as_ref())),
                        &context.snapshots,
                        &HashSet::new(),
                    );
                    VersionEdit::Replaced {
                        inputs: still.into_iter().filter(|n| tables.contains(n)).collect(),
                        outputs: Vec::new(),
                        level: 0,
                    }
                })?
                .removed
        }
    };
    // The manifest that drops them is durable: the replaced tables may go
    // once their last reader does.
    for table in &replaced {
        table.mark_obsolete();
    }
    tracing::info!(replaced = replaced.len(), "compaction done");
    Ok(done)
}

/// Merges `tables`, the `inputs` of `base`, into new tables at
/// `output_level`.
fn merge(
    context: &CompactionContext<'_>,
    base: &Version,
    tables: &[Arc<Table>],
    inputs: &HashSet<u64>,
    output_level: u32,
) -> Result<Vec<Arc<Table>>> {
    let older = base.older_than(inputs);
    let children: Vec<Box<dyn Cursor>> = tables
        .iter()
        .map(|t| Box::new(LevelCursor::without_cache_fill(t)) as Box<dyn Cursor>)
        .collect();
    let mut cursor = MergingCursor::new(children);
    cursor.seek_to_first()?;

    // Level 0 outputs are one sorted run; deeper levels split by size.
    let split = (output_level > 0).then_some(context.target_file_size);
    let table_options = context.keyspace.settings().table;
    let mut output = TableOutput::new(context.versions, table_options, output_level, split);
    let tombstones = CompactionTombstones::new(
        tables.iter().map(|t| t.range_tombstones().as_ref()),
        &context.snapshots,
        |start, end| older.iter().any(|t| t.meets(start, end, false)),
    );
    output.set_range_tombstones(tombstones.kept.clone());
    let mut rule = DropRule::new(&context.snapshots, &tombstones.covering, |key: &[u8]| {
        any_covers(&older, key)
    });
    let mut since_limit = 0u64;
    while cursor.valid() {
        // Relaxed: a close seen one version late costs one version of work.
        if context.stop.load(Ordering::Relaxed) {
            return Err(Error::Closed);
        }
        // The value goes from the input block to the output table unbuffered.
        rule.offer(
            cursor.user_key(),
            cursor.timestamp(),
            cursor.operation(),
            cursor.value(),
            &mut |key, timestamp, operation, value| {
                since_limit += (key.len() + value.len()) as u64;
                output.add(key, timestamp, operation, value)
            },
        )?;
        cursor.next()?;
        if let Some(limiter) = context.rate_limiter {
            if since_limit >= RATE_LIMIT_CHUNK {
                limiter.request(since_limit, context.stop);
                since_limit = 0;
            }
        }
    }
    output.finish()
}
