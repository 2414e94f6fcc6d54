//! [`WalWriter`]: appends records, finishes a file and starts the next,
//! syncs with group commit.
//!
//! This file holds the writer's options and public methods. Its state behind
//! the lock, and the flushing and rotation done while holding it, are in
//! `state.rs`; sharing syncs between threads is in `group_commit.rs`.

use std::path::PathBuf;
use std::sync::{Condvar, Mutex};

use ferrisdb_core::{Result, SyncMode};

use super::format::{MAX_RECORD_PREFIX_LEN, RECORD_KIND_DATA};
use super::fragment::{frame_record, framed_len_upper_bound};
use super::payload::encode_prefix;
use crate::fs::SharedFileSystem;

mod group_commit;
mod state;

use state::{name_file, new_file, unnamed_file, State};

/// Under [`SyncMode::None`], the process buffer is handed to the OS once it
/// holds this many bytes, so memory stays bounded.
const NONE_MODE_BUFFER_LIMIT: usize = 1 << 20;

/// An upper bound of the length of a log file now `len` bytes long once a
/// record of `payload_len` payload bytes, and the seal that finishes the
/// file, are appended: what a caller that rotates at a size limit checks
/// before the append.
pub fn len_after_append(len: u64, payload_len: usize) -> u64 {
    let record = framed_len_upper_bound(MAX_RECORD_PREFIX_LEN.saturating_add(payload_len));
    let seal = framed_len_upper_bound(MAX_RECORD_PREFIX_LEN);
    len.saturating_add(record).saturating_add(seal)
}

/// Settings of a [`WalWriter`]. The default, [`SyncMode`]'s (`Normal`), is
/// the engine's, which `StorageConfig` takes from here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WalOptions {
    /// How far each append is pushed towards the disk before it returns.
    pub sync_mode: SyncMode,
}

/// Where a record ends in the log: its file and the offset just past its last
/// byte. Positions are ordered like the log: by file number, then offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct WalPosition {
    /// The number of the WAL file that holds the record.
    pub file_number: u64,
    /// The offset just past the record's last byte in that file.
    pub offset: u64,
}

/// Appends records to numbered WAL files; safe to share between threads.
///
/// A record's payload is bytes the caller gives, which the log never looks
/// into; a reader gives them back as they were. The caller also numbers the
/// files and decides when the log moves on to the next one
/// ([`rotate`](Self::rotate)): the log is a plain appender of bytes.
///
/// # Durability
///
/// [`append`](Self::append) keeps the promise of [`WalOptions::sync_mode`]:
///
/// - `None`: the record is framed into a buffer inside the process. It reaches
///   the OS when the buffer passes 1 MiB, on [`flush`](Self::flush),
///   [`sync`](Self::sync), rotation and [`close`](Self::close) (and, best
///   effort, on drop).
/// - `Normal`: the record is handed to the OS (`write`) before the call returns.
/// - `Full`: the record is on stable storage (`fdatasync`) before the call
///   returns. Concurrent appenders share syncs (group commit): a thread whose
///   record is already covered by another thread's sync returns without
///   syncing; while one thread syncs, the others frame their records into the
///   process buffer, and the next sync writes and covers them all.
///
/// Appending is two steps the engine may call separately, sequencing writes
/// under its own lock and waiting for durability outside it:
/// [`append_no_sync`](Self::append_no_sync) then [`sync_to`](Self::sync_to).
///
/// # Files
///
/// Every new file (the first one and each rotation) gets its header written
/// and synced under a temporary name (`NNNNNN.wal.tmp`), then is renamed and
/// its directory synced, in every mode: its name survives a power loss, and
/// never without its header (a first file made by
/// [`create_unnamed`](Self::create_unnamed) is renamed when
/// [`name`](Self::name) is called). [`rotate`](Self::rotate) and
/// [`seal`](Self::seal) finish the file in every mode: they flush and sync
/// it, append a *seal* record and sync again, so a finished WAL file is
/// complete on disk and says so.
///
/// A sync whose records reach past the file's size makes it 1 MiB longer,
/// with zeros, so the syncs of records written over them commit no new size
/// (`group_commit.rs`); sealing cuts the rest off, and a crash leaves it, a
/// zero tail readers take for the end of the log (`docs/format/wal.md`).
///
/// Every record carries the file's durable length when it was framed (how
/// many bytes a completed sync covered), so recovery can tell damage a crash
/// leaves behind (past every durable length) from damage it cannot (inside
/// one). Carrying it costs a few bytes per record and no extra sync.
///
/// # Errors
///
/// Once an I/O call fails, the writer cannot know what reached the disk. It
/// remembers the failure: every later append, flush, sync and rotation returns
/// an error naming the first failure, so no write is acknowledged after it.
/// Reopen the database to recover from the log.
#[derive(Debug)]
pub struct WalWriter {
    fs: SharedFileSystem,
    dir: PathBuf,
    options: WalOptions,
    state: Mutex<State>,
    /// Signalled whenever a thread finishes I/O done outside the lock.
    io_done: Condvar,
    /// Signalled when a gathering sync leader has the records it waits for.
    appended: Condvar,
}

