//! Block handles and the footer that locates a table's metadata blocks.
//!
//! ```text
//! footer := index: handle64       // offset fixed64, size fixed64
//!           filter: handle64
//!           properties: handle64
//!           format_version: fixed32
//!           magic: fixed64          // "FerrisST"
//!           checksum: fixed32       // CRC32 of the 60 bytes before it
//! ```
//!
//! In the index block a handle is two varints (offset, size). A handle's size
//! counts the block's contents, not its 5-byte trailer.

use std::path::Path;

use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64, DecodeError, Decoder};
use ferrisdb_core::{Error, Result, Unsupported};

use super::format::{
    BLOCK_TRAILER_LEN, FOOTER_CHECKSUM_OFFSET, FOOTER_LEN, FOOTER_MAGIC_OFFSET, FORMAT_VERSION,
    FORMAT_VERSION_1, MAX_FILTER_BLOCK_LEN, MAX_INDEX_BLOCK_LEN, MAX_PROPERTIES_BLOCK_LEN,
    TABLE_MAGIC,
};

/// Where a block is in its file: the offset of its contents and their size
/// (without the trailer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct BlockHandle {
    /// Offset of the block's first byte.
    pub offset: u64,
    /// Bytes of the block's stored contents, without its trailer.
    pub size: u64,
}

impl BlockHandle {
    /// Appends the handle as two varints (the index block's form).
    pub(crate) fn encode_varint_into(&self, buf: &mut Vec<u8>) {
        put_varint64(buf, self.offset);
        put_varint64(buf, self.size);
    }

    /// Decodes a handle that fills `input` exactly (the index block's form).
    pub(crate) fn decode_varint(input: &[u8]) -> std::result::Result<BlockHandle, DecodeError> {
        let mut d = Decoder::new(input);
        let offset = d.varint64("block offset")?;
        let size = d.varint64("block size")?;
        if !d.is_empty() {
            return Err(d.error("trailing bytes after block handle"));
        }
        Ok(BlockHandle { offset, size })
    }

    /// The offset just past the block's trailer, if it fits in a u64.
    pub fn end(&self) -> Option<u64> {
        self.offset
            .checked_add(self.size)?
            .checked_add(BLOCK_TRAILER_LEN as u64)
    }
}

/// The decoded footer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Footer {
    /// The index block.
    pub index: BlockHandle,
    /// The bloom filter block.
    pub filter: BlockHandle,
    /// The properties block.
    pub properties: BlockHandle,
    /// The table's format version, from [`FORMAT_VERSION_1`] to
    /// [`FORMAT_VERSION`]: which kind of filter its filter block holds.
    pub version: u32,
}

