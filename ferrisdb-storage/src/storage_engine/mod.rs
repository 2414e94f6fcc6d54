//! [`StorageEngine`]: the embeddable database, as a cheap `Clone` handle
//! (the crate's root shows it at work).
//!
//! This file holds the handle and its lifecycle (open, close, drop); the
//! writes are in `write.rs` (range deletes in `range_delete.rs`), the reads
//! in `read.rs`, [`Snapshot`] in
//! `snapshot.rs`, the [`Keyspace`] handle in `keyspace.rs` and the
//! keyspaces by name in `keyspaces.rs`, and flush, compaction, checkpoints
//! and stats in `maintenance.rs`.

mod keyspace;
mod keyspaces;
mod maintenance;
#[cfg(feature = "test-hooks")]
mod pause;
mod range_delete;
mod read;
mod read_modify_write;
mod repair;
mod snapshot;
mod transaction;
mod write;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock, RwLockReadGuard};
use std::thread::JoinHandle;

use crate::engine::{self, lock, Inner};
use crate::{Error, Result, StorageConfig};

pub use keyspace::Keyspace;
pub use read_modify_write::TRANSACTION_ATTEMPTS;
pub use snapshot::Snapshot;
pub use transaction::{Transaction, TransactionScan};

/// An open FerrisDB database.
///
/// `StorageEngine` is a cheap handle: clone it to share the database between
/// threads or components (a clone is one reference count, as fjall's
/// `Database` or an `Arc`). Every method takes `&self` except
/// [`close`](Self::close).
///
/// Writes are acknowledged after they reach the write-ahead log as their
/// sync mode demands ([`StorageConfig::wal_sync_mode`], or
/// [`WriteOptions::sync`](crate::WriteOptions::sync) for one write); once
/// acknowledged, a write survives a crash of the kind that mode covers.
/// Reads see every write acknowledged before they started, and never a
/// `SyncMode::Full` write that is not yet durable.
///
/// The methods of the engine read and write the keyspace `default`, which
/// every database has; [`keyspace`](Self::keyspace) gives a [`Keyspace`]
/// handle to it.
///
/// # Closing
///
/// The database closes when [`close`](Self::close) is called on any handle,
/// or when the last handle is dropped. After that, every method of every
/// handle that can fail returns [`Error::Closed`] (the database is never
/// reopened behind a handle's back, and nothing panics); `stats()` and
/// `live_tables()` report the state the database closed in. The directory's
/// lock is released as the database closes, so it can be opened again at
/// once, in this process or another. [`Snapshot`]s and
/// [`Scan`](crate::Scan)s made before the close keep reading the view they
/// were made at.
#[derive(Debug, Clone)]
pub struct StorageEngine {
    handle: Arc<Handle>,
}

