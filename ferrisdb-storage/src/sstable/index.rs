//! The index block of a table: one entry per data block, the block's last
//! internal key and its handle, decoded once when the table opens and
//! checked against the file and the properties.

use std::path::Path;
use std::sync::Arc;

use ferrisdb_core::coding::DecodeError;
use ferrisdb_core::{Error, InternalKey, Result};

use super::block::{Block, BlockCursor};
use super::footer::BlockHandle;
use super::format::MAX_UNCOMPRESSED_BLOCK_LEN;
use super::properties::TableProperties;
use crate::iterator::Cursor;

/// One entry of the index: a data block and the last key in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexEntry {
    /// The last key of the block.
    pub last_key: InternalKey,
    /// Where the block is.
    pub handle: BlockHandle,
}

/// Decodes the index block into its entries, checking that the blocks are in
/// order, contiguous from offset 0 to the data size, no larger than a data
/// block can be, that last keys strictly increase, and that there are as
/// many as the properties count. (Whether the last one is the properties'
/// largest key depends on the table's range tombstones too: the caller
/// checks it.)
pub(crate) fn decode_index(
    block: Arc<Block>,
    path: &Path,
    props: &TableProperties,
) -> Result<Vec<IndexEntry>> {
    let block_offset = block.file_offset();
    let mut cursor = BlockCursor::new(block);
    let mut index: Vec<IndexEntry> = Vec::new();
    let mut expected_offset = 0u64;
    cursor.seek_to_first()?;
    while cursor.valid() {
        let handle = BlockHandle::decode_varint(cursor.value()).map_err(|e| {
            DecodeError::new(0, format!("index entry {}: {}", index.len(), e.reason()))
                .in_file(path, block_offset)
        })?;
        // A data block is stored compressed only when that makes it
        // smaller, so none is larger than MAX_UNCOMPRESSED_BLOCK_LEN; a
        // larger claim would be allocated whole at its first read.
        if handle.offset != expected_offset
            || !matches!(handle.end(), Some(end) if end <= props.data_size)
            || handle.size > MAX_UNCOMPRESSED_BLOCK_LEN as u64
        {
            return Err(Error::corruption(
                path,
                block_offset,
                format!(
                    "index entry {} points to a block at {} of {} bytes; expected one at {expected_offset} within {} bytes of data, of at most {MAX_UNCOMPRESSED_BLOCK_LEN} bytes",
                    index.len(),
                    handle.offset,
                    handle.size,
                    props.data_size
                ),
            ));
        }
        expected_offset = handle.end().unwrap_or(u64::MAX);
        index.push(IndexEntry {
            last_key: InternalKey::new(cursor.user_key(), cursor.timestamp()),
            handle,
        });
        cursor.next()?;
    }
    let consistent =
        expected_offset == props.data_size && index.len() as u64 == props.data_block_count;
    if !consistent {
        return Err(Error::corruption(
            path,
            block_offset,
            format!(
                "index of {} blocks ending at {expected_offset} disagrees with the properties ({} blocks, {} bytes of data)",
                index.len(),
                props.data_block_count,
                props.data_size,
            ),
        ));
    }
    Ok(index)
}
