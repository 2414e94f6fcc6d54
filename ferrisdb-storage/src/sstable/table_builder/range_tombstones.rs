//! The range tombstones of a table being written: given to the builder as
//! fragments, checked at once, and written in the range-delete block (see
//! `range_del_block.rs`) between the filter and the index at `finish`.

use ferrisdb_core::{CompressionType, Error, Result};

use super::{TableBuilder, Which};
use crate::range_del::fragments::FragmentedTombstones;
use crate::sstable::property_extensions::RangeDeletes;
use crate::sstable::range_del_block;

impl TableBuilder {
    /// Adds range tombstones to the table, written in its range-delete block
    /// at [`finish`](Self::finish); calls add up. They count in the table's
    /// bounds (`smallest_key` from a start `s` as `(s, RANGE_START_TS)`,
    /// `largest_key` from an end `e` as `(e, RANGE_END_TS)`) and timestamps.
    /// A fragment without an end, with a start or end over
    /// `MAX_RANGE_END_SIZE` bytes or with a timestamp over
    /// `MAX_TOMBSTONE_TIMESTAMP` is an [`Error::InvalidArgument`] that
    /// leaves the writer usable and the tombstones not added.
    ///
    /// # Errors
    ///
    /// As above; or the writer failed earlier.
    pub fn add_range_tombstones(&mut self, tombstones: &FragmentedTombstones) -> Result<()> {
        self.check_usable()?;
        range_del_block::check_storable(tombstones).map_err(|reason| {
            Error::InvalidArgument(format!("table {}: {reason}", self.path.display()))
        })?;
        self.range_tombstones = if self.range_tombstones.is_empty() {
            tombstones.clone()
        } else {
            FragmentedTombstones::merge([&self.range_tombstones, tombstones])
        };
        Ok(())
    }

    /// Writes the range-delete block, uncompressed, and returns what the
    /// properties record of it.
    pub(super) fn write_range_del_block(&mut self) -> Result<RangeDeletes> {
        let bytes = range_del_block::encode(&self.range_tombstones).map_err(|reason| {
            self.failed = true;
            Error::InvalidArgument(format!("table {}: {reason}", self.path.display()))
        })?;
        let handle = self.write(Which::Other(bytes), CompressionType::None)?;
        Ok(RangeDeletes {
            handle,
            // The block holds at most u32::MAX bytes, so fewer fragments.
            fragment_count: u32::try_from(self.range_tombstones.fragments().len())
                .unwrap_or(u32::MAX),
            timestamp_count: self.range_tombstones.timestamp_count() as u64,
        })
    }
}