/// What every clone of a [`StorageEngine`] shares; dropping the last one
/// closes the database.
#[derive(Debug)]
struct Handle {
    inner: Arc<Inner>,
    /// The flush thread and the compaction threads, joined at close; `None`
    /// once a close has taken them, which is how a second close knows.
    threads: Mutex<Option<Vec<JoinHandle<()>>>>,
    /// Set as a close starts: from then on, calls are refused with
    /// [`Error::Closed`].
    closed: AtomicBool,
    /// Held (shared) by the calls that write files on the caller's thread
    /// outside the log, `compact` and `checkpoint`; a close takes it
    /// exclusively, so none of them is still writing when the directory's
    /// lock goes.
    gate: RwLock<()>,
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
    /// - [`Error::InvalidArgument`]: an invalid setting (the message names
    ///   it); no database and `create_if_missing` off; a database and
    ///   [`error_if_exists`](StorageConfig::error_if_exists) on.
    /// - [`Error::DatabaseLocked`]: another open engine, in this process or
    ///   another, holds the directory.
    /// - [`Error::UnsupportedFormat`]: a newer FerrisDB wrote the database in
    ///   a format this one does not support (a newer format version, or a
    ///   feature it does not know and may not ignore); the error names the
    ///   manifest and what it needs, and the `open` reads no other file and
    ///   changes nothing.
    /// - A corruption error naming the file: a damaged manifest, table or
    ///   log; a listed table or the oldest needed log missing; tables or logs
    ///   without a `MANIFEST`; a table or log named with a number FerrisDB
    ///   never gives out, or file numbers used up. Such an `open` deletes
    ///   nothing.
    /// - [`Error::Io`]: the file system failed.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
    /// # let tmp = tempfile::tempdir().unwrap();
    /// let dir = tmp.path().join("db"); // missing: `open` makes it
    /// let db = StorageEngine::open(StorageConfig::new(&dir))?;
    /// // One instance at a time holds a directory.
    /// let second = StorageEngine::open(StorageConfig::new(&dir));
    /// assert!(matches!(second, Err(Error::DatabaseLocked { .. })));
    /// // `create_if_missing: false` opens only a database that exists.
    /// let typo = tmp.path().join("dbb");
    /// let config = StorageConfig { create_if_missing: false, ..StorageConfig::new(typo) };
    /// assert!(matches!(StorageEngine::open(config), Err(Error::InvalidArgument(_))));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn open(config: StorageConfig) -> Result<StorageEngine> {
        let inner = engine::open(config)?;
        let engine = StorageEngine::of(Arc::clone(&inner));
        // If a spawn fails, dropping `engine` joins the threads started.
        engine.spawn("ferrisdb-flush".into(), Inner::run_flush_thread)?;
        for i in 0..inner.config.background_threads {
            engine.spawn(
                format!("ferrisdb-compact-{i}"),
                Inner::run_compaction_thread,
            )?;
        }
        Ok(engine)
    }

    /// Opens the database in `config.data_dir` read-only, beside the
    /// process that has it open for writing, if any: it takes no lock and
    /// writes nothing, and two or more read-only instances may read while a
    /// writer writes.
    ///
    /// It reads the database as the writer last left it: the tables of the
    /// newest manifest and the writes of its logs, including those the
    /// writer has handed to the operating system but not yet synced (never a
    /// record still being appended). It serves reads from that view, with
    /// the same methods as a writable instance; every method that writes
    /// (a write, `flush`, `compact`, `checkpoint`, `sync_wal`, making or
    /// dropping a keyspace) returns [`Error::ReadOnly`], and
    /// [`keyspace`](Self::keyspace) finds only the keyspaces that exist.
    /// [`catch_up`](Self::catch_up) moves it to the writer's newer state.
    ///
    /// It keeps every table of its view open, so a table the writer deletes
    /// meanwhile (compacted away) stays readable until the view moves on,
    /// and it holds the replayed logs' writes in memory: as much as the
    /// writer's unflushed MemTables. Each table takes a file descriptor for
    /// as long as the view holds it (`max_open_files` does not apply), so a
    /// reader of a database of many tables needs a file limit (`ulimit -n`)
    /// above its table count.
    ///
    /// # Errors
    ///
    /// - [`Error::InvalidArgument`]: an invalid setting.
    /// - [`Error::UnsupportedFormat`]: as [`open`](Self::open).
    /// - A corruption error naming the file: no manifest (a read-only open
    ///   never makes a database), or a damaged manifest, table or log.
    /// - [`Error::Io`]: the file system failed, or the writer replaced the
    ///   manifest under every one of many attempts to load it.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
    ///
    /// # let dir = tempfile::tempdir().unwrap();
    /// let writer = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// writer.put("k", "first")?;
    /// let reader = StorageEngine::open_read_only(StorageConfig::new(dir.path()))?;
    /// assert_eq!(reader.get("k")?.as_deref(), Some(&b"first"[..]));
    /// assert!(matches!(reader.put("k", "x"), Err(Error::ReadOnly { .. })));
    ///
    /// writer.put("k", "second")?;
    /// writer.flush()?;
    /// assert_eq!(reader.get("k")?.as_deref(), Some(&b"first"[..]));
    /// reader.catch_up()?;
    /// assert_eq!(reader.get("k")?.as_deref(), Some(&b"second"[..]));
    /// # Ok::<(), Error>(())
    /// ```
    pub fn open_read_only(config: StorageConfig) -> Result<StorageEngine> {
        Ok(StorageEngine::of(engine::open_read_only(config)?))
    }

    /// A handle to `inner`, with no thread started yet.
    fn of(inner: Arc<Inner>) -> StorageEngine {
        StorageEngine {
            handle: Arc::new(Handle {
                inner,
                threads: Mutex::new(Some(Vec::new())),
                closed: AtomicBool::new(false),
                gate: RwLock::new(()),
                #[cfg(feature = "test-hooks")]
                read_pause: pause::PausePoint::default(),
            }),
        }
    }

    fn spawn(&self, name: String, body: fn(Arc<Inner>)) -> Result<()> {
        let inner = Arc::clone(&self.handle.inner);
        let thread = name.clone();
        let handle = std::thread::Builder::new()
            .name(name)
            .spawn(move || {
                // A panic (a bug) stops the engine as a failure does, instead
                // of leaving the writers and `flush` waiting for a thread
                // that is gone. The panic hook has already reported it.
                let run = std::panic::AssertUnwindSafe(|| body(Arc::clone(&inner)));
                if std::panic::catch_unwind(run).is_err() {
                    inner.set_background_error(Error::io(
                        &inner.dir,
                        std::io::Error::other(format!(
                            "the background thread {thread} panicked (a bug in FerrisDB; please \
                             report it); reopen the database to recover from the log"
                        )),
                    ));
                }
            })
            .map_err(|e| Error::io(&self.handle.inner.dir, e))?;
        if let Some(threads) = lock(&self.handle.threads).as_mut() {
            threads.push(handle);
        }
        Ok(())
    }

    /// The engine behind this handle, unless the database is closed.
    ///
    /// Relaxed is enough: the flag only turns calls away early. A call that
    /// passes it while a close runs is safe without it: a write meets the
    /// sealed log (which refuses appends with [`Error::Closed`]) or is
    /// appended before the seal, which makes it durable; a stalled writer, a
    /// flush or a wait for the background threads gets [`Error::Closed`]; a
    /// read reads files that stay open while it holds them. The calls that
    /// write other files go through [`inner_gated`](Self::inner_gated).
    fn inner(&self) -> Result<&Arc<Inner>> {
        if self.handle.closed.load(Ordering::Relaxed) {
            return Err(Error::Closed);
        }
        Ok(&self.handle.inner)
    }

    /// [`inner`](Self::inner) for a call that writes tables, a manifest or
    /// a copy on the caller's thread (`compact`, `checkpoint`, creating,
    /// changing and dropping keyspaces): the guard
    /// keeps a close waiting until the call is done, and the flag is checked
    /// under it, so no such call starts once a close has begun.
    fn inner_gated(&self) -> Result<(RwLockReadGuard<'_, ()>, &Arc<Inner>)> {
        let guard = self
            .handle
            .gate
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        Ok((guard, self.inner()?))
    }

    /// Stops background work and finishes the log: syncs it and seals it, so
    /// the next `open` knows all of it was durable and treats any damage in
    /// it as corruption. Then releases the directory's lock, even if sealing
    /// failed: the database can be opened again, in this process or another.
    /// Every other handle is closed too (see [Closing](Self#closing));
    /// dropping the last handle does the same as `close`, but cannot report
    /// an error.
    ///
    /// A [`Snapshot`] or [`Scan`](crate::Scan) still alive keeps working after
    /// `close`, and blocks nothing: it reads the view it was taken at from the
    /// MemTables and open table files it holds, which never change. A reopened
    /// instance may meanwhile write, flush and compact, deleting tables the old
    /// reader still reads through its open files; their memory and disk space
    /// are freed when it is dropped. The old reader itself deletes no file once
    /// the database is closed: a table that the closed engine had compacted
    /// away is deleted by the next `open`. (RocksDB refuses to close while
    /// snapshots are unreleased; a Rust snapshot is an owned value that may
    /// outlive its engine, so it keeps what it reads.)
    ///
    /// # Errors
    ///
    /// - [`Error::Io`] if the final sync or the seal failed (the next `open`
    ///   still recovers every acknowledged write), or the error of an
    ///   earlier failure that stopped the log.
    /// - [`Error::Closed`] if the database was closed already, through this
    ///   handle's clone or another.
    ///
    /// # Examples
    ///
    /// ```
    /// # use ferrisdb_storage::{Error, StorageConfig, StorageEngine};
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let other = db.clone();
    /// db.put("k", "v")?;
    /// db.close()?;
    /// assert!(matches!(other.get("k"), Err(Error::Closed))); // every handle
    ///
    /// // The lock is released: the directory opens again at once.
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// assert_eq!(db.get("k")?.unwrap(), "v");
    /// # Ok::<(), Error>(())
    /// ```
    pub fn close(self) -> Result<()> {
        self.handle.shutdown()
    }

    /// The longest key this database takes, its `max_key_size`: for a
    /// layer above that must know before it commits to a write that the
    /// write will be taken (a replicated log checks it at open).
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] once the database is closed.
    pub fn max_key_size(&self) -> Result<usize> {
        Ok(self.inner()?.config.max_key_size)
    }

    /// The longest value this database takes, its `max_value_size`; see
    /// [`max_key_size`](Self::max_key_size).
    ///
    /// # Errors
    ///
    /// [`Error::Closed`] once the database is closed.
    pub fn max_value_size(&self) -> Result<usize> {
        Ok(self.inner()?.config.max_value_size)
    }
}

