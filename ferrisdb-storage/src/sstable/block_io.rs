//! Writing a block with its trailer, and reading it back verified.
//!
//! ```text
//! stored_block := contents: bytes[size]   // as is, or compressed (below)
//!                 compression: u8         // 0 none, 1 LZ4, 2 zstd
//!                 checksum: fixed32       // CRC32 of contents and compression
//! lz4_contents := uncompressed_len: varint64
//!                 lz4_block: bytes        // LZ4 block format
//! zstd_contents := uncompressed_len: varint64
//!                  zstd_frame: bytes      // one zstd frame
//! ```
//!
//! The checksum is verified before anything in the block is interpreted.

use std::path::Path;

use ferrisdb_core::coding::{put_fixed32, put_varint64, Decoder};
use ferrisdb_core::{CompressionType, Error, ReadOptions, Result};

use super::footer::BlockHandle;
use super::format::{
    BLOCK_TRAILER_LEN, COMPRESSION_LZ4, COMPRESSION_NONE, COMPRESSION_ZSTD, MAX_LZ4_EXPANSION,
    MAX_UNCOMPRESSED_BLOCK_LEN,
};
use crate::fs::{RandomAccessFile, WritableFile};

/// How a data block is read: whether a block read from the file is added to
/// the cache, whether its checksum is verified (from a read's
/// [`ReadOptions`]), and whether it counts as a block a user read took
/// ([`BlockCache::blocks_read`](super::BlockCache::blocks_read)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BlockRead {
    pub(crate) fill_cache: bool,
    pub(crate) verify: Verify,
    pub(crate) counted: bool,
}

impl BlockRead {
    /// What a read with default options does: cache and verify (a table
    /// read on its own, by a tool or a test: not counted).
    pub(crate) const CACHED: BlockRead = BlockRead {
        fill_cache: true,
        verify: Verify::Checksum,
        counted: false,
    };
}

impl From<&ReadOptions> for BlockRead {
    /// A user read's: `get` and scans are the reads that take options, and
    /// each block they take is counted.
    fn from(options: &ReadOptions) -> Self {
        BlockRead {
            counted: true,
            fill_cache: options.fill_cache,
            verify: if options.verify_checksums {
                Verify::Checksum
            } else {
                Verify::Skip
            },
        }
    }
}

/// Appends `contents` at `offset` of `file` (the file's current length),
/// compressed when `compression` asks for it and it saves at least 1/8 of the
/// bytes. Returns the block's handle. `scratch` is reused between calls.
pub(crate) fn write_block(
    file: &mut dyn WritableFile,
    offset: u64,
    contents: &[u8],
    compression: CompressionType,
    scratch: &mut Vec<u8>,
) -> Result<BlockHandle> {
    scratch.clear();
    let mut kind = COMPRESSION_NONE;
    // Worth storing compressed only if it saves at least an eighth.
    let worth = |compressed: usize| compressed < contents.len() - contents.len() / 8;
    match compression {
        CompressionType::None => {}
        CompressionType::Lz4 => {
            put_varint64(scratch, contents.len() as u64);
            let prefix = scratch.len();
            scratch.resize(
                prefix + lz4_flex::block::get_maximum_output_size(contents.len()),
                0,
            );
            match lz4_flex::block::compress_into(contents, &mut scratch[prefix..]) {
                Ok(n) if worth(prefix + n) => {
                    scratch.truncate(prefix + n);
                    kind = COMPRESSION_LZ4;
                }
                _ => scratch.clear(),
            }
        }
        CompressionType::Zstd { level } => {
            put_varint64(scratch, contents.len() as u64);
            let prefix = scratch.len();
            scratch.resize(prefix + zstd::zstd_safe::compress_bound(contents.len()), 0);
            match zstd::bulk::compress_to_buffer(contents, &mut scratch[prefix..], level) {
                Ok(n) if worth(prefix + n) => {
                    scratch.truncate(prefix + n);
                    kind = COMPRESSION_ZSTD;
                }
                _ => scratch.clear(),
            }
        }
    }
    if kind == COMPRESSION_NONE {
        scratch.extend_from_slice(contents);
    }
    let size = scratch.len() as u64;
    scratch.push(kind);
    let crc = crc32fast::hash(scratch);
    put_fixed32(scratch, crc);
    file.append(scratch)?;
    Ok(BlockHandle { offset, size })
}

/// Reads the block at `handle` of `file`, checks that it ends by `limit`,
/// verifies its checksum (unless `verify` is off, for a read whose
/// `ReadOptions::verify_checksums` is) and decompresses it.
pub(crate) fn read_block(
    file: &dyn RandomAccessFile,
    path: &Path,
    handle: BlockHandle,
    limit: u64,
    verify: Verify,
) -> Result<Vec<u8>> {
    let mut buf = vec![0u8; stored_len(path, handle, limit)?];
    file.read_exact_at(handle.offset, &mut buf)?;
    decode_block(buf, path, handle, verify)
}

