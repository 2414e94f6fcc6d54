//! The table cache: at most `max_open_files` table files open at once, as
//! LevelDB's and RocksDB's `TableCache`.
//!
//! Each table file has one [`TableFile`], shared by every live table that
//! lists it (a moved table is the same file at another level). It holds the
//! file's reader while open. A read finds it without a lock, in an
//! [`ArcSwapOption`]; when more files are open than allowed, the cache closes
//! the least recently used ones, CLOCK-style: a file read since the hand last
//! passed gets a second chance. A closed file is reopened by its next read.
//! A reader in use stays open until its user lets go, so the cap bounds the
//! files kept open for later, not those being read this instant.
//!
//! Every change of a file between open and closed, and the count of open
//! files and of their readers' bytes, happens under the `ring` lock, so the
//! counts are exact.
//!
//! A file's range tombstones are decoded when it is first opened and kept
//! by its `TableFile` for its life, open or closed: reads and compaction
//! consult them without I/O, however small `max_open_files` is.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, Weak};

use arc_swap::ArcSwapOption;

use crate::fs::SharedFileSystem;
use crate::lock::{lock, DirectoryLock};
use crate::manifest::TableRecord;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::{next_file_id, BlockCache, TableReader};
use crate::{Error, Result};

/// The fewest open files sweeps of dropped files' entries count on, so a
/// cache with few files open does not sweep at every open.
const SWEEP_AT_LEAST: usize = 16;

/// The open table files, and which to close next.
#[derive(Debug)]
pub(crate) struct TableCache {
    fs: SharedFileSystem,
    block_cache: Arc<BlockCache>,
    capacity: usize,
    ring: Mutex<Ring>,
}

#[derive(Debug, Default)]
struct Ring {
    /// Files in the order they were opened; the front is the next to be
    /// considered for closing. Files dropped since are skipped.
    files: VecDeque<Weak<TableFile>>,
    /// How many files are open.
    open: usize,
    /// The [`TableReader::memory_usage`] of their readers, summed.
    reader_bytes: usize,
}

impl Ring {
    /// Counts `reader` as open.
    fn opened(&mut self, reader: &TableReader) {
        self.open += 1;
        self.reader_bytes += reader.memory_usage();
    }

    /// Counts `reader` as closed.
    fn closed(&mut self, reader: &TableReader) {
        self.open -= 1;
        self.reader_bytes -= reader.memory_usage();
    }
}

/// One table file: its path and, while open, its reader.
#[derive(Debug)]
pub(crate) struct TableFile {
    path: PathBuf,
    /// What the manifest records of the file: every open checks the file
    /// matches it.
    record: TableRecord,
    /// The block cache's id for this file: the same across reopens, so its
    /// cached blocks stay valid.
    cache_id: u64,
    reader: ArcSwapOption<TableReader>,
    /// The file's range tombstones, from its first open; kept while the
    /// file is closed.
    range_tombstones: Arc<FragmentedTombstones>,
    /// Read since the clock hand last passed.
    referenced: AtomicBool,
    /// Serializes reopening, so a file is opened once however many readers
    /// find it closed.
    opening: Mutex<()>,
    cache: Arc<TableCache>,
    /// Set once a durable manifest no longer lists the file; it is deleted
    /// when the last table (in any version) and reader let go of it.
    obsolete: AtomicBool,
    /// The engine's hold on the directory: an obsolete file is deleted only
    /// while it lasts.
    dir_lock: DirectoryLock,
}

impl TableCache {
    /// A cache keeping at most `capacity` (at least 1) files open, reading
    /// blocks through `block_cache`.
    pub(crate) fn new(fs: SharedFileSystem, block_cache: Arc<BlockCache>, capacity: usize) -> Self {
        TableCache {
            fs,
            block_cache,
            capacity: capacity.max(1),
            ring: Mutex::new(Ring::default()),
        }
    }