impl WalWriter {
    /// Creates WAL file `file_number` in `dir` (which must exist) and a writer
    /// that appends to it.
    ///
    /// # Errors
    ///
    /// The I/O error of creating, writing, syncing or renaming the file.
    pub fn create(
        fs: SharedFileSystem,
        dir: impl Into<PathBuf>,
        file_number: u64,
        options: WalOptions,
    ) -> Result<WalWriter> {
        let dir = dir.into();
        let created = new_file(&*fs, &dir, file_number)?;
        Ok(Self::with_file(
            fs,
            dir,
            file_number,
            options,
            created,
            false,
        ))
    }

    /// [`create`](Self::create)s WAL file `file_number`, but leaves it under
    /// its temporary name (`NNNNNN.wal.tmp`, header synced, the name made
    /// durable) until [`name`](Self::name) gives it its own: a log that
    /// does not yet count as one of the directory's logs. The engine's
    /// `open` starts its log this way, and names it once the manifest that
    /// retires the logs before it is durable. Name it before appending or
    /// rotating.
    ///
    /// # Errors
    ///
    /// The I/O error of creating, writing or syncing the file, or of syncing
    /// the directory.
    pub fn create_unnamed(
        fs: SharedFileSystem,
        dir: impl Into<PathBuf>,
        file_number: u64,
        options: WalOptions,
    ) -> Result<WalWriter> {
        let dir = dir.into();
        let created = unnamed_file(&*fs, &dir, file_number)?;
        fs.sync_dir(&dir)?;
        Ok(Self::with_file(
            fs,
            dir,
            file_number,
            options,
            created,
            true,
        ))
    }

    /// Gives the file [`create_unnamed`](Self::create_unnamed) made its own
    /// name, durably (rename, then directory sync). Does nothing for a file
    /// that has it.
    ///
    /// # Errors
    ///
    /// The I/O error of the rename or the directory sync.
    pub fn name(&self) -> Result<()> {
        let mut st = self.lock()?;
        if st.unnamed {
            name_file(&*self.fs, &self.dir, st.file_number)?;
            st.unnamed = false;
        }
        Ok(())
    }

    fn with_file(
        fs: SharedFileSystem,
        dir: PathBuf,
        file_number: u64,
        options: WalOptions,
        created: (Box<dyn crate::fs::WritableFile>, PathBuf),
        unnamed: bool,
    ) -> WalWriter {
        WalWriter {
            fs,
            dir,
            options,
            state: Mutex::new(State::new(file_number, created, unnamed)),
            io_done: Condvar::new(),
            appended: Condvar::new(),
        }
    }

    /// Appends one record whose payload is the concatenation of `payload`'s
    /// slices (so a caller can put a header before its bytes without copying
    /// them), and returns once the sync mode's promise holds (see the type's
    /// docs). Returns where the record ends.
    ///
    /// The log takes any payload: what it holds is checked by its caller
    /// (the engine checks each key and value against its limits once,
    /// before it appends).
    ///
    /// # Errors
    ///
    /// The I/O error of the write or sync, or the earlier failure that
    /// stopped the writer; [`Error::Closed`](crate::Error::Closed) once
    /// sealed.
    pub fn append(&self, payload: &[&[u8]]) -> Result<WalPosition> {
        let pos = self.append_no_sync(payload)?;
        if self.options.sync_mode == SyncMode::Full {
            self.sync_to(pos)?;
        }
        Ok(pos)
    }