impl Handle {
    /// Closes the database, once: a second call gets [`Error::Closed`]. The
    /// `threads` mutex is held throughout, so two closes never interleave.
    fn shutdown(&self) -> Result<()> {
        let mut threads = lock(&self.threads);
        let Some(running) = threads.take() else {
            return Err(Error::Closed);
        };
        self.closed.store(true, Ordering::Relaxed);
        {
            let mut background = lock(&self.inner.background);
            background.shutting_down = true;
            // Relaxed: the flag only asks merges to stop early; what they
            // leave is ordered by the joins and the gate below.
            self.inner.stopping.store(true, Ordering::Relaxed);
            self.inner.background_changed.notify_all();
        }
        // Wait for a `compact` or `checkpoint` under way on another handle:
        // told to shut down above, a compaction waiting for its turn stops,
        // and one that is merging stops at its next version (its unfinished
        // outputs are deleted, and the manifest never names them).
        let _gate = self
            .gate
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        for thread in running {
            // A panic in a background thread has already been reported by the
            // panic hook; the log still holds every acknowledged write.
            let _ = thread.join();
        }
        // The seal, then its length in the manifest, both before the lock
        // goes: no other instance may open the directory meanwhile. A
        // read-only instance has neither log nor lock.
        let closed = match &self.inner.wal {
            Some(wal) => wal
                .seal()
                .and_then(|end| self.inner.record_clean_close(end)),
            None => Ok(()),
        };
        // Nothing writes through `inner` any more: the threads are joined,
        // and the log is sealed, or failed and refuses everything. A live
        // snapshot may keep `inner`, but not the directory.
        self.inner.versions.release_lock();
        closed
    }
}

impl Drop for Handle {
    /// The last handle is gone: close the database unless `close` did.
    fn drop(&mut self) {
        match self.shutdown() {
            Ok(()) | Err(Error::Closed) => {}
            Err(error) => tracing::warn!(%error, "closing the database on drop failed"),
        }
    }
}
