//! [`WalWriter`]: appends batches, rotates files, syncs with group commit.
//!
//! This file holds the writer's options and public methods. Its state behind
//! the lock, and the flushing and rotation done while holding it, are in
//! `state.rs`; sharing syncs between threads is in `group_commit.rs`.

use std::path::PathBuf;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use ferrisdb_core::{Error, Result, SyncMode, Timestamp};

use super::format::{FILE_HEADER_SIZE, MAX_RECORD_PREFIX_LEN, RECORD_KIND_BATCH};
use super::fragment::{frame_record, framed_len_upper_bound};
use super::payload::{fill_prefix, reserve_batch};
use crate::fs::SharedFileSystem;
use crate::WriteBatch;

mod group_commit;
mod state;

use state::{new_file, State};

/// Under [`SyncMode::None`], the process buffer is handed to the OS once it
/// holds this many bytes, so memory stays bounded.
const NONE_MODE_BUFFER_LIMIT: usize = 1 << 20;

/// Settings of a [`WalWriter`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WalOptions {
    /// How far each append is pushed towards the disk before it returns.
    pub sync_mode: SyncMode,
    /// A new file is started when the next record would take the current one
    /// past this size. A record larger than the limit gets a file of its own.
    pub max_file_size: u64,
}

impl Default for WalOptions {
    /// [`SyncMode`]'s default (`Normal`), 64 MiB files: the engine's
    /// defaults, which `StorageConfig` takes from here.
    fn default() -> Self {
        WalOptions {
            sync_mode: SyncMode::default(),
            max_file_size: 64 << 20,
        }
    }
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

/// Appends write batches to numbered WAL files; safe to share between threads.
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
/// never without its header. Rotation (at [`WalOptions::max_file_size`], or by
/// [`rotate`](Self::rotate)) and [`seal`](Self::seal) finish the file in
/// every mode: they flush and sync it, append a *seal* record and sync
/// again, so a finished WAL file is complete on disk and says so.
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
    next_file_number: Arc<AtomicU64>,
    options: WalOptions,
    state: Mutex<State>,
    /// Signalled whenever a thread finishes I/O done outside the lock.
    io_done: Condvar,
    /// Signalled when a gathering sync leader has the records it waits for.
    appended: Condvar,
}

impl WalWriter {
    /// Creates WAL file `file_number` in `dir` (which must exist) and a writer
    /// that appends to it. Rotation takes later numbers from
    /// `next_file_number`, the counter the engine shares between WAL files and
    /// tables.
    pub fn create(
        fs: SharedFileSystem,
        dir: impl Into<PathBuf>,
        file_number: u64,
        next_file_number: Arc<AtomicU64>,
        options: WalOptions,
    ) -> Result<WalWriter> {
        if options.max_file_size <= FILE_HEADER_SIZE as u64 {
            return Err(Error::InvalidArgument(format!(
                "WalOptions::max_file_size must exceed the {FILE_HEADER_SIZE}-byte file header, \
                 got {}",
                options.max_file_size
            )));
        }
        let dir = dir.into();
        let (file, path) = new_file(&*fs, &dir, file_number)?;
        let start = WalPosition {
            file_number,
            offset: FILE_HEADER_SIZE as u64,
        };
        Ok(WalWriter {
            fs,
            dir,
            next_file_number,
            options,
            state: Mutex::new(State {
                file_number,
                file: Some(file),
                path,
                buffer: Vec::new(),
                len: start.offset,
                synced: start,
                io_busy: false,
                buffered_records: 0,
                last_group: 0,
                last_sync: Duration::ZERO,
                gathering: false,
                failed: None,
                closed: false,
                bytes_written: start.offset,
            }),
            io_done: Condvar::new(),
            appended: Condvar::new(),
        })
    }

    /// Appends `batch`, stamped with `timestamp`, and returns once the sync
    /// mode's promise holds (see the type's docs). Returns where the record
    /// ends.
    ///
    /// The log takes any batch: the engine checks each key and value against
    /// its limits (`StorageConfig::max_key_size`, `max_value_size`) once,
    /// before it appends.
    pub fn append(&self, batch: &WriteBatch, timestamp: Timestamp) -> Result<WalPosition> {
        let pos = self.append_no_sync(batch, timestamp)?;
        if self.options.sync_mode == SyncMode::Full {
            self.sync_to(pos)?;
        }
        Ok(pos)
    }

    /// Appends `batch` without syncing: under `None` and `Full` it is framed
    /// into the process buffer, under `Normal` it is also handed to the OS.
    /// Follow with [`sync_to`](Self::sync_to) for durability.
    pub fn append_no_sync(&self, batch: &WriteBatch, timestamp: Timestamp) -> Result<WalPosition> {
        self.append_with(batch, timestamp, self.options.sync_mode)
    }

    /// [`append_no_sync`](Self::append_no_sync) for one write whose sync
    /// mode is `mode` rather than the log's (a per-write
    /// `WriteOptions::sync`): under `Normal` the buffer, this record and
    /// every one before it, is handed to the OS; under `None` and `Full` the
    /// record stays buffered until a sync, a flush or a full buffer.
    pub fn append_with(
        &self,
        batch: &WriteBatch,
        timestamp: Timestamp,
        mode: SyncMode,
    ) -> Result<WalPosition> {
        // Encoded before taking the lock, with room for the record's prefix,
        // whose durable length is only known under the lock.
        let mut payload = reserve_batch(batch, timestamp);
        let mut st = self.lock()?;
        st.check_usable()?;
        // Room for this record and for the seal that finishes the file.
        let upper_bound = framed_len_upper_bound(payload.len())
            .saturating_add(framed_len_upper_bound(MAX_RECORD_PREFIX_LEN));
        if st.len > FILE_HEADER_SIZE as u64
            && st.len.saturating_add(upper_bound) > self.options.max_file_size
        {
            st = self.rotate_locked(st)?.0;
        }
        let start = fill_prefix(
            &mut payload,
            RECORD_KIND_BATCH,
            st.file_number,
            st.durable_len(),
        );
        let start_len = st.len;
        st.len = frame_record(&payload[start..], start_len, &mut st.buffer);
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
    /// in a new one with the next file number, which it returns.
    pub fn rotate(&self) -> Result<u64> {
        let st = self.lock()?;
        st.check_usable()?;
        self.rotate_locked(st).map(|(_, number)| number)
    }

    /// The number of the file being written.
    pub fn current_file_number(&self) -> u64 {
        self.lock().map(|st| st.file_number).unwrap_or(0)
    }

    /// Bytes this writer has appended over all its files (headers, framing
    /// and padding included), counting those still in the process buffer.
    pub fn bytes_written(&self) -> u64 {
        self.lock().map(|st| st.bytes_written).unwrap_or(0)
    }

    /// Finishes the log: flushes and syncs every record, appends the seal
    /// (synced too), and closes the file. Recovery then knows the whole file
    /// was durable, so damage anywhere in it is corruption, not a torn tail.
    /// Later appends fail with [`Error::Closed`]; sealing again does nothing.
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