    /// Opens the table file at `path`, which `record` describes, verifying
    /// its footer, index, filter and properties, and that it is the table
    /// `record` describes.
    ///
    /// # Errors
    ///
    /// The error of opening the table; [`Error::Corruption`] naming the file
    /// if it is not the table `record` describes.
    pub(crate) fn open(
        self: &Arc<Self>,
        path: &Path,
        record: &TableRecord,
        dir_lock: &DirectoryLock,
    ) -> Result<Arc<TableFile>> {
        let cache_id = next_file_id();
        let reader = self.open_reader(path, record, cache_id)?;
        let file = Arc::new(TableFile {
            path: path.to_path_buf(),
            record: record.clone(),
            cache_id,
            reader: ArcSwapOption::empty(),
            range_tombstones: Arc::clone(reader.range_tombstones()),
            referenced: AtomicBool::new(true),
            opening: Mutex::new(()),
            cache: Arc::clone(self),
            obsolete: AtomicBool::new(false),
            dir_lock: Arc::clone(dir_lock),
        });
        self.install(&file, reader);
        Ok(file)
    }

    /// How many table files are open.
    pub(crate) fn open_files(&self) -> usize {
        lock(&self.ring).open
    }

    /// Bytes the open files' readers hold in memory (their indexes and
    /// filters; see [`TableReader::memory_usage`]). A reader closed while
    /// in use stays in memory until its user lets go, uncounted.
    pub(crate) fn open_reader_bytes(&self) -> usize {
        lock(&self.ring).reader_bytes
    }

    fn open_reader(
        &self,
        path: &Path,
        record: &TableRecord,
        cache_id: u64,
    ) -> Result<Arc<TableReader>> {
        let reader = TableReader::open_with_cache_id(
            &self.fs,
            path,
            Some(Arc::clone(&self.block_cache)),
            cache_id,
        )?;
        check_record(record, &reader)?;
        Ok(reader)
    }

    /// Makes `reader` the open reader of `file`, then closes files until no
    /// more than `capacity` are open.
    fn install(&self, file: &Arc<TableFile>, reader: Arc<TableReader>) {
        // Files this closes may be dropped here, and a dropped file takes the
        // ring lock: they are let go of after it is released.
        let mut let_go = Vec::new();
        let mut ring = lock(&self.ring);
        ring.opened(&reader);
        if let Some(previous) = file.reader.swap(Some(reader)) {
            ring.closed(&previous);
        }
        // It was opened to be read: it counts as read, so the hand closes an
        // older file first. Relaxed: as in `TableFile::mark_read`.
        file.referenced.store(true, Ordering::Relaxed);
        ring.files.push_back(Arc::downgrade(file));
        // Each pass of the hand clears the bits it passes, so at most two
        // passes close enough files.
        while ring.open > self.capacity {
            let Some(candidate) = ring.files.pop_front() else {
                break;
            };
            let Some(candidate) = candidate.upgrade() else {
                continue;
            };
            // Relaxed: the bit is a hint for which file to close; a read that
            // races with the hand costs at most a reopen.
            if candidate.referenced.swap(false, Ordering::Relaxed) {
                ring.files.push_back(Arc::downgrade(&candidate));
            } else if let Some(closed) = candidate.reader.swap(None) {
                ring.closed(&closed);
            }
            let_go.push(candidate);
        }
        // Dropped files leave entries behind; sweep them once they dominate
        // the open ones (by the open count, not the capacity, which has no
        // limit in a read-only instance). Each sweep leaves about `open`
        // entries, so the next comes at least `open` installs later.
        let open = ring.open.max(SWEEP_AT_LEAST);
        if ring.files.len() > self.capacity.min(open).saturating_mul(2) {
            ring.files.retain(|f| f.strong_count() > 0);
        }
        drop(ring);
        drop(let_go);
    }
}

impl TableFile {
    /// The file's reader, reopening the file if the cache closed it.
    ///
    /// # Errors
    ///
    /// The error of reopening the table.
    pub(crate) fn reader(self: &Arc<Self>) -> Result<Arc<TableReader>> {
        self.mark_read();
        if let Some(reader) = self.reader.load_full() {
            return Ok(reader);
        }
        let _opening = lock(&self.opening);
        if let Some(reader) = self.reader.load_full() {
            return Ok(reader);
        }
        let reader = self
            .cache
            .open_reader(&self.path, &self.record, self.cache_id)?;
        // Reads take the tombstones kept from the first open with the
        // points of this one: they must be the same file's.
        if reader.range_tombstones() != &self.range_tombstones {
            return Err(Error::corruption(
                &self.path,
                0,
                "the table's range tombstones changed since it was first opened: it is not \
                 the table the manifest lists; restore it from a backup",
            ));
        }
        self.cache.install(self, Arc::clone(&reader));
        Ok(reader)
    }

