//! Writing sorted entries out as tables: shared by flushes and compactions.

use std::sync::Arc;

use super::{Table, VersionSet};
use crate::filename::table_file_name;
use crate::manifest::TableRecord;
use crate::sstable::{TableBuilder, TableOptions, TableProperties};
use crate::{Operation, Result, Timestamp};

/// Turns a stream of entries, in [`InternalKey`](crate::InternalKey) order,
/// into one or more tables at one level.
///
/// With a split size, a new table is started once the current one reaches it,
/// but only between two user keys: every version of a key stays in one table,
/// so the tables of a level have disjoint user-key ranges.
pub(crate) struct TableOutput<'a> {
    versions: &'a VersionSet,
    options: TableOptions,
    level: u32,
    split_at: Option<u64>,
    current: Option<(u64, TableBuilder)>,
    last_key: Vec<u8>,
    finished: Vec<Arc<Table>>,
}

impl<'a> TableOutput<'a> {
    /// Outputs of `versions` at `level`, written with `options`, split at
    /// `split_at` bytes if given.
    pub(crate) fn new(
        versions: &'a VersionSet,
        options: TableOptions,
        level: u32,
        split_at: Option<u64>,
    ) -> Self {
        TableOutput {
            versions,
            options,
            level,
            split_at,
            current: None,
            last_key: Vec::new(),
            finished: Vec::new(),
        }
    }

    /// Adds one entry.
    ///
    /// REQUIRES: entries arrive in strictly increasing `InternalKey` order.
    pub(crate) fn add(
        &mut self,
        user_key: &[u8],
        timestamp: Timestamp,
        operation: Operation,
        value: &[u8],
    ) -> Result<()> {
        let new_key = user_key != self.last_key.as_slice();
        if let (Some(limit), Some((_, writer))) = (self.split_at, &self.current) {
            if new_key && writer.estimated_size() >= limit {
                self.finish_current()?;
            }
        }
        if self.current.is_none() {
            let number = self.versions.new_file_number()?;
            let path = self.versions.dir.join(table_file_name(number));
            let writer = TableBuilder::create(Arc::clone(&self.versions.fs), path, self.options)?;
            self.current = Some((number, writer));
        }
        if new_key {
            self.last_key.clear();
            self.last_key.extend_from_slice(user_key);
        }
        let (_, writer) = self.current.as_mut().expect("a writer was just ensured");
        writer.add_parts(user_key, timestamp, operation, value)
    }

    fn finish_current(&mut self) -> Result<()> {
        let Some((file_number, writer)) = self.current.take() else {
            return Ok(());
        };
        let meta = writer.finish()?;
        let record = table_record(self.level, file_number, meta.file_size, &meta.properties);
        match self.versions.open_table(record) {
            Ok(table) => self.finished.push(table),
            Err(error) => {
                // No manifest lists it: it goes, as the output's other tables
                // do when it fails (and the next open removes it otherwise).
                if let Err(remove) = self.versions.fs.remove(&meta.path) {
                    tracing::warn!(%remove, "could not remove a table that failed to open");
                }
                return Err(error);
            }
        }
        Ok(())
    }

    /// Finishes the last table and makes every new table's name durable (one
    /// directory sync). The tables are not yet in the manifest.
    pub(crate) fn finish(mut self) -> Result<Vec<Arc<Table>>> {
        self.finish_current()?;
        if !self.finished.is_empty() {
            self.versions.fs.sync_dir(&self.versions.dir)?;
        }
        Ok(std::mem::take(&mut self.finished))
    }
}

/// The manifest's record of table `file_number` at `level`, of `file_size`
/// bytes, with `properties` as written in it.
pub(crate) fn table_record(
    level: u32,
    file_number: u64,
    file_size: u64,
    properties: &TableProperties,
) -> TableRecord {
    TableRecord {
        level,
        file_number,
        file_size,
        entry_count: properties.entry_count,
        tombstone_count: properties.tombstone_count,
        smallest: properties.smallest_key.clone(),
        largest: properties.largest_key.clone(),
        min_timestamp: properties.min_timestamp,
        max_timestamp: properties.max_timestamp,
    }
}

impl Drop for TableOutput<'_> {
    /// Tables of an output that failed are deleted: no manifest lists them.
    fn drop(&mut self) {
        for table in &self.finished {
            table.mark_obsolete();
        }
    }
}
