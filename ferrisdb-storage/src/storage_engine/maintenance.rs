//! What an operator or a test asks of the database besides reads and
//! writes: [`flush`](StorageEngine::flush),
//! [`compact`](StorageEngine::compact),
//! [`wait_for_compactions`](StorageEngine::wait_for_compactions),
//! [`sync_wal`](StorageEngine::sync_wal),
//! [`checkpoint`](StorageEngine::checkpoint), [`verify`](StorageEngine::verify),
//! and the reports
//! ([`stats`](StorageEngine::stats), [`live_tables`](StorageEngine::live_tables),
//! [`space_amplification`](StorageEngine::space_amplification)).

use std::path::Path;
use std::time::Duration;

use super::StorageEngine;
use crate::engine::progress::{Progress, Tracker};
use crate::engine::stats::{Counters, EngineStats, KeyspaceStats, LevelStats};
use crate::manifest::TableRecord;
use crate::versions::SuperVersion;
use crate::{Result, VerifyReport};

impl StorageEngine {
    /// Turns the active MemTable into a table and waits until every frozen
    /// MemTable is flushed.
    ///
    /// # Errors
    ///
    /// [`Error::Background`](crate::Error::Background) wrapping the cause
    /// (an [`Error::Io`](crate::Error::Io) or a corruption error naming the
    /// file) if the flush thread failed to write a table or the manifest, for
    /// this call or an earlier one: the failure stops the database, and every
    /// write, flush and compaction returns it until the database is reopened;
    /// [`Error::Closed`](crate::Error::Closed) once the database is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("k", "v")?;
    /// assert!(db.live_tables().is_empty()); // in the log and the MemTable only
    /// db.flush()?;
    /// assert_eq!(db.live_tables().len(), 1); // now in a table too
    /// assert_eq!(db.get("k")?.unwrap(), "v");
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn flush(&self) -> Result<()> {
        self.inner()?.flush_all()
    }

    /// Compacts the whole database and returns when done: every table is
    /// merged into the deepest level the compaction style uses, keeping only
    /// the versions live snapshots can see and dropping tombstones with
    /// nothing left to hide.
    ///
    /// # Errors
    ///
    /// As for [`flush`](Self::flush), which it starts with; a merge that
    /// fails (a damaged table, whose corruption error names it, or a failed
    /// write) stops the database the same way, and this call returns the
    /// [`Error::Background`](crate::Error::Background) wrapping it.
    /// [`Error::Closed`](crate::Error::Closed) if the database is closed
    /// before or while this call merges: `close` stops the merge, deletes
    /// its unfinished tables and keeps the inputs.
    pub fn compact(&self) -> Result<()> {
        let (_open, inner) = self.inner_gated()?;
        inner.compact_all()
    }

    /// Waits until background work is done: every frozen MemTable flushed and
    /// no compaction left to do. Useful before measuring, or in tests.
    ///
    /// With [`disable_auto_compactions`](crate::StorageConfig::disable_auto_compactions)
    /// no compaction runs in the background, so this returns once the
    /// flushes are done and no compaction is running, however many tables
    /// await a [`compact`](Self::compact) (as RocksDB's `WaitForCompact`).
    ///
    /// # Errors
    ///
    /// [`Error::Background`](crate::Error::Background) once a failure stopped
    /// the database; [`Error::Closed`](crate::Error::Closed) once it is
    /// closed.
    pub fn wait_for_compactions(&self) -> Result<()> {
        self.inner()?.wait_until_quiet()
    }

    /// Makes every acknowledged write durable now (an fsync of the log),
    /// whatever the sync mode.
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the sync failed, which stops the
    /// database as a failed write's sync does (later writes get
    /// [`Error::Background`](crate::Error::Background) until it is
    /// reopened); [`Error::Closed`](crate::Error::Closed) once the database
    /// is closed.
    pub fn sync_wal(&self) -> Result<()> {
        let inner = self.inner()?;
        inner
            .wal("sync_wal")?
            .sync()
            .inspect_err(|error| inner.stop_after_failed_log(error, "sync"))
    }

    /// Writes a consistent copy of the database to `dir`, which must not
    /// exist or be empty: hard links for tables, copies for the rest, and a
    /// manifest last, once the rest is durable. `open` accepts the copy as a
    /// database of its own. A crash midway leaves a directory without a
    /// manifest, which `open` refuses with a corruption error (deleting
    /// nothing) if it holds any table or log: delete it and checkpoint again.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) if `dir`
    /// holds files; [`Error::Io`](crate::Error::Io) if copying or linking
    /// failed (the copy is then incomplete: delete it);
    /// [`Error::Closed`](crate::Error::Closed) once the database is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// # let backups = tempfile::tempdir().unwrap();
    /// db.put("k", "v")?;
    /// let copy = backups.path().join("monday");
    /// db.checkpoint(&copy)?;
    /// db.put("k", "changed")?;
    ///
    /// // The copy is a database of its own, as of the checkpoint.
    /// let restored = StorageEngine::open(StorageConfig::new(&copy))?;
    /// assert_eq!(restored.get("k")?.unwrap(), "v");
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<()> {
        let (_open, inner) = self.inner_gated()?;
        inner.checkpoint(dir.as_ref())
    }

