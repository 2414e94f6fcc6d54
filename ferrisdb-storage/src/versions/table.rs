//! A live table: the manifest's record of a table file, the file, and its
//! range tombstones.
//!
//! A table that a compaction replaced is marked obsolete; its file is deleted
//! when the last reader, and the last version listing it, lets go of it (see
//! `table_cache.rs`, which owns the file).

use std::path::Path;
use std::sync::Arc;

use super::table_cache::{TableCache, TableFile};
use crate::lock::DirectoryLock;
use crate::manifest::TableRecord;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::TableReader;
use crate::Result;

/// A live table: what the manifest records of it, and its file.
///
/// A moved table is a second `Table` of the same file at another level: the
/// file, and its deletion once obsolete, belong to the [`TableFile`] both
/// share, so a version that still lists the table at its old level keeps
/// the file.
#[derive(Debug)]
pub(crate) struct Table {
    pub(crate) record: TableRecord,
    /// The file, open or closed by the table cache.
    file: Arc<TableFile>,
}

impl Table {
    /// Opens the table file at `path`, which `record` describes, through
    /// `cache`; its file is deleted, once obsolete, only while `dir_lock`
    /// is held.
    ///
    /// # Errors
    ///
    /// The error of opening the table file.
    pub(super) fn open(
        cache: &Arc<TableCache>,
        path: &Path,
        record: TableRecord,
        dir_lock: &DirectoryLock,
    ) -> Result<Arc<Table>> {
        let file = cache.open(path, &record, dir_lock)?;
        Ok(Arc::new(Table { record, file }))
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

    /// The table's range tombstones (empty for a table without any),
    /// decoded when its file was first opened and kept for the table's
    /// life: the table cache closing the file (`max_open_files`) does not
    /// drop them, so consulting them reads nothing.
    pub(crate) fn range_tombstones(&self) -> &Arc<FragmentedTombstones> {
        self.file.range_tombstones()
    }

    /// The same file, recorded at another level (a move needs no rewrite).
    pub(super) fn moved_to(&self, level: u32) -> Table {
        let record = TableRecord {
            level,
            ..self.record.clone()
        };
        Table {
            record,
            file: Arc::clone(&self.file),
        }
    }

    /// Deletes the file once no version lists it and nobody reads it.
    pub(crate) fn mark_obsolete(&self) {
        self.file.mark_obsolete();
    }

    /// Whether `user_key` lies inside the table's key range (its points and
    /// its range tombstones).
    pub(super) fn covers(&self, user_key: &[u8]) -> bool {
        self.record.covers_user_key(user_key)
    }
}
