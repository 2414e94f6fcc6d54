//! Reading a table's data blocks one at a time, each checked on its own,
//! from the file rather than the cache: the one per-block reader that
//! [`TableReader::verify`] and repair share.
//!
//! A block is whole when its checksum matches, every entry decodes, its keys
//! strictly increase, its last key is the one the index gives for it, and
//! its first key comes after the last key of the block before it. `verify`
//! stops at the first block that is not; repair reads on and loses only the
//! entries of the blocks that are not.

use std::sync::Arc;

use ferrisdb_core::{InternalKey, Operation, Result, Timestamp};

use super::block::{Block, BlockCursor};
use super::block_io::Verify;
use super::TableReader;
use crate::iterator::Cursor;
use crate::Error;

/// An entry read back from a table, owning its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OwnedEntry {
    /// The user key.
    pub(crate) key: Vec<u8>,
    /// The version's timestamp.
    pub(crate) timestamp: Timestamp,
    /// Put or delete.
    pub(crate) operation: Operation,
    /// The value; empty for a delete.
    pub(crate) value: Vec<u8>,
}

impl OwnedEntry {
    /// Its internal key.
    pub(crate) fn internal_key(&self) -> InternalKey {
        InternalKey::new(self.key.clone(), self.timestamp)
    }

    /// Whether it comes strictly after `previous` in [`InternalKey`] order.
    pub(crate) fn follows(&self, previous: &OwnedEntry) -> bool {
        InternalKey::compare_parts(&self.key, self.timestamp, &previous.key, previous.timestamp)
            .is_gt()
    }
}

/// Every entry of `block`, in order: the cursor checks that each decodes and
/// that keys strictly increase within the block.
///
/// # Errors
///
/// The corruption error of an entry that does not decode, or is out of
/// order.
pub(crate) fn entries_of(block: Block) -> Result<Vec<OwnedEntry>> {
    let mut cursor = BlockCursor::new(Arc::new(block));
    cursor.seek_to_first()?;
    let mut entries = Vec::new();
    while cursor.valid() {
        entries.push(OwnedEntry {
            key: cursor.user_key().to_vec(),
            timestamp: cursor.timestamp(),
            operation: cursor.operation(),
            value: cursor.value().to_vec(),
        });
        cursor.next()?;
    }
    Ok(entries)
}

impl TableReader {
    /// The entries of data block `index`, read from the file and checked
    /// whole (see the module docs); `after` is the last entry of the block
    /// read before it, whose key its first must follow.
    ///
    /// # Errors
    ///
    /// The corruption or checksum error naming the table and the block's
    /// offset, or the I/O error.
    pub(crate) fn block_entries(
        &self,
        index: usize,
        after: Option<&OwnedEntry>,
    ) -> Result<Vec<OwnedEntry>> {
        let entry = &self.index()[index];
        let block = self.load_block(entry.handle, Verify::Checksum)?;
        let entries = entries_of(block)?;
        if let (Some(previous), Some(first)) = (after, entries.first()) {
            if !first.follows(previous) {
                return Err(Error::corruption(
                    self.path(),
                    entry.handle.offset,
                    format!(
                        "block's first key {} is not after the previous block's last key {}",
                        first.internal_key(),
                        previous.internal_key()
                    ),
                ));
            }
        }
        let last = entries.last().map(OwnedEntry::internal_key);
        if last.as_ref() != Some(&entry.last_key) {
            return Err(Error::corruption(
                self.path(),
                entry.handle.offset,
                format!(
                    "block's last key does not match the index's {}",
                    entry.last_key
                ),
            ));
        }
        Ok(entries)
    }

    /// Reads every data block bypassing the cache, each checked whole (see
    /// the module docs), and checks that the counts match the properties.
    /// Returns the number of entries checked.
    ///
    /// # Errors
    ///
    /// The first damage: the corruption or checksum error naming the table
    /// and the offset of the block, or of the properties, or the I/O error.
    pub fn verify(&self) -> Result<u64> {
        let mut last: Option<OwnedEntry> = None;
        let (mut entries, mut tombstones) = (0u64, 0u64);
        for index in 0..self.index().len() {
            let block = self.block_entries(index, last.as_ref())?;
            entries += block.len() as u64;
            tombstones += block
                .iter()
                .filter(|e| e.operation == Operation::Delete)
                .count() as u64;
            last = block.into_iter().last();
        }
        let properties = self.properties();
        if entries != properties.entry_count || tombstones != properties.tombstone_count {
            return Err(Error::corruption(
                self.path(),
                self.footer().properties.offset,
                format!(
                    "properties count {} entries and {} tombstones, the blocks hold {entries} and \
                     {tombstones}",
                    properties.entry_count, properties.tombstone_count
                ),
            ));
        }
        Ok(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sstable::salvage::tests::table;

    #[test]
    fn a_damaged_block_reads_as_an_error_naming_its_offset() {
        let (fs, path) = table(500);
        let reader = TableReader::open(&fs, &path, None).unwrap();
        let third = reader.index()[2].handle;
        let mut bytes = fs.read_all(&path).unwrap();
        bytes[third.offset as usize + 3] ^= 0xff;
        let mut file = fs.create(&path).unwrap();
        file.append(&bytes).unwrap();
        drop(file);
        let reader = TableReader::open(&fs, &path, None).unwrap();
        assert!(reader.block_entries(1, None).is_ok());
        match reader.block_entries(2, None) {
            Err(Error::ChecksumMismatch { offset, .. }) => assert_eq!(offset, third.offset),
            other => panic!("expected a checksum mismatch, got {other:?}"),
        }
        assert!(reader.block_entries(3, None).is_ok());
    }

    #[test]
    fn a_block_whose_first_key_is_not_after_the_last_read_is_an_error_naming_it() {
        let (fs, path) = table(500);
        let reader = TableReader::open(&fs, &path, None).unwrap();
        let first = reader.block_entries(0, None).unwrap();
        let second = reader.block_entries(1, first.last()).unwrap();
        // Read after the second block, the first is out of order; so is the
        // second read after itself.
        for (index, after) in [(0, second.last()), (1, second.last())] {
            match reader.block_entries(index, after) {
                Err(Error::Corruption { offset, reason, .. }) => {
                    assert_eq!(offset, reader.index()[index].handle.offset);
                    assert!(reason.contains("is not after"), "{reason}");
                }
                other => panic!("expected a corruption error, got {other:?}"),
            }
        }
    }
}