    /// Reads every live table and log back from the disk and checks every
    /// checksum and invariant: each table is the one the manifest records
    /// (size, entry counts, key range, timestamps, keyspace), its blocks
    /// pass their checksums and hold their keys in order, and each level
    /// below 0 is sorted with disjoint key ranges; the manifest on disk is
    /// the one the database holds; every log the database still needs reads
    /// whole, each record decodes, and timestamps count up without a gap.
    ///
    /// It does not stop at the first damage: the report names every damaged
    /// file, with the offset of its damage. It runs beside reads, writes,
    /// flushes and compactions, and checks the database as it was when it
    /// began. It reads every live byte, so it costs as much as a full scan
    /// of the tables and logs.
    ///
    /// # Errors
    ///
    /// Damage is not an error: it is in the report.
    /// [`Error::Io`](crate::Error::Io) if the database's directory cannot be
    /// listed; [`Error::Closed`](crate::Error::Closed) once the database is
    /// closed.
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = ferrisdb_storage::StorageEngine::open(ferrisdb_storage::StorageConfig::new(dir.path()))?;
    /// db.put("k", "v")?;
    /// db.flush()?;
    /// let report = db.verify()?;
    /// assert!(report.is_intact(), "{report}");
    /// assert_eq!((report.tables, report.table_entries), (1, 1));
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify(&self) -> Result<VerifyReport> {
        self.verify_with_progress(&mut |_| {})
    }

    /// [`verify`](Self::verify), telling `progress` how many bytes of the
    /// tables and logs it has read, of how many, after each file: what a
    /// progress bar draws.
    ///
    /// # Errors
    ///
    /// As [`verify`](Self::verify).
    ///
    /// # Examples
    ///
    /// ```
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = ferrisdb_storage::StorageEngine::open(ferrisdb_storage::StorageConfig::new(dir.path()))?;
    /// db.put("k", "v")?;
    /// db.flush()?;
    /// let mut last = ferrisdb_storage::Progress::default();
    /// let report = db.verify_with_progress(&mut |progress| last = progress)?;
    /// assert!(report.is_intact(), "{report}");
    /// assert!(last.done >= report.table_bytes && last.done == last.total);
    /// # Ok(())
    /// # }
    /// ```
    pub fn verify_with_progress(&self, progress: &mut dyn FnMut(Progress)) -> Result<VerifyReport> {
        let (_open, inner) = self.inner_gated()?;
        inner.verify(&mut Tracker::new(progress))
    }

    /// Moves a read-only instance
    /// ([`open_read_only`](Self::open_read_only)) to the writer's newest
    /// state: loads the manifest the writer wrote last, opens its new
    /// tables, and replays the logs' writes again, so reads from now on see
    /// every write the writer had handed to the operating system. Reads,
    /// scans, snapshots and transactions begun before keep reading the view
    /// they began in (a snapshot keeps its view's MemTables and tables).
    /// Keyspaces the writer made appear, and handles to those it dropped
    /// return [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped).
    /// Does nothing in an instance opened for writing: it is the writer.
    ///
    /// It costs as much as an open: it reads every log the writer still
    /// needs from its start, not only what was appended since, so its cost
    /// grows with the writer's unflushed writes (`memtable_size` times the
    /// MemTables the writer may hold), and tables it already had open are
    /// reused, not opened again.
    ///
    /// # Errors
    ///
    /// As [`open_read_only`](Self::open_read_only); the view in place stays.
    /// [`Error::Closed`](crate::Error::Closed) once the instance is closed.
    pub fn catch_up(&self) -> Result<()> {
        self.inner()?.catch_up()
    }

    /// Every live table as the manifest records it (level, file number,
    /// size, key range, entry and tombstone counts), in read order: level 0
    /// newest first, then each deeper level by key. After a close, the
    /// tables the database closed with.
    pub fn live_tables(&self) -> Vec<TableRecord> {
        self.handle.inner.default.current().version.records()
    }