    /// The file's range tombstones, decoded when it was first opened (empty
    /// for a table without any).
    pub(crate) fn range_tombstones(&self) -> &Arc<FragmentedTombstones> {
        &self.range_tombstones
    }

    /// `read` of the file's reader, reopening the file if the cache closed
    /// it. The common case takes no lock and touches no shared count: the
    /// reader is borrowed, not cloned.
    ///
    /// # Errors
    ///
    /// The error of reopening the table, or `read`'s.
    pub(crate) fn with_reader<T>(
        self: &Arc<Self>,
        read: impl FnOnce(&TableReader) -> Result<T>,
    ) -> Result<T> {
        let guard = self.reader.load();
        match guard.as_ref() {
            Some(reader) => {
                self.mark_read();
                read(reader)
            }
            None => {
                drop(guard);
                read(&*self.reader()?)
            }
        }
    }

    /// Notes a read, for the clock hand. Relaxed: a hint for which file to
    /// close. Set only when clear, so reads of a busy table do not keep
    /// writing its cache line.
    fn mark_read(&self) {
        if !self.referenced.load(Ordering::Relaxed) {
            self.referenced.store(true, Ordering::Relaxed);
        }
    }

    /// Deletes the file once no table lists it and nobody reads it.
    pub(crate) fn mark_obsolete(&self) {
        // Relaxed: the flag is read in `drop`, which runs after every other
        // reference is gone; the `Arc` count's synchronization orders it.
        self.obsolete.store(true, Ordering::Relaxed);
    }
}

impl Drop for TableFile {
    fn drop(&mut self) {
        {
            let mut ring = lock(&self.cache.ring);
            if let Some(closed) = self.reader.swap(None) {
                ring.closed(&closed);
            }
        }
        if !self.obsolete.load(Ordering::Relaxed) {
            return;
        }
        // Only while this engine holds the directory, and holding the lock's
        // mutex so a close cannot release it meanwhile: a reader that
        // outlives `close` must not delete a file of a database another
        // instance may have opened since (the next open of this one deletes
        // what is left).
        let held = lock(&self.dir_lock);
        if held.is_some() {
            if let Err(error) = self.cache.fs.remove(&self.path) {
                tracing::warn!(%error, "could not delete an obsolete table; the next open will");
            }
        }
    }
}

/// Checks that the table `reader` opened is the one `record` of the manifest
/// describes: at `open`, compaction sums the sizes and counts the manifest
/// records, so they must be the table's own; at a reopen, the file must
/// still be the one first opened (a scan alive after `close` may reopen a
/// file whose name a restored backup has reused since).
pub(crate) fn check_record(record: &TableRecord, reader: &TableReader) -> Result<()> {
    let props = reader.properties();
    let matches = record.file_size == reader.file_size()
        && record.entry_count == props.entry_count
        && record.tombstone_count == props.tombstone_count
        && record.smallest == props.smallest_key
        && record.largest == props.largest_key
        && record.min_timestamp == props.min_timestamp
        && record.max_timestamp == props.max_timestamp;
    if matches {
        return Ok(());
    }
    Err(Error::corruption(
        reader.path(),
        0,
        format!(
            "the manifest records this table as {} bytes of {} entries ({} tombstones) from {} \
             to {}, timestamps {} to {}, but it is {} bytes of {} entries ({} tombstones) from \
             {} to {}, timestamps {} to {}: it is not the table the manifest lists; restore it \
             from a backup",
            record.file_size,
            record.entry_count,
            record.tombstone_count,
            record.smallest,
            record.largest,
            record.min_timestamp,
            record.max_timestamp,
            reader.file_size(),
            props.entry_count,
            props.tombstone_count,
            props.smallest_key,
            props.largest_key,
            props.min_timestamp,
            props.max_timestamp,
        ),
    ))
}

#[cfg(test)]
mod tests;