    /// Appends a record without syncing: under `None` and `Full` it is
    /// framed into the process buffer, under `Normal` it is also handed to
    /// the OS. Follow with [`sync_to`](Self::sync_to) for durability.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    pub fn append_no_sync(&self, payload: &[&[u8]]) -> Result<WalPosition> {
        self.append_with(payload, self.options.sync_mode)
    }

    /// [`append_no_sync`](Self::append_no_sync) for one write whose sync
    /// mode is `mode` rather than the log's (a per-write
    /// `WriteOptions::sync`): under `Normal` the buffer, this record and
    /// every one before it, is handed to the OS; under `None` and `Full` the
    /// record stays buffered until a sync, a flush or a full buffer.
    ///
    /// # Errors
    ///
    /// As [`append`](Self::append).
    pub fn append_with(&self, payload: &[&[u8]], mode: SyncMode) -> Result<WalPosition> {
        let mut st = self.lock()?;
        st.check_usable()?;
        debug_assert!(!st.unnamed, "appended to a log before naming it");
        // The prefix holds the durable length, known only under the lock.
        let mut prefix = [0; MAX_RECORD_PREFIX_LEN];
        let prefix_len = encode_prefix(
            &mut prefix,
            RECORD_KIND_DATA,
            st.file_number,
            st.durable_len(),
        );
        let start_len = st.len;
        st.len = frame_record(&prefix[..prefix_len], payload, start_len, &mut st.buffer);
        st.bytes_written += st.len - start_len;
        st.buffered_records += 1;
        if st.gathering && st.buffered_records >= st.last_group {
            self.appended.notify_one();
        }
        let pos = WalPosition {
            file_number: st.file_number,
            offset: st.len,
        };
        match mode {
            SyncMode::Normal => {
                drop(self.flush_locked(st)?);
            }
            SyncMode::None if st.buffer.len() >= NONE_MODE_BUFFER_LIMIT && !st.io_busy => {
                drop(self.flush_locked(st)?);
            }
            _ => {}
        }
        Ok(pos)
    }

    /// Hands every buffered record to the OS.
    pub fn flush(&self) -> Result<()> {
        let st = self.lock()?;
        st.check_usable()?;
        self.flush_locked(st).map(drop)
    }

    /// Makes every record appended so far durable.
    pub fn sync(&self) -> Result<()> {
        let end = {
            let st = self.lock()?;
            st.check_usable()?;
            WalPosition {
                file_number: st.file_number,
                offset: st.len,
            }
        };
        self.sync_to(end)
    }

    /// Finishes the current file (flushed, synced and sealed) and continues
    /// in a new one, numbered `file_number`, which must be above the
    /// current file's number (positions are ordered by file number). Returns
    /// where the new file's records start.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// number not above the current one (nothing is done); the I/O error of
    /// finishing the current file or creating the new one, after which the
    /// writer is stopped.
    pub fn rotate(&self, file_number: u64) -> Result<WalPosition> {
        let st = self.lock()?;
        st.check_usable()?;
        self.rotate_locked(st, file_number).map(|st| st.end())
    }

    /// The number of the file being written.
    pub fn current_file_number(&self) -> u64 {
        self.lock().map(|st| st.file_number).unwrap_or(0)
    }

    /// Where the log ends now: the file being written and its length, the
    /// records still in the process buffer included.
    pub fn end(&self) -> WalPosition {
        self.lock().map(|st| st.end()).unwrap_or(WalPosition {
            file_number: 0,
            offset: 0,
        })
    }

    /// Bytes this writer has appended over all its files (headers, framing
    /// and padding included), counting those still in the process buffer.
    pub fn bytes_written(&self) -> u64 {
        self.lock().map(|st| st.bytes_written).unwrap_or(0)
    }

    /// Finishes the log: flushes and syncs every record, appends the seal
    /// (synced too), and closes the file. Recovery then knows the whole file
    /// was durable, so damage anywhere in it is corruption, not a torn tail.
    /// Later appends fail with [`Error::Closed`](crate::Error::Closed); sealing
    /// again does nothing.
    /// Returns where the log ends: the number and final length of its file.
    ///
    /// # Errors
    ///
    /// The I/O error of a failed write or sync, or the earlier failure that
    /// stopped the writer.
    pub fn seal(&self) -> Result<WalPosition> {
        let st = self.lock()?;
        if !st.closed || st.failed.is_some() {
            st.check_usable()?;
            let mut st = self.seal_locked(st)?;
            st.closed = true;
            st.file = None;
            return Ok(st.end());
        }
        Ok(st.end())
    }

    /// [`seal`](Self::seal)s the log and drops the writer.
    ///
    /// # Errors
    ///
    /// As [`seal`](Self::seal).
    pub fn close(self) -> Result<()> {
        self.seal().map(drop)
    }
}

impl Drop for WalWriter {
    /// Hands buffered records to the OS, best effort; use
    /// [`close`](WalWriter::close) to see errors and sync.
    ///
    /// A writer that failed writes nothing more: its file may already end in
    /// a hole where a write failed, and records after the hole would turn a
    /// log that recovery can cut at the hole into one with valid data past
    /// damage.
    fn drop(&mut self) {
        if let Ok(st) = self.state.get_mut() {
            if st.failed.is_some() {
                return;
            }
            if let (Some(file), false) = (st.file.as_mut(), st.buffer.is_empty()) {
                let _ = file.append(&st.buffer);
                st.buffer.clear();
            }
        }
    }
}

#[cfg(test)]
mod tests;
