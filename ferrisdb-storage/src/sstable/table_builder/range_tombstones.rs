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

#[cfg(test)]
mod tests {
    use std::path::Path;
    use std::sync::Arc;

    use ferrisdb_core::{InternalKey, Operation, RangeTombstone};

    use super::*;
    use crate::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
    use crate::sstable::format::{MAX_RANGE_END_SIZE, RANGE_END_TS, RANGE_START_TS};
    use crate::sstable::{TableOptions, TableReader};

    fn fs() -> SharedFileSystem {
        let fs = FaultFileSystem::new();
        fs.create_dir_all(Path::new("/db")).unwrap();
        Arc::new(fs)
    }

    fn list(tombstones: &[(&str, Option<&str>, u64)]) -> FragmentedTombstones {
        FragmentedTombstones::from_tombstones(
            tombstones
                .iter()
                .map(|&(s, e, ts)| RangeTombstone::new(s.as_bytes(), e.map(|e| e.into()), ts))
                .collect(),
        )
    }

    fn builder(fs: &SharedFileSystem) -> TableBuilder {
        TableBuilder::create(Arc::clone(fs), "/db/000001.sst", TableOptions::default()).unwrap()
    }

    #[test]
    fn what_no_table_holds_is_refused_and_the_writer_stays_usable() {
        let fs = fs();
        let mut w = builder(&fs);
        w.add_parts(b"k", 4, Operation::Put, b"v").unwrap();
        let long = "x".repeat(MAX_RANGE_END_SIZE + 1);
        for refused in [
            list(&[("a", None, 3)]),
            list(&[("a", Some(long.as_str()), 3)]),
            list(&[("a", Some("b"), u64::MAX)]),
        ] {
            let err = w.add_range_tombstones(&refused).unwrap_err();
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
            assert!(err.to_string().contains("000001.sst"), "{err}");
        }
        let meta = w.finish().unwrap();
        assert_eq!(
            meta.properties.range_deletes, None,
            "nothing refused was kept"
        );
        let reader = TableReader::open(&fs, &meta.path, None).unwrap();
        assert!(reader.range_tombstones().is_empty());
    }

    #[test]
    fn calls_add_up_and_bound_the_table_with_its_points() {
        let fs = fs();
        let mut w = builder(&fs);
        w.add_parts(b"c", 7, Operation::Put, b"v").unwrap();
        w.add_parts(b"m", 2, Operation::Delete, b"").unwrap();
        w.add_range_tombstones(&list(&[("b", Some("d"), 5)]))
            .unwrap();
        w.add_range_tombstones(&list(&[("c", Some("f"), 9), ("x", Some("y"), 1)]))
            .unwrap();
        let meta = w.finish().unwrap();
        let props = &meta.properties;
        assert_eq!(props.smallest_key, InternalKey::new("b", RANGE_START_TS));
        assert_eq!(props.largest_key, InternalKey::new("y", RANGE_END_TS));
        assert_eq!((props.min_timestamp, props.max_timestamp), (1, 9));
        assert_eq!((props.entry_count, props.tombstone_count), (2, 1));
        let want = list(&[
            ("b", Some("d"), 5),
            ("c", Some("f"), 9),
            ("x", Some("y"), 1),
        ]);
        let extension = props.range_deletes.unwrap();
        assert_eq!(extension.fragment_count as usize, want.fragments().len());
        assert_eq!(extension.timestamp_count as usize, want.timestamp_count());
        let reader = TableReader::open(&fs, &meta.path, None).unwrap();
        assert_eq!(**reader.range_tombstones(), want);
        assert_eq!(reader.properties(), props);
    }

    #[test]
    fn a_table_of_nothing_is_refused_and_of_only_tombstones_is_written() {
        let fs = fs();
        let mut w = builder(&fs);
        w.add_range_tombstones(&FragmentedTombstones::empty())
            .unwrap();
        let err = w.finish().unwrap_err();
        assert!(
            err.to_string()
                .contains("no entries and no range tombstones"),
            "{err}"
        );
        assert!(
            fs.list(Path::new("/db")).unwrap().is_empty(),
            "{:?}",
            fs.list(Path::new("/db"))
        );
        let mut w = builder(&fs);
        w.add_range_tombstones(&list(&[("a", Some("b"), 3)]))
            .unwrap();
        let meta = w.finish().unwrap();
        assert_eq!(meta.properties.data_block_count, 0);
        let reader = TableReader::open(&fs, &meta.path, None).unwrap();
        assert_eq!(reader.get(b"a", 9).unwrap(), None);
    }
}
