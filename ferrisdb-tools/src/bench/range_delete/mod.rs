//! The `deleterange` benchmark: what deleting a contiguous range of keys
//! costs, with one range delete (`--deleterange_mode=range`, the default) or
//! with a delete per key (`points`), and what the deletion saves later.
//!
//! It runs on a filled database (a fill benchmark before it in
//! `--benchmarks`, or `--use_existing_db`), in steps:
//! 1. `compact` the database, so every key is in a table and the table bytes
//!    before the delete hold no garbage of the fill;
//! 2. delete the `--deleterange_keys` keys in the middle of the key space
//!    (indexes `(num - n) / 2` to `(num - n) / 2 + n - 1`), timed, and take
//!    the log and user bytes it wrote from `stats()`. In range mode a range
//!    delete below every key (`.."0"`, keys being decimal digits) comes
//!    first, timed apart: the first range delete of a database declares the
//!    feature in the manifest (a manifest write and sync), a one-time cost
//!    that would otherwise be taken for the range delete's;
//! 3. scan the deleted range, and a range never written (the keys after
//!    `--num`'s last), counting `stats().blocks_read`: before the delete,
//!    with the deletes where the write left them (the MemTable), after
//!    `flush`, and after `compact`;
//! 4. report the tables and their bytes before the delete, after the flush
//!    and after the compaction, and what the compaction read and wrote.
//!
//! [`run`] measures, [`DeleteRangeResult`] holds the figures, and its
//! [`lines`](DeleteRangeResult::lines) (in `report.rs`) print them.

use std::ops::Bound;
use std::time::{Duration, Instant};

use ferrisdb_storage::{EngineStats, Result, Scan, StorageEngine, WriteBatch};

use super::args::{BenchArgs, DeleteRangeMode};
use super::data::{fill_key, make_key};
use super::keyspaces::{KeyRange, Targets};
use super::progress::Progress;

mod report;

/// Point deletes per batch with `--deleterange_mode=points`.
pub const POINT_DELETES_PER_BATCH: u64 = 1000;

/// When a scan's blocks were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Before the delete: the range still holds its keys.
    Before,
    /// Right after the delete, which is in the MemTable.
    MemTable,
    /// After `flush`: the delete is in a table at level 0.
    Flushed,
    /// After `compact`.
    Compacted,
}

impl Phase {
    /// The phase's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Before => "before",
            Phase::MemTable => "memtable",
            Phase::Flushed => "flushed",
            Phase::Compacted => "compacted",
        }
    }
}

/// The blocks two scans read at one phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScanCost {
    /// When the scans ran.
    pub phase: Phase,
    /// Data blocks a scan of the deleted range read (`stats().blocks_read`).
    pub blocks: u64,
    /// Entries it returned: the range's keys before the delete, 0 after.
    pub entries: u64,
    /// Data blocks a scan of a range never written read, for comparison.
    pub empty_range_blocks: u64,
}

/// The tables of every level and keyspace, at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tables {
    /// Number of tables.
    pub count: usize,
    /// Their bytes (`stats().table_bytes()`).
    pub bytes: u64,
}

impl Tables {
    fn of(stats: &EngineStats) -> Tables {
        Tables {
            count: stats.table_count(),
            bytes: stats.table_bytes(),
        }
    }
}

/// What one `deleterange` measured.
#[derive(Debug, Clone)]
pub struct DeleteRangeResult {
    /// How the keys were deleted.
    pub mode: DeleteRangeMode,
    /// Keys in the deleted range (indexes of `--num`, whether or not the
    /// fill wrote each).
    pub keys: u64,
    /// The first key of the range.
    pub first_key: Vec<u8>,
    /// The last key of the range (inclusive).
    pub last_key: Vec<u8>,
    /// Write calls the delete took: 1 for a range delete, one per batch of
    /// point deletes.
    pub writes: u64,
    /// Range deletes or point deletes written.
    pub deletes: u64,
    /// Wall-clock time of the delete.
    pub delete_time: Duration,
    /// In range mode, the wall-clock time of the range delete below every
    /// key that precedes the timed one (and declares the feature in the
    /// manifest if the database lacks it).
    pub first_range_delete: Option<Duration>,
    /// Bytes the delete added to the write-ahead log
    /// (`stats().wal_bytes_written`).
    pub wal_bytes: u64,
    /// Bytes the delete wrote as the user's (`stats().user_bytes_written`).
    pub user_bytes: u64,
    /// The scans' blocks at each phase, in order.
    pub scans: Vec<ScanCost>,
    /// Tables before the delete (after the first compaction).
    pub tables_before: Tables,
    /// Tables after the flush of the delete.
    pub tables_flushed: Tables,
    /// Tables after the last compaction.
    pub tables_compacted: Tables,
    /// Wall-clock time of the flush.
    pub flush_time: Duration,
    /// Wall-clock time of the last compaction.
    pub compact_time: Duration,
    /// Table bytes the last compaction read (`stats().compaction_bytes_read`):
    /// a table a range delete covers whole is dropped without being read.
    pub compaction_bytes_read: u64,
    /// Table bytes the last compaction wrote.
    pub compaction_bytes_written: u64,
}

