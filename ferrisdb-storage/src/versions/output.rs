//! Writing sorted entries out as tables: shared by flushes and compactions.

use std::sync::Arc;

use super::{Table, VersionSet};
use crate::filename::table_file_name;
use crate::manifest::TableRecord;
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::{TableBuilder, TableOptions, TableProperties};
use crate::{Operation, Result, Timestamp};

/// Turns a stream of entries, in [`InternalKey`](crate::InternalKey) order,
/// into one or more tables at one level.
///
/// With a split size, a new table is started once the current one reaches it,
/// but only between two user keys: every version of a key stays in one table,
/// so the tables of a level have disjoint user-key ranges.
///
/// Range tombstones given to the output are cut at the same places: each
/// table gets the fragments between the first key it holds and the first key
/// of the next (the first table from the smallest key, the last to the
/// largest), so together the tables carry every tombstone once and their
/// ranges stay disjoint. A tombstone past the last point key gets a table of
/// its own if no point was written at all.
pub(crate) struct TableOutput<'a> {
    versions: &'a VersionSet,
    options: TableOptions,
    level: u32,
    split_at: Option<u64>,
    current: Option<(u64, TableBuilder)>,
    last_key: Vec<u8>,
    /// The range tombstones to write, cut between the tables.
    range_tombstones: FragmentedTombstones,
    /// Where the current table's share of `range_tombstones` begins: the
    /// first key of the table (`None` for the first table).
    lower: Option<Vec<u8>>,
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
            range_tombstones: FragmentedTombstones::empty(),
            lower: None,
            finished: Vec::new(),
        }
    }

    /// Gives the output range tombstones to write with its entries.
    pub(crate) fn set_range_tombstones(&mut self, tombstones: FragmentedTombstones) {
        self.range_tombstones = tombstones;
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
                self.finish_current(Some(user_key))?;
            }
        }
        if self.current.is_none() {
            self.start_table()?;
        }
        if new_key {
            self.last_key.clear();
            self.last_key.extend_from_slice(user_key);
        }
        let (_, writer) = self.current.as_mut().expect("a writer was just ensured");
        writer.add_parts(user_key, timestamp, operation, value)
    }

    fn start_table(&mut self) -> Result<()> {
        let number = self.versions.new_file_number()?;
        let path = self.versions.dir.join(table_file_name(number));
        let writer = TableBuilder::create(Arc::clone(&self.versions.fs), path, self.options)?;
        self.current = Some((number, writer));
        Ok(())
    }

    /// Finishes the current table, which holds the keys below `upper` (the
    /// first key of the next table; `None` for the last table).
    fn finish_current(&mut self, upper: Option<&[u8]>) -> Result<()> {
        let Some((file_number, mut writer)) = self.current.take() else {
            return Ok(());
        };
        if !self.range_tombstones.is_empty() {
            let share = self.range_tombstones.clipped(self.lower.as_deref(), upper);
            if !share.is_empty() {
                writer.add_range_tombstones(&share)?;
            }
            self.lower = upper.map(<[u8]>::to_vec);
        }
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
        let tombstones_left = !self.range_tombstones.is_empty()
            && !self
                .range_tombstones
                .clipped(self.lower.as_deref(), None)
                .is_empty();
        if self.current.is_none() && tombstones_left {
            self.start_table()?;
        }
        self.finish_current(None)?;
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
