//! On-disk layout of the manifest. Constants only.
//!
//! The byte-level specification, with a worked example, is
//! `docs/format/manifest.md`. Every constant here is part of the format:
//! on-disk: never change.

/// The first eight bytes of every manifest. On-disk: never change.
pub const MAGIC: [u8; 8] = *b"FDBMANIF";

/// The format version this code writes. Version 2 ends the body with the
/// closed log (its number and final length). On-disk: never change the
/// meaning of a version; add a new one.
pub const FORMAT_VERSION: u32 = 2;

/// The first format version, still read: its body ends with the tables.
/// On-disk: never change.
pub const FORMAT_VERSION_1: u32 = 1;

/// Offset of the magic number. On-disk: never change.
pub const MAGIC_OFFSET: usize = 0;

/// Offset of the format version (fixed32). On-disk: never change.
pub const VERSION_OFFSET: usize = MAGIC_OFFSET + MAGIC.len();

/// Offset of the body length (fixed32). On-disk: never change.
pub const BODY_LEN_OFFSET: usize = VERSION_OFFSET + 4;

/// Size of the header: magic, version, body length. On-disk: never change.
pub const HEADER_LEN: usize = BODY_LEN_OFFSET + 4;

/// Size of the trailing CRC32 over header and body. On-disk: never change.
pub const CHECKSUM_LEN: usize = 4;

/// The smallest valid manifest: a header, an empty body, a checksum.
pub const MIN_FILE_LEN: usize = HEADER_LEN + CHECKSUM_LEN;

/// The largest manifest body accepted on read, so a corrupt length can never
/// cause a huge allocation: 256 MiB is room for millions of tables.
pub const MAX_BODY_LEN: usize = 256 << 20;

/// The largest manifest file accepted on read: its length is checked before
/// it is read.
pub const MAX_FILE_LEN: usize = HEADER_LEN + MAX_BODY_LEN + CHECKSUM_LEN;

/// The fewest bytes a table record takes: five one-byte varints (level,
/// number, size, entries, tombstones), two internal keys of at least a length
/// byte and a fixed64 timestamp, and two fixed64 timestamps. A table count
/// claiming more records than the body holds is damage.
pub const MIN_TABLE_RECORD_LEN: usize = 5 + 2 * (1 + 8) + 2 * 8;

/// The number of levels a database has, 0 through 6: a table record's level
/// is below it, for either compaction style. On-disk: never change.
pub const NUM_LEVELS: usize = 7;

/// The bound on file numbers, for logs and tables alike: every number given
/// out is below it (`manifest::take_file_number`), so the next file number a
/// manifest records is at most this. A manifest whose next file number is
/// above it is damaged, and `open` refuses a log or table file named with it
/// or a larger number. So the counter never reaches `u64::MAX` and never
/// wraps around to reuse an old name.
pub const MAX_FILE_NUMBER: u64 = i64::MAX as u64;

/// The largest timestamp a database records, in its manifest or its logs.
/// Every write takes the next timestamp, and none above this is given out,
/// so the counter never reaches `u64::MAX` and never wraps around to sort
/// new writes below old ones.
pub const MAX_TIMESTAMP: u64 = i64::MAX as u64;
