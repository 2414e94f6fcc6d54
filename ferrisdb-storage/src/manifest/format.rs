//! On-disk layout of the manifest. Constants only.
//!
//! The byte-level specification, with a worked example, is
//! `docs/format/manifest.md`. Every constant here is part of the format:
//! on-disk: never change.

/// The first eight bytes of every manifest. On-disk: never change.
pub const MAGIC: [u8; 8] = *b"FDBMANIF";

/// The database format version this code writes, in the header of every
/// manifest it writes. It names the formats of every file of the database
/// (manifest, logs, tables), so a FerrisDB checks it, and the feature flags
/// after it, before it reads any other file. Version 3 starts the body with
/// the feature flags and ends it with the feature records; version 4 logs
/// batches whose entries carry a keyspace id. Bump it for a
/// change of any file's format that an older FerrisDB would misread
/// (`docs/format/README.md` says when, and how to declare a feature
/// instead). On-disk: never change the meaning of a version; add a new one.
pub const FORMAT_VERSION: u32 = FORMAT_VERSION_4;

/// The first format version, still read: its body ends with the tables.
/// On-disk: never change.
pub const FORMAT_VERSION_1: u32 = 1;

/// The second format version, still read: its body ends with the closed log
/// (its number and final length). On-disk: never change.
pub const FORMAT_VERSION_2: u32 = 2;

/// The first format version with feature flags, at the start of the body,
/// and feature records, at its end. Every later version keeps them there.
/// On-disk: never change.
pub const FORMAT_VERSION_3: u32 = 3;

/// The first format version whose logs (WAL format version 3) hold records
/// of kind DATA, batches whose entries carry a keyspace id and may use the
/// range-delete tag reserved for later (`docs/format/wal.md`): an older
/// FerrisDB would refuse such a log as damage. The manifest is laid out as
/// in version 3. On-disk: never change.
pub const FORMAT_VERSION_4: u32 = 4;

/// Size of the feature flags at the start of a version-3 body: compatible,
/// read-only compatible and incompatible, a fixed64 each, in that order.
/// On-disk: never change.
pub const FEATURE_FLAGS_LEN: usize = 3 * 8;

/// The class byte of a feature record of a compatible feature: a FerrisDB
/// that does not know the feature reads and writes the database, and keeps
/// the flag and the feature's records as they are. On-disk: never change.
pub const FEATURE_CLASS_COMPAT: u8 = 0;

/// The class byte of a feature record of a read-only compatible feature: a
/// FerrisDB that does not know it could read the database but must not
/// write it. On-disk: never change.
pub const FEATURE_CLASS_RO_COMPAT: u8 = 1;

/// The class byte of a feature record of an incompatible feature: a
/// FerrisDB that does not know it must not open the database. On-disk:
/// never change.
pub const FEATURE_CLASS_INCOMPAT: u8 = 2;

/// The number of features of each class: bit `n` of a class's flags is its
/// feature `n`. On-disk: never change.
pub const FEATURE_BITS: u8 = 64;

// The features this code knows, by class. A feature takes the next free bit
// of its class in a constant of its own (`INCOMPAT_RANGE_DELETES: u64 = 1 <<
// 0`, say), listed in docs/format/README.md, and joins its class's set below.
// A bit's meaning never changes, and a bit is never reused.

/// The compatible features this code knows: none yet.
pub const COMPAT_SUPPORTED: u64 = 0;

/// The read-only compatible features this code knows: none yet. A manifest
/// declaring another one is refused.
pub const RO_COMPAT_SUPPORTED: u64 = 0;

/// The incompatible features this code knows: none yet. A manifest declaring
/// another one is refused.
pub const INCOMPAT_SUPPORTED: u64 = 0;

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