impl Footer {
    /// The footer's bytes.
    pub(crate) fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(FOOTER_LEN);
        for handle in [self.index, self.filter, self.properties] {
            put_fixed64(&mut buf, handle.offset);
            put_fixed64(&mut buf, handle.size);
        }
        put_fixed32(&mut buf, self.version);
        put_fixed64(&mut buf, TABLE_MAGIC);
        let crc = crc32fast::hash(&buf);
        put_fixed32(&mut buf, crc);
        debug_assert_eq!(buf.len(), FOOTER_LEN);
        buf
    }

    /// Decodes the footer read from `footer_offset` of `file`, checking magic,
    /// checksum and version, and that every handle ends by `footer_offset`
    /// and is no larger than its block's limit (`MAX_INDEX_BLOCK_LEN`,
    /// `MAX_FILTER_BLOCK_LEN`, `MAX_PROPERTIES_BLOCK_LEN`). A version above
    /// [`FORMAT_VERSION`], under a good checksum, is a table of a later
    /// FerrisDB: [`Error::UnsupportedFormat`].
    pub(crate) fn decode(bytes: &[u8], file: &Path, footer_offset: u64) -> Result<Footer> {
        let corrupt =
            |at: usize, reason: String| Error::corruption(file, footer_offset + at as u64, reason);
        if bytes.len() != FOOTER_LEN {
            return Err(corrupt(
                0,
                format!("footer of {} bytes, expected {FOOTER_LEN}", bytes.len()),
            ));
        }
        let mut d = Decoder::new(&bytes[FOOTER_MAGIC_OFFSET..]);
        let magic = d
            .fixed64("magic")
            .map_err(|e| e.in_file(file, footer_offset))?;
        if magic != TABLE_MAGIC {
            return Err(corrupt(
                FOOTER_MAGIC_OFFSET,
                format!("bad magic number {magic:#018x}: not a FerrisDB table, or truncated"),
            ));
        }
        let stored = u32::from_le_bytes([
            bytes[FOOTER_CHECKSUM_OFFSET],
            bytes[FOOTER_CHECKSUM_OFFSET + 1],
            bytes[FOOTER_CHECKSUM_OFFSET + 2],
            bytes[FOOTER_CHECKSUM_OFFSET + 3],
        ]);
        let actual = crc32fast::hash(&bytes[..FOOTER_CHECKSUM_OFFSET]);
        if stored != actual {
            return Err(Error::ChecksumMismatch {
                file: file.to_path_buf(),
                offset: footer_offset,
                expected: stored,
                actual,
            });
        }
        let mut d = Decoder::new(bytes);
        let mut handles = [BlockHandle::default(); 3];
        for (i, handle) in handles.iter_mut().enumerate() {
            let start = d.position();
            let offset = d
                .fixed64("handle offset")
                .map_err(|e| e.in_file(file, footer_offset))?;
            let size = d
                .fixed64("handle size")
                .map_err(|e| e.in_file(file, footer_offset))?;
            *handle = BlockHandle { offset, size };
            let name = ["index", "filter", "properties"][i];
            match handle.end() {
                Some(end) if end <= footer_offset => {}
                _ => {
                    return Err(corrupt(
                        start,
                        format!("{name} block at {offset} of {size} bytes runs past the footer at {footer_offset}"),
                    ));
                }
            }
            // The block is read whole before its checksum can be checked,
            // and a sparse file makes any size within it cheap to claim.
            let most = [
                MAX_INDEX_BLOCK_LEN,
                MAX_FILTER_BLOCK_LEN,
                MAX_PROPERTIES_BLOCK_LEN,
            ][i];
            if size > most {
                return Err(corrupt(
                    start,
                    format!(
                        "{name} block at {offset} of {size} bytes is larger than any table's \
                         {name} block ({most} bytes at most)"
                    ),
                ));
            }
        }
        let version = d
            .fixed32("format version")
            .map_err(|e| e.in_file(file, footer_offset))?;
        if version > FORMAT_VERSION {
            return Err(Error::UnsupportedFormat {
                file: file.to_path_buf(),
                unsupported: Unsupported::Version {
                    found: version,
                    newest_supported: FORMAT_VERSION,
                },
            });
        }
        if version < FORMAT_VERSION_1 {
            return Err(corrupt(
                d.position() - 4,
                format!("format version {version}: versions start at {FORMAT_VERSION_1}"),
            ));
        }
        Ok(Footer {
            index: handles[0],
            filter: handles[1],
            properties: handles[2],
            version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_round_trips_and_rejects_every_flip() {
        let footer = Footer {
            index: BlockHandle {
                offset: 100,
                size: 20,
            },
            filter: BlockHandle {
                offset: 0,
                size: 10,
            },
            properties: BlockHandle {
                offset: 50,
                size: 30,
            },
            version: FORMAT_VERSION,
        };
        let bytes = footer.encode();
        let path = Path::new("x.sst");
        assert_eq!(Footer::decode(&bytes, path, 200).unwrap(), footer);
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x10;
            let err = Footer::decode(&bad, path, 200).unwrap_err();
            assert!(err.is_corruption(), "byte {i}: {err}");
        }
        // Handles past the footer are rejected even with a good checksum.
        assert!(Footer::decode(&bytes, path, 124).is_err());
    }

    #[test]
    fn every_version_up_to_the_newest_reads_a_newer_one_is_unsupported() {
        let path = Path::new("x.sst");
        let with_version = |version| Footer {
            index: BlockHandle::default(),
            filter: BlockHandle::default(),
            properties: BlockHandle::default(),
            version,
        };
        for version in FORMAT_VERSION_1..=FORMAT_VERSION {
            let footer = with_version(version);
            assert_eq!(Footer::decode(&footer.encode(), path, 200).unwrap(), footer);
        }
        let err = Footer::decode(&with_version(FORMAT_VERSION + 1).encode(), path, 200);
        match err.unwrap_err() {
            Error::UnsupportedFormat { file, unsupported } => {
                assert_eq!(file, path);
                assert_eq!(
                    unsupported,
                    Unsupported::Version {
                        found: FORMAT_VERSION + 1,
                        newest_supported: FORMAT_VERSION
                    }
                );
            }
            other => panic!("not unsupported: {other}"),
        }
        let err = Footer::decode(&with_version(0).encode(), path, 200).unwrap_err();
        assert!(err.is_corruption(), "{err}");
    }

    #[test]
    fn handles_larger_than_their_block_can_be_are_rejected() {
        use crate::sstable::format::{
            MAX_FILTER_BLOCK_LEN, MAX_INDEX_BLOCK_LEN, MAX_PROPERTIES_BLOCK_LEN,
        };
        let path = Path::new("x.sst");
        let footer_offset = 1 << 40;
        let small = BlockHandle { offset: 0, size: 1 };
        let at_most = [
            MAX_INDEX_BLOCK_LEN,
            MAX_FILTER_BLOCK_LEN,
            MAX_PROPERTIES_BLOCK_LEN,
        ];
        for (which, most) in at_most.into_iter().enumerate() {
            let with = |size: u64| {
                let mut handles = [small; 3];
                handles[which] = BlockHandle { offset: 0, size };
                Footer {
                    index: handles[0],
                    filter: handles[1],
                    properties: handles[2],
                    version: FORMAT_VERSION,
                }
                .encode()
            };
            assert!(Footer::decode(&with(most), path, footer_offset).is_ok());
            let err = Footer::decode(&with(most + 1), path, footer_offset).unwrap_err();
            assert!(err.is_corruption(), "{err}");
            assert!(err.to_string().contains("x.sst"), "{err}");
        }
    }

    #[test]
    fn varint_handle_round_trips() {
        let h = BlockHandle {
            offset: 1 << 40,
            size: 4096,
        };
        let mut buf = Vec::new();
        h.encode_varint_into(&mut buf);
        assert_eq!(BlockHandle::decode_varint(&buf).unwrap(), h);
        buf.push(0);
        assert!(BlockHandle::decode_varint(&buf).is_err());
    }
}
