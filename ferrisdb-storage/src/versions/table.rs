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
    /// The file's range tombstones when it has some: held beside the record
    /// a read already touches, so a point read of a table without any pays
    /// no pointer chase to learn it.
    some_range_tombstones: Option<Arc<FragmentedTombstones>>,
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
        Ok(Arc::new(Table::new(record, file)))
    }

    fn new(record: TableRecord, file: Arc<TableFile>) -> Table {
        let tombstones = file.range_tombstones();
        let some_range_tombstones = (!tombstones.is_empty()).then(|| Arc::clone(tombstones));
        Table {
            record,
            file,
            some_range_tombstones,
        }
    }

    /// The table's range tombstones if it has any: what a point read asks.
    pub(crate) fn some_range_tombstones(&self) -> Option<&FragmentedTombstones> {
        self.some_range_tombstones.as_deref()
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
        Table::new(record, Arc::clone(&self.file))
    }

    /// Deletes the file once no version lists it and nobody reads it.
    pub(crate) fn mark_obsolete(&self) {
        self.file.mark_obsolete();
    }

    /// Whether `user_key` lies inside the table's key range.
    pub(super) fn covers(&self, user_key: &[u8]) -> bool {
        covers(&self.record, user_key)
    }
}

/// Whether `user_key` lies inside the key range of the table `record`
/// describes (its points and its range tombstones: a largest bound at a
/// tombstone's end excludes that key).
pub(super) fn covers(record: &TableRecord, user_key: &[u8]) -> bool {
    record.covers_user_key(user_key)
}
