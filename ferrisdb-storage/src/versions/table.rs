//! A live table: the manifest's record of a table file, its open reader, and
//! the deletion of its file once no version lists it and nobody reads it.
//!
//! A table that a compaction replaced is marked obsolete; its file is deleted
//! when the last reader lets go of it.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use super::table_cache::{TableCache, TableFile};
use crate::fs::SharedFileSystem;
use crate::lock::{lock, DirectoryLock};
use crate::manifest::TableRecord;
use crate::sstable::TableReader;
use crate::Result;

/// A live table: what the manifest records of it, and its file.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) record: TableRecord,
    /// The file, open or closed by the table cache.
    file: Arc<TableFile>,
    fs: SharedFileSystem,
    /// The engine's hold on the directory: an obsolete file is deleted only
    /// while it lasts.
    dir_lock: DirectoryLock,
    /// Set once a durable manifest no longer lists the table; the file is
    /// deleted when the last reference drops.
    obsolete: AtomicBool,
}

impl Table {
    fn new(
        record: TableRecord,
        file: Arc<TableFile>,
        fs: SharedFileSystem,
        dir_lock: DirectoryLock,
    ) -> Self {
        Table {
            record,
            file,
            fs,
            dir_lock,
            obsolete: AtomicBool::new(false),
        }
    }

    /// Opens the table file at `path`, which `record` describes, through
    /// `cache`.
    ///
    /// # Errors
    ///
    /// The error of opening the table file.
    pub(super) fn open(
        cache: &Arc<TableCache>,
        fs: &SharedFileSystem,
        path: &Path,
        record: TableRecord,
        dir_lock: &DirectoryLock,
    ) -> Result<Arc<Table>> {
        let file = cache.open(path, &record)?;
        Ok(Arc::new(Table::new(
            record,
            file,
            Arc::clone(fs),
            Arc::clone(dir_lock),
        )))
    }

    /// The table's reader, for a cursor: it keeps the file open while held.
    ///
    /// # Errors
    ///
    /// The error of reopening the file, if the table cache closed it.
    pub(crate) fn reader(&self) -> Result<Arc<TableReader>> {
        self.file.reader()
    }

    /// `read` of the table's reader, without cloning it: for a point read.
    ///
    /// # Errors
    ///
    /// The error of reopening the file, if the table cache closed it, or
    /// `read`'s.
    pub(crate) fn with_reader<T>(&self, read: impl FnOnce(&TableReader) -> Result<T>) -> Result<T> {
        self.file.with_reader(read)
    }

    /// The same file, recorded at another level (a move needs no rewrite).
    pub(super) fn moved_to(&self, level: u32) -> Table {
        let record = TableRecord {
            level,
            ..self.record.clone()
        };
        Table::new(
            record,
            Arc::clone(&self.file),
            Arc::clone(&self.fs),
            Arc::clone(&self.dir_lock),
        )
    }

    /// Deletes the file once nobody reads it any more.
    pub(crate) fn mark_obsolete(&self) {
        // Relaxed: the flag is read in `drop`, which runs after every other
        // reference is gone; the `Arc` count's synchronization orders it.
        self.obsolete.store(true, Ordering::Relaxed);
    }

    /// Whether `user_key` lies inside the table's key range.
    pub(super) fn covers(&self, user_key: &[u8]) -> bool {
        covers(&self.record, user_key)
    }
}

impl Drop for Table {
    fn drop(&mut self) {
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
            if let Err(error) = self.fs.remove(self.file.path()) {
                tracing::warn!(%error, "could not delete an obsolete table; the next open will");
            }
        }
    }
}

/// Whether `user_key` lies inside the key range of the table `record`
/// describes.
pub(super) fn covers(record: &TableRecord, user_key: &[u8]) -> bool {
    record.smallest.user_key.as_slice() <= user_key
        && user_key <= record.largest.user_key.as_slice()
}