/// Whether a block's checksum is verified as it is read.
///
/// A data block read for a user whose `ReadOptions::verify_checksums` is off
/// skips it; the footer, index, filter and properties, and every block
/// compaction reads, are always verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verify {
    /// Compute the CRC and refuse a mismatch.
    Checksum,
    /// Trust the bytes; decoding stays bounds-checked.
    Skip,
}

/// The bytes the block at `handle` takes in the file (contents and trailer),
/// once checked to end by `limit`.
pub(crate) fn stored_len(path: &Path, handle: BlockHandle, limit: u64) -> Result<usize> {
    let corrupt = |reason: String| Error::corruption(path, handle.offset, reason);
    match handle.end() {
        Some(end) if end <= limit => {}
        _ => {
            return Err(corrupt(format!(
                "block of {} bytes at {} runs past byte {limit}",
                handle.size, handle.offset
            )))
        }
    }
    // Fits in memory: it is within a file whose length fits.
    usize::try_from(handle.size)
        .ok()
        .and_then(|size| size.checked_add(BLOCK_TRAILER_LEN))
        .ok_or_else(|| corrupt(format!("block of {} bytes", handle.size)))
}

/// Verifies and decompresses `buf`, the stored bytes of the block at `handle`
/// (as long as [`stored_len`] says), and returns its contents.
pub(crate) fn decode_block(
    mut buf: Vec<u8>,
    path: &Path,
    handle: BlockHandle,
    verify: Verify,
) -> Result<Vec<u8>> {
    let corrupt = |offset: u64, reason: String| Error::corruption(path, offset, reason);
    let Some(size) = buf.len().checked_sub(BLOCK_TRAILER_LEN) else {
        return Err(corrupt(
            handle.offset,
            "block shorter than its trailer".into(),
        ));
    };
    let stored = u32::from_le_bytes([buf[size + 1], buf[size + 2], buf[size + 3], buf[size + 4]]);
    let actual = match verify {
        Verify::Checksum => crc32fast::hash(&buf[..size + 1]),
        Verify::Skip => stored,
    };
    if stored != actual {
        return Err(Error::ChecksumMismatch {
            file: path.to_path_buf(),
            offset: handle.offset,
            expected: stored,
            actual,
        });
    }
    match buf[size] {
        COMPRESSION_NONE => {
            buf.truncate(size);
            Ok(buf)
        }
        COMPRESSION_LZ4 => decompress(
            &buf[..size],
            path,
            handle,
            "LZ4",
            |compressed| {
                MAX_UNCOMPRESSED_BLOCK_LEN.min(compressed.len().saturating_mul(MAX_LZ4_EXPANSION))
            },
            |compressed, out| {
                lz4_flex::block::decompress_into(compressed, out).map_err(|e| e.to_string())
            },
        ),
        // zstd can expand without bound (a run of one byte), so only the
        // format's block limit bounds the claim.
        COMPRESSION_ZSTD => decompress(
            &buf[..size],
            path,
            handle,
            "zstd",
            |_| MAX_UNCOMPRESSED_BLOCK_LEN,
            |compressed, out| {
                zstd::bulk::decompress_to_buffer(compressed, out).map_err(|e| e.to_string())
            },
        ),
        other => Err(corrupt(
            handle.offset + handle.size,
            format!("unknown compression byte {other:#04x}"),
        )),
    }
}

/// Decompresses `contents` (the varint uncompressed length, then the
/// compressed bytes) of the block at `handle` with `codec`, into exactly the
/// claimed length. The claim is checked against `bound` (of the compressed
/// bytes) before anything is allocated, so a damaged length cannot make the
/// reader allocate more than the format allows.
fn decompress(
    contents: &[u8],
    path: &Path,
    handle: BlockHandle,
    name: &str,
    bound: impl FnOnce(&[u8]) -> usize,
    codec: impl FnOnce(&[u8], &mut [u8]) -> std::result::Result<usize, String>,
) -> Result<Vec<u8>> {
    let corrupt = |reason: String| Error::corruption(path, handle.offset, reason);
    let mut d = Decoder::new(contents);
    let claimed = d
        .varint64("uncompressed length")
        .map_err(|e| e.in_file(path, handle.offset))?;
    let compressed = &contents[d.position()..];
    let len = match usize::try_from(claimed) {
        Ok(len) if len <= bound(compressed) => len,
        _ => {
            return Err(corrupt(format!(
                "{name} block of {} bytes claims {claimed} bytes uncompressed",
                compressed.len()
            )))
        }
    };
    let mut out = vec![0u8; len];
    match codec(compressed, &mut out) {
        Ok(n) if n == len => Ok(out),
        Ok(n) => Err(corrupt(format!(
            "{name} block decompressed to {n} bytes, expected {len}"
        ))),
        Err(e) => Err(corrupt(format!("{name} block does not decompress: {e}"))),
    }
}
