//! Reading what is still readable of a damaged table, for `repair`: each
//! data block on its own, so one damaged block costs only its entries, and,
//! when the footer or index is lost (a truncated file), the data blocks
//! found by their checksums alone.
//!
//! A table's data blocks come first in the file, back to back from byte 0,
//! each followed by its trailer: the compression byte and the CRC32 of the
//! contents and that byte (`docs/format/sstable.md`). Without an index, the
//! scan finds the end of each block as the first place where a compression
//! byte and a matching checksum follow, and takes the block only if it
//! decodes, entries in order after the previous block's. The metadata
//! blocks that follow the data (the filter first) do not decode as data
//! blocks, or not in order, and the scan stops at the first such block: it
//! never reads a key out of them.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::block::Block;
use super::block_io::{decode_block, Verify};
use super::checked_blocks::{entries_of, OwnedEntry};
use super::format::{BLOCK_TRAILER_LEN, COMPRESSION_ZSTD, MAX_UNCOMPRESSED_BLOCK_LEN};
use super::BlockHandle;

/// The entries of the data blocks found in `bytes`, the whole file of a
/// table at `path` whose footer or index cannot be read, from byte 0 until
/// the first place no block can be found (a truncation, damage, or the end
/// of the data), and where the scan stopped.
pub(crate) fn scan_data_blocks(bytes: &[u8], path: &Path) -> (Vec<OwnedEntry>, u64) {
    let shared = Arc::new(PathBuf::from(path));
    let mut entries: Vec<OwnedEntry> = Vec::new();
    let mut start = 0usize;
    while let Some((block, next)) = next_block(bytes, start, &shared) {
        let Ok(found) = entries_of(block) else {
            break;
        };
        let in_order = match (entries.last(), found.first()) {
            (Some(previous), Some(first)) => first.follows(previous),
            _ => true,
        };
        if !in_order {
            break;
        }
        entries.extend(found);
        start = next;
    }
    (entries, start as u64)
}

/// The block that starts at `start`: the first end at which a compression
/// byte and a matching checksum follow and whose contents decode as a
/// block, and where the next block would start.
fn next_block(bytes: &[u8], start: usize, path: &Arc<PathBuf>) -> Option<(Block, usize)> {
    let mut hasher = crc32fast::Hasher::new();
    let mut end = start;
    // `end` is where the contents would end: the compression byte is at
    // `end`, the checksum after it.
    while end + BLOCK_TRAILER_LEN <= bytes.len() && end - start <= MAX_UNCOMPRESSED_BLOCK_LEN {
        let kind = bytes[end];
        if end > start && kind <= COMPRESSION_ZSTD {
            let mut candidate = hasher.clone();
            candidate.update(&[kind]);
            let stored = u32::from_le_bytes([
                bytes[end + 1],
                bytes[end + 2],
                bytes[end + 3],
                bytes[end + 4],
            ]);
            if candidate.finalize() == stored {
                let handle = BlockHandle {
                    offset: start as u64,
                    size: (end - start) as u64,
                };
                let stored_bytes = bytes[start..end + BLOCK_TRAILER_LEN].to_vec();
                // The checksum was just compared: what is left is to
                // decompress and check the restart array.
                if let Ok(contents) = decode_block(stored_bytes, path, handle, Verify::Skip) {
                    if let Ok(block) = Block::new(contents, Arc::clone(path), start as u64) {
                        return Some((block, end + BLOCK_TRAILER_LEN));
                    }
                }
            }
        }
        hasher.update(&bytes[end..=end]);
        end += 1;
    }
    None
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::fs::FaultFileSystem;
    use crate::fs::SharedFileSystem;
    use crate::sstable::TableReader;
    use crate::sstable::{TableBuilder, TableOptions};
    use ferrisdb_core::{InternalKey, Operation};

    /// A table of `entries` keys in blocks of 256 bytes.
    pub(in crate::sstable) fn table(entries: u32) -> (SharedFileSystem, PathBuf) {
        let fs: SharedFileSystem = Arc::new(FaultFileSystem::new());
        fs.create_dir_all(Path::new("/t")).unwrap();
        let path = PathBuf::from("/t/000001.sst");
        let options = TableOptions {
            block_size: 256,
            ..TableOptions::default()
        };
        let mut builder = TableBuilder::create(Arc::clone(&fs), &path, options).unwrap();
        for i in 0..entries {
            let key = InternalKey::new(format!("key{i:05}").into_bytes(), u64::from(i) + 1);
            builder.add(&key, Operation::Put, b"value").unwrap();
        }
        builder.finish().unwrap();
        (fs, path)
    }

    #[test]
    fn a_whole_table_scans_to_every_entry() {
        let (fs, path) = table(500);
        let bytes = fs.read_all(&path).unwrap();
        let (entries, _) = scan_data_blocks(&bytes, &path);
        assert_eq!(entries.len(), 500);
        assert_eq!(entries[0].key, b"key00000");
        assert_eq!(entries[499].key, b"key00499");
    }

    #[test]
    fn a_truncated_table_scans_to_the_entries_of_its_whole_blocks() {
        let (fs, path) = table(500);
        let bytes = fs.read_all(&path).unwrap();
        let reader = TableReader::open(&fs, &path, None).unwrap();
        // Cut in the middle of the tenth data block.
        let tenth = reader.index()[9].handle;
        let cut = (tenth.offset + tenth.size / 2) as usize;
        let whole: usize = (0..9)
            .map(|i| reader.block_entries(i, None).unwrap().len())
            .sum();
        let (entries, stopped) = scan_data_blocks(&bytes[..cut], &path);
        assert_eq!(entries.len(), whole);
        assert_eq!(stopped, tenth.offset);
        for pair in entries.windows(2) {
            assert!(pair[1].follows(&pair[0]));
        }
    }
}