impl DeleteRangeResult {
    /// Table bytes before the delete less those after the compaction
    /// (negative if the tables grew).
    pub fn reclaimed_bytes(&self) -> i128 {
        i128::from(self.tables_before.bytes) - i128::from(self.tables_compacted.bytes)
    }
}

/// Runs `deleterange` on `db` with `args`' flags.
///
/// # Errors
///
/// The first error of the engine's calls.
pub fn run(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    progress: &Progress,
) -> Result<DeleteRangeResult> {
    let keys = args.deleterange_keys();
    let first = (args.num - keys) / 2;
    let first_key = make_key(first, args.key_size);
    // The last index, or the first when the range is empty (nothing is
    // deleted then).
    let last_key = make_key(first + keys.max(1) - 1, args.key_size);
    let deleted: KeyRange<'_> = if keys == 0 {
        (
            Bound::Included(first_key.as_slice()),
            Bound::Excluded(first_key.as_slice()),
        )
    } else {
        (
            Bound::Included(first_key.as_slice()),
            Bound::Included(last_key.as_slice()),
        )
    };
    // The keys after `--num`'s last: never written by a benchmark.
    let end_key = make_key(args.num.saturating_sub(1), args.key_size);
    let never: KeyRange<'_> = (Bound::Excluded(end_key.as_slice()), Bound::Unbounded);
    let scan = |phase| scan_cost(db, targets, phase, deleted, never);

    db.compact()?;
    let tables_before = Tables::of(&db.stats());
    let mut scans = vec![scan(Phase::Before)?];

    let first_range_delete = if args.deleterange_mode == DeleteRangeMode::Range && keys > 0 {
        let start = Instant::now();
        db.delete_range::<&[u8], _>(..b"0".as_slice())?;
        Some(start.elapsed())
    } else {
        None
    };
    let written = db.stats();
    let start = Instant::now();
    let (writes, deletes) = match args.deleterange_mode {
        DeleteRangeMode::Range => {
            if keys > 0 {
                targets.delete_range(db, deleted)?;
            }
            (u64::from(keys > 0), targets.keyspace_count() as u64)
        }
        DeleteRangeMode::Points => delete_points(db, targets, args, first, keys, progress)?,
    };
    let delete_time = start.elapsed();
    let after = db.stats();
    scans.push(scan(Phase::MemTable)?);

    let start = Instant::now();
    db.flush()?;
    let flush_time = start.elapsed();
    let tables_flushed = Tables::of(&db.stats());
    scans.push(scan(Phase::Flushed)?);

    let compaction = db.stats();
    let start = Instant::now();
    db.compact()?;
    let compact_time = start.elapsed();
    let compacted = db.stats();
    scans.push(scan(Phase::Compacted)?);

    Ok(DeleteRangeResult {
        mode: args.deleterange_mode,
        keys,
        first_key,
        last_key,
        writes,
        deletes: if keys == 0 { 0 } else { deletes },
        delete_time,
        first_range_delete,
        wal_bytes: after.wal_bytes_written - written.wal_bytes_written,
        user_bytes: after.user_bytes_written - written.user_bytes_written,
        scans,
        tables_before,
        tables_flushed,
        tables_compacted: Tables::of(&compacted),
        flush_time,
        compact_time,
        compaction_bytes_read: compacted.compaction_bytes_read - compaction.compaction_bytes_read,
        compaction_bytes_written: compacted.compaction_bytes_written
            - compaction.compaction_bytes_written,
    })
}

/// Deletes the `keys` keys from index `first` one by one, in batches of
/// [`POINT_DELETES_PER_BATCH`]; returns the writes and the deletes.
fn delete_points(
    db: &StorageEngine,
    targets: &Targets,
    args: &BenchArgs,
    first: u64,
    keys: u64,
    progress: &Progress,
) -> Result<(u64, u64)> {
    let mut key = vec![0u8; args.key_size];
    let mut batch = WriteBatch::new();
    let mut writes = 0;
    for index in first..first + keys {
        fill_key(&mut key, index);
        targets.delete_in_batch(&mut batch, index, &key);
        if batch.len() as u64 == POINT_DELETES_PER_BATCH || index + 1 == first + keys {
            db.write(&batch)?;
            progress.add(batch.len() as u64);
            batch.clear();
            writes += 1;
        }
    }
    Ok((writes, keys))
}

/// The blocks a scan of `deleted`, then one of `never`, read.
fn scan_cost(
    db: &StorageEngine,
    targets: &Targets,
    phase: Phase,
    deleted: KeyRange<'_>,
    never: KeyRange<'_>,
) -> Result<ScanCost> {
    let blocks = || db.stats().blocks_read;
    let start = blocks();
    let entries = count(targets.scans_of(db, deleted)?)?;
    let middle = blocks();
    count(targets.scans_of(db, never)?)?;
    let end = blocks();
    Ok(ScanCost {
        phase,
        blocks: middle - start,
        entries,
        empty_range_blocks: end - middle,
    })
}

/// The entries of `scans`, read to their ends.
fn count(scans: Vec<Scan>) -> Result<u64> {
    let mut entries = 0;
    for scan in scans {
        for entry in scan {
            entry?;
            entries += 1;
        }
    }
    Ok(entries)
}