    /// Space amplification: bytes of live tables on disk divided by the bytes
    /// of live data (the keys and values a full scan returns). Scans the
    /// whole database, so it costs as much as reading it. Returns 0 for an
    /// empty database.
    ///
    /// # Errors
    ///
    /// As for a scan ([`iter`](Self::iter)).
    pub fn space_amplification(&self) -> Result<f64> {
        let on_disk: u64 = self.live_tables().iter().map(|t| t.file_size).sum();
        let mut live = 0u64;
        for item in self.iter()? {
            let (key, value) = item?;
            live += (key.len() + value.len()) as u64;
        }
        Ok(if live == 0 {
            0.0
        } else {
            on_disk as f64 / live as f64
        })
    }

    /// The engine's counters: MemTables, tables per level, bytes written,
    /// write amplification, block cache hits, stalls. MemTables and tables
    /// are summed over every keyspace, and given for each in
    /// [`keyspaces`](EngineStats::keyspaces). After a close, the counters
    /// the database closed with.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// # let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// for i in 0..1000 {
    ///     db.put(format!("key:{i:04}"), "value")?;
    /// }
    /// db.flush()?;
    /// let stats = db.stats();
    /// assert_eq!((stats.flushes, stats.levels[0].tables), (1, 1));
    /// // The log took every byte written, and the flush wrote a table besides.
    /// assert!(stats.wal_bytes_written >= stats.user_bytes_written);
    /// assert!(stats.write_amplification() > 1.0);
    /// println!("{stats}"); // a report, one fact per line
    /// # Ok::<(), ferrisdb_storage::Error>(())
    /// ```
    pub fn stats(&self) -> EngineStats {
        let inner = &self.handle.inner;
        let keyspaces: Vec<KeyspaceStats> = inner
            .versions
            .keyspaces()
            .iter()
            .map(|ks| keyspace_stats(ks.name(), ks.id(), &ks.current()))
            .collect();
        let counters = &inner.counters;
        let wal_bytes = inner.wal.as_ref().map_or(0, |log| log.bytes_written());
        let (live_wal_files, live_wal_bytes) = inner.live_wal();
        let mut levels: Vec<LevelStats> = Vec::new();
        for ks in &keyspaces {
            if levels.len() < ks.levels.len() {
                levels.resize(ks.levels.len(), LevelStats::default());
            }
            for (sum, level) in levels.iter_mut().zip(&ks.levels) {
                sum.tables += level.tables;
                sum.bytes += level.bytes;
            }
        }
        EngineStats {
            memtable_bytes: keyspaces.iter().map(|k| k.memtable_bytes).sum(),
            immutable_memtable_bytes: keyspaces.iter().map(|k| k.immutable_memtable_bytes).sum(),
            immutable_memtables: keyspaces.iter().map(|k| k.immutable_memtables).sum(),
            levels,
            keyspaces,
            live_wal_files,
            live_wal_bytes,
            wal_bytes_written: wal_bytes,
            user_bytes_written: Counters::get(&counters.user_bytes),
            flush_bytes_written: Counters::get(&counters.flush_bytes),
            compaction_bytes_written: Counters::get(&counters.compaction_bytes),
            compaction_bytes_read: Counters::get(&counters.compaction_bytes_read),
            flushes: Counters::get(&counters.flushes),
            compactions: Counters::get(&counters.compactions),
            compaction_time: Duration::from_nanos(Counters::get(&counters.compaction_nanos)),
            block_cache_hits: inner.block_cache.hits(),
            block_cache_misses: inner.block_cache.misses(),
            blocks_read: inner.block_cache.blocks_read(),
            block_cache_usage: inner.block_cache.usage(),
            block_cache_capacity: inner.block_cache.capacity(),
            open_table_files: inner.versions.open_table_files(),
            table_reader_bytes: inner.versions.table_reader_bytes(),
            live_snapshots: inner.snapshots.len(),
            live_transactions: inner.live_transactions(),
            stalls: Counters::get(&counters.stalls),
            stall_time: Duration::from_nanos(Counters::get(&counters.stall_nanos)),
            recovery_dropped_wal_bytes: Counters::get(&counters.recovery_dropped_wal_bytes),
            recovery_dropped_wal_records: Counters::get(&counters.recovery_dropped_wal_records),
        }
    }
}

/// The stats of keyspace `name` (`id`), whose super version is `current`.
fn keyspace_stats(name: &str, id: u32, current: &SuperVersion) -> KeyspaceStats {
    KeyspaceStats {
        name: name.to_owned(),
        id,
        memtable_bytes: current.active.memory_usage(),
        immutable_memtable_bytes: current
            .frozen
            .iter()
            .map(|f| f.memtable.memory_usage())
            .sum(),
        immutable_memtables: current.frozen.len(),
        log_number: current.log_needed(),
        levels: current
            .version
            .levels
            .iter()
            .map(|tables| LevelStats {
                tables: tables.len(),
                bytes: tables.iter().map(|t| t.record.file_size).sum(),
            })
            .collect(),
    }
}
