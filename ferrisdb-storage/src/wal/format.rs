//! The on-disk constants of the write-ahead log.
//!
//! The format is specified in `docs/format/wal.md`; every constant here is part
//! of it. Changing any of them makes existing logs unreadable.

/// The first bytes of every WAL file.
pub const MAGIC: [u8; 8] = *b"FDB-WAL\x00"; // on-disk: never change

/// The format version this code writes. Version 3 records carry the bytes
/// given to the writer (kind DATA); the file header, the framing and the
/// record prefix are version 2's (see `docs/format/wal.md`).
pub const FORMAT_VERSION: u32 = 3; // on-disk: never change
/// Version 2, still read: records start with a kind byte, the log's number
/// and its durable length; its batch records hold a write batch in its
/// first encoding.
pub const FORMAT_VERSION_2: u32 = 2; // on-disk: never change
/// The first format version, still read: its records hold a bare batch in
/// its first encoding.
pub const FORMAT_VERSION_1: u32 = 1; // on-disk: never change

/// Offset of the magic in the file header.
pub const HEADER_MAGIC_OFFSET: usize = 0; // on-disk: never change
/// Offset of the fixed32 format version in the file header.
pub const HEADER_VERSION_OFFSET: usize = HEADER_MAGIC_OFFSET + MAGIC.len(); // on-disk: never change
/// Offset of the fixed64 file number in the file header.
pub const HEADER_FILE_NUMBER_OFFSET: usize = HEADER_VERSION_OFFSET + 4; // on-disk: never change
/// Offset of the fixed32 CRC32 of the header bytes before it.
pub const HEADER_CRC_OFFSET: usize = HEADER_FILE_NUMBER_OFFSET + 8; // on-disk: never change
/// Size of the file header; the first fragment starts right after it.
pub const FILE_HEADER_SIZE: usize = HEADER_CRC_OFFSET + 4; // on-disk: never change

/// Size of a block. Fragments never cross a block boundary; block `i` covers
/// file bytes `[i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE)`, the file header
/// included in block 0.
pub const BLOCK_SIZE: usize = 32 * 1024; // on-disk: never change

/// Offset of the fixed32 CRC32 (of the fragment's file offset from version 2
/// on, its type byte and its data) in a fragment header.
pub const FRAGMENT_CRC_OFFSET: usize = 0; // on-disk: never change
/// Offset of the fixed16 payload length in a fragment header.
pub const FRAGMENT_LENGTH_OFFSET: usize = FRAGMENT_CRC_OFFSET + 4; // on-disk: never change
/// Offset of the type byte in a fragment header.
pub const FRAGMENT_TYPE_OFFSET: usize = FRAGMENT_LENGTH_OFFSET + 2; // on-disk: never change
/// Size of a fragment header; its payload follows.
pub const FRAGMENT_HEADER_SIZE: usize = FRAGMENT_TYPE_OFFSET + 1; // on-disk: never change

/// The smallest fragment: a header and one payload byte. A block with fewer
/// bytes left is padded with zeros (the block trailer).
pub const MIN_FRAGMENT_SIZE: usize = FRAGMENT_HEADER_SIZE + 1; // on-disk: never change

/// Type byte of a whole record in one fragment.
pub const TYPE_FULL: u8 = 1; // on-disk: never change
/// Type byte of the first fragment of a split record.
pub const TYPE_FIRST: u8 = 2; // on-disk: never change
/// Type byte of an inner fragment of a split record.
pub const TYPE_MIDDLE: u8 = 3; // on-disk: never change
/// Type byte of the last fragment of a split record.
pub const TYPE_LAST: u8 = 4; // on-disk: never change

/// Offset of the kind byte in a record's payload (from version 2 on).
pub const RECORD_KIND_OFFSET: usize = 0; // on-disk: never change
/// Offset of the varint64 number of the file the record belongs to, in a
/// record's payload (from version 2 on): a page of another log that a crash
/// leaves in this file is never taken for one of its records.
pub const RECORD_LOG_NUMBER_OFFSET: usize = RECORD_KIND_OFFSET + 1; // on-disk: never change
/// The most bytes a varint64 takes.
pub const MAX_VARINT64_LEN: usize = 10; // on-disk: never change
/// The longest record prefix: the kind byte and two varint64s, the log
/// number and then the durable length (every byte of the file before it was
/// synced when the record was framed).
pub const MAX_RECORD_PREFIX_LEN: usize = RECORD_LOG_NUMBER_OFFSET + 2 * MAX_VARINT64_LEN; // on-disk: never change

/// Kind of a record of version 2 that holds, after its durable length, a
/// write batch in its first encoding. Read, never written.
pub const RECORD_KIND_LEGACY_BATCH: u8 = 1; // on-disk: never change
/// Kind of the seal: the last record of a finished log (rotated or closed),
/// holding nothing but its durable length, which is its own offset.
pub const RECORD_KIND_SEAL: u8 = 2; // on-disk: never change
/// Kind of a record that holds, after its durable length, the bytes given
/// to the writer, as they were given (from version 3 on).
pub const RECORD_KIND_DATA: u8 = 3; // on-disk: never change
