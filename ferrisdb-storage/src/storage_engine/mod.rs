//! [`StorageEngine`]: the embeddable database.
//!
//! ```no_run
//! use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};
//!
//! # fn main() -> ferrisdb_storage::Result<()> {
//! let db = StorageEngine::open(StorageConfig::new("./my-db"))?;
//! db.put("user:1", "alice")?;
//! db.write(WriteBatch::new().put("user:2", "bob").delete("user:1"))?;
//! assert_eq!(db.get("user:2")?, Some(b"bob".to_vec()));
//! for item in db.scan_prefix("user:")? {
//!     let (key, value) = item?;
//!     println!("{} = {}", String::from_utf8_lossy(&key), String::from_utf8_lossy(&value));
//! }
//! db.close()?;
//! # Ok(())
//! # }
//! ```
//!
//! This file holds the engine's lifecycle, writes, maintenance and stats; the
//! reads (`get`, `scan`, `scan_prefix`, `snapshot`) and [`Snapshot`] are in
//! `read.rs`.

#[cfg(feature = "test-hooks")]
mod pause;
mod read;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::engine::stats::{Counters, EngineStats, LevelStats};
use crate::engine::{self, lock, Inner};
use crate::manifest::TableRecord;
use crate::{Result, StorageConfig, Timestamp, WriteBatch};

pub use read::Snapshot;

/// An open FerrisDB database.
///
/// `StorageEngine` is `Send + Sync`: share it between threads with an `Arc`.
/// Every method takes `&self` except [`close`](Self::close).
///
/// Writes are acknowledged after they reach the write-ahead log as
/// [`StorageConfig::wal_sync_mode`] demands; once acknowledged, a write
/// survives a crash of the kind that mode covers. Reads see every write
/// acknowledged before they started, and under
/// [`SyncMode::Full`](crate::SyncMode::Full) no write that is not yet
/// durable.
#[derive(Debug)]
pub struct StorageEngine {
    inner: Arc<Inner>,
    /// The flush thread and the compaction threads, joined at close.
    threads: Mutex<Vec<JoinHandle<()>>>,
    /// Where reads stop for a test that asks them to (`pause_next_read`).
    #[cfg(feature = "test-hooks")]
    read_pause: pause::PausePoint,
}

impl StorageEngine {
    /// Opens the database in `config.data_dir`, making a new one if the
    /// directory is missing or holds no database and
    /// [`create_if_missing`](StorageConfig::create_if_missing) is on (the
    /// default).
    ///
    /// Takes the directory's lock file, reads the manifest, checks it against
    /// the directory, deletes what a crash left behind, and replays the
    /// write-ahead logs.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument): an invalid
    ///   setting; no database and `create_if_missing` off; a database and
    ///   [`error_if_exists`](StorageConfig::error_if_exists) on.
    /// - [`Error::DatabaseLocked`](crate::Error::DatabaseLocked): another
    ///   open engine, in this process or another, holds the directory.
    /// - A corruption error naming the file: a damaged manifest, table or
    ///   log; a listed table or the oldest needed log missing; tables or logs
    ///   without a `MANIFEST`; a table or log named with a number FerrisDB
    ///   never gives out, or file numbers used up. Such an `open` deletes
    ///   nothing.
    /// - [`Error::Io`](crate::Error::Io): the file system failed.
    pub fn open(config: StorageConfig) -> Result<StorageEngine> {
        let inner = engine::open(config)?;
        let engine = StorageEngine {
            inner: Arc::clone(&inner),
            threads: Mutex::new(Vec::new()),
            #[cfg(feature = "test-hooks")]
            read_pause: pause::PausePoint::default(),
        };
        engine.spawn("ferrisdb-flush".into(), Inner::run_flush_thread)?;
        for i in 0..inner.config.background_threads {
            engine.spawn(
                format!("ferrisdb-compact-{i}"),
                Inner::run_compaction_thread,
            )?;
        }
        Ok(engine)
    }

    fn spawn(&self, name: String, body: fn(Arc<Inner>)) -> Result<()> {
        let inner = Arc::clone(&self.inner);
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || body(inner))
            .map_err(|e| crate::Error::io(&self.inner.dir, e))?;
        lock(&self.threads).push(handle);
        Ok(())
    }

    /// Stores `value` under `key`; returns the write's timestamp.
    pub fn put(&self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.write(WriteBatch::new().put(key, value))
    }

    /// Deletes `key` (writes a tombstone); returns the write's timestamp.
    pub fn delete(&self, key: impl AsRef<[u8]>) -> Result<Timestamp> {
        self.write(WriteBatch::new().delete(key))
    }

    /// Applies every write of `batch` atomically, with one timestamp: after a
    /// crash either all of them are there or none. Within a batch, a later
    /// write to a key replaces an earlier one.
    ///
    /// Readers see the batch once it is acknowledged as the sync mode
    /// demands; under [`SyncMode::Full`](crate::SyncMode::Full), only once it
    /// is durable. If its log sync fails, the batch never becomes visible in
    /// this process and the database stops accepting writes; after a reopen
    /// the batch may be there or not (its bytes may have reached the disk).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a key or
    /// value over the limits; [`Error::Io`](crate::Error::Io) if the log
    /// write or sync failed (the outcome is then unknown, see above);
    /// a corruption error naming the `MANIFEST` once the database's
    /// timestamps are used up (past `MAX_TIMESTAMP`, which only a damaged
    /// manifest or log leads to; nothing is written);
    /// [`Error::Background`](crate::Error::Background) once an earlier
    /// failure stopped the database, until it is reopened.
    pub fn write(&self, batch: WriteBatch) -> Result<Timestamp> {
        self.inner.write(&batch)
    }

    /// Turns the active MemTable into a table and waits until every frozen
    /// MemTable is flushed.
    pub fn flush(&self) -> Result<()> {
        self.inner.flush_all()
    }

    /// Compacts the whole database and returns when done: every table is
    /// merged into the deepest level the compaction style uses, keeping only
    /// the versions live snapshots can see and dropping tombstones with
    /// nothing left to hide.
    pub fn compact(&self) -> Result<()> {
        self.inner.compact_all()
    }

    /// Waits until background work is done: every frozen MemTable flushed and
    /// no compaction left to do. Useful before measuring, or in tests.
    ///
    /// With [`disable_auto_compactions`](StorageConfig::disable_auto_compactions)
    /// no compaction runs in the background, so this returns once the
    /// flushes are done and no compaction is running, however many tables
    /// await a [`compact`](Self::compact) (as RocksDB's `WaitForCompact`).
    ///
    /// # Errors
    ///
    /// [`Error::Background`](crate::Error::Background) once a failure stopped
    /// the database.
    pub fn wait_for_compactions(&self) -> Result<()> {
        self.inner.wait_until_quiet()
    }

    /// Every live table as the manifest records it (level, file number,
    /// size, key range, entry and tombstone counts), in read order: level 0
    /// newest first, then each deeper level by key.
    pub fn live_tables(&self) -> Vec<TableRecord> {
        self.inner.current().version.records()
    }

    /// Space amplification: bytes of live tables on disk divided by the bytes
    /// of live data (the keys and values a full scan returns). Scans the
    /// whole database, so it costs as much as reading it. Returns 0 for an
    /// empty database.
    pub fn space_amplification(&self) -> Result<f64> {
        let on_disk: u64 = self.live_tables().iter().map(|t| t.file_size).sum();
        let mut live = 0u64;
        for item in self.scan::<&[u8], _>(..)? {
            let (key, value) = item?;
            live += (key.len() + value.len()) as u64;
        }
        Ok(if live == 0 {
            0.0
        } else {
            on_disk as f64 / live as f64
        })
    }

    /// Makes every acknowledged write durable now (an fsync of the log),
    /// whatever the sync mode.
    pub fn sync_wal(&self) -> Result<()> {
        let wal = Arc::clone(&lock(&self.inner.write).wal);
        wal.sync()
    }

    /// Writes a consistent copy of the database to `dir`, which must not
    /// exist or be empty: hard links for tables, copies for the rest, and a
    /// manifest last, once the rest is durable. `open` accepts the copy as a
    /// database of its own. A crash midway leaves a directory without a
    /// manifest, which `open` refuses with a corruption error (deleting
    /// nothing) if it holds any table or log: delete it and checkpoint again.
    pub fn checkpoint(&self, dir: impl AsRef<Path>) -> Result<()> {
        self.inner.checkpoint(dir.as_ref())
    }

    /// The engine's counters: MemTables, tables per level, bytes written,
    /// write amplification, block cache hits, stalls.
    pub fn stats(&self) -> EngineStats {
        let inner = &self.inner;
        let current = inner.current();
        let counters = &inner.counters;
        let wal_bytes = lock(&inner.write).wal.bytes_written();
        EngineStats {
            memtable_bytes: current.active.memory_usage(),
            immutable_memtable_bytes: current
                .frozen
                .iter()
                .map(|f| f.memtable.memory_usage())
                .sum(),
            immutable_memtables: current.frozen.len(),
            levels: current
                .version
                .levels
                .iter()
                .map(|tables| LevelStats {
                    tables: tables.len(),
                    bytes: tables.iter().map(|t| t.record.file_size).sum(),
                })
                .collect(),
            wal_bytes_written: wal_bytes,
            user_bytes_written: Counters::get(&counters.user_bytes),
            flush_bytes_written: Counters::get(&counters.flush_bytes),
            compaction_bytes_written: Counters::get(&counters.compaction_bytes),
            compaction_bytes_read: Counters::get(&counters.compaction_bytes_read),
            flushes: Counters::get(&counters.flushes),
            compactions: Counters::get(&counters.compactions),
            compaction_time: std::time::Duration::from_nanos(Counters::get(
                &counters.compaction_nanos,
            )),
            block_cache_hits: inner.block_cache.hits(),
            block_cache_misses: inner.block_cache.misses(),
            live_snapshots: inner.snapshots.timestamps().len(),
            stalls: Counters::get(&counters.stalls),
            stall_time: std::time::Duration::from_nanos(Counters::get(&counters.stall_nanos)),
            recovery_dropped_wal_bytes: Counters::get(&counters.recovery_dropped_wal_bytes),
            recovery_dropped_wal_records: Counters::get(&counters.recovery_dropped_wal_records),
        }
    }

    /// Stops background work and finishes the log: syncs it and seals it, so
    /// the next `open` knows all of it was durable and treats any damage in
    /// it as corruption. Then releases the directory's lock, even if sealing
    /// failed: the database can be opened again, in this process or another.
    /// Dropping the engine does the same, but cannot report an error.
    ///
    /// A [`Snapshot`] or [`Scan`](crate::Scan) still alive keeps working
    /// after `close`, and blocks nothing: it reads the view it was taken at
    /// from the MemTables and open table files it holds, which never change.
    /// A reopened instance may meanwhile write, flush and compact, deleting
    /// tables the old reader still reads through its open files; their
    /// memory and disk space are freed when it is dropped. (RocksDB refuses
    /// to close while snapshots are unreleased; a Rust snapshot is an owned
    /// value that may outlive its engine, so it keeps what it reads.)
    ///
    /// # Errors
    ///
    /// [`Error::Io`](crate::Error::Io) if the final sync or the seal failed
    /// (the next `open` still recovers every acknowledged write), or the
    /// error of an earlier failure that stopped the log.
    pub fn close(self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&self) -> Result<()> {
        if self.inner.lock_released() {
            // Closed already (`close`, then its `Drop`): the lock is gone, so
            // nothing may be written, not even a retry of what failed.
            return Ok(());
        }
        {
            let mut background = lock(&self.inner.background);
            background.shutting_down = true;
            self.inner.background_changed.notify_all();
        }
        for thread in lock(&self.threads).drain(..) {
            // A panic in a background thread has already been reported by the
            // panic hook; the log still holds every acknowledged write.
            let _ = thread.join();
        }
        let wal = Arc::clone(&lock(&self.inner.write).wal);
        // The seal, then its length in the manifest, both before the lock
        // goes: no other instance may open the directory meanwhile.
        let closed = wal
            .seal()
            .and_then(|end| self.inner.record_clean_close(end));
        // Nothing writes through `inner` any more: the threads are joined,
        // and the log is sealed, or failed and refuses everything. A live
        // snapshot may keep `inner`, but not the directory.
        self.inner.release_lock();
        closed
    }
}

impl Drop for StorageEngine {
    fn drop(&mut self) {
        if let Err(error) = self.shutdown() {
            tracing::warn!(%error, "closing the database on drop failed");
        }
    }
}
