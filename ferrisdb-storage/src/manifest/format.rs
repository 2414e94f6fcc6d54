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
/// batches whose entries carry a keyspace id; version 5 writes tables with
/// cache-local bloom filters. Bump it for a
/// change of any file's format that an older FerrisDB would misread
/// (`docs/format/README.md` says when, and how to declare a feature
/// instead). On-disk: never change the meaning of a version; add a new one.
pub const FORMAT_VERSION: u32 = FORMAT_VERSION_5;

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
/// of kind DATA, batches whose entries carry a keyspace id and whose tag 3
/// was reserved for range deletes, written once the feature `range_deletes`
/// ([`INCOMPAT_RANGE_DELETES_BIT`]) is declared (`docs/format/wal.md`): an
/// older FerrisDB would refuse such a log as damage. The manifest is laid
/// out as in version 3. On-disk: never change.
pub const FORMAT_VERSION_4: u32 = 4;

/// The first format version whose tables may be of table format version 2
/// (`sstable::format::FORMAT_VERSION_2`): a cache-local bloom filter, which
/// every table written since has. A FerrisDB of version 4 would refuse such
/// a table by its footer as damage; the version makes it refuse the
/// database at `open` instead, by name, before it reads any table. The
/// manifest and the logs are laid out as in version 4. On-disk: never
/// change.
pub const FORMAT_VERSION_5: u32 = 5;

/// Size of the feature flags at the start of a version-3 body: compatible,
/// read-only compatible and incompatible, a fixed64 each, in that order.
/// On-disk: never change.
pub const FEATURE_FLAGS_LEN: usize = 3 * 8;

/// Offset of the incompatible feature flags in a version-3 body, after the
/// compatible and read-only compatible ones. On-disk: never change.
pub const INCOMPAT_FLAGS_OFFSET: usize = 2 * 8;

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
// of its class in a constant of its own (as `INCOMPAT_RANGE_DELETES_BIT`
// does), listed in docs/format/README.md, and joins its class's set below.
// A bit's meaning never changes, and a bit is never reused.

/// The bit of the incompatible feature `keyspaces`: the database has, or
/// had, keyspaces other than the default one. Its record (class 2, bit 0)
/// holds them (`docs/format/manifest.md`, "The keyspaces record"); their
/// tables and log entries carry their ids, which an older FerrisDB would
/// misread. On-disk: never change.
pub const INCOMPAT_KEYSPACES_BIT: u8 = 0;

/// The flag of the incompatible feature `keyspaces`
/// ([`INCOMPAT_KEYSPACES_BIT`]). On-disk: never change.
pub const INCOMPAT_KEYSPACES: u64 = 1 << INCOMPAT_KEYSPACES_BIT;

/// The bit of the incompatible feature `range_deletes`: the database's logs
/// may hold range deletes (entry tag 3, `docs/format/wal.md`), which an
/// older FerrisDB refuses. It has no record. On-disk: never change.
pub const INCOMPAT_RANGE_DELETES_BIT: u8 = 1;

/// The flag of the incompatible feature `range_deletes`
/// ([`INCOMPAT_RANGE_DELETES_BIT`]). On-disk: never change.
pub const INCOMPAT_RANGE_DELETES: u64 = 1 << INCOMPAT_RANGE_DELETES_BIT;

/// The compatible features this code knows: none yet.
pub const COMPAT_SUPPORTED: u64 = 0;

/// The read-only compatible features this code knows: none yet. A manifest
/// declaring another one is refused.
pub const RO_COMPAT_SUPPORTED: u64 = 0;

/// The incompatible features this code knows: `keyspaces` and
/// `range_deletes`. A manifest declaring another one is refused.
pub const INCOMPAT_SUPPORTED: u64 = INCOMPAT_KEYSPACES | INCOMPAT_RANGE_DELETES;

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

/// The id of the default keyspace: its tables are the body's main list, and
/// its log entries carry keyspace 0. On-disk: never change.
pub const DEFAULT_KEYSPACE_ID: u32 = 0;

/// The name of the default keyspace, which the keyspaces record never lists.
/// On-disk: never change.
pub const DEFAULT_KEYSPACE_NAME: &str = "default";

/// The first id given to a keyspace other than the default one; a
/// `next_keyspace_id` of this value means none was ever made. On-disk: never
/// change.
pub const FIRST_KEYSPACE_ID: u32 = 1;

/// The longest keyspace name, in bytes of UTF-8. On-disk: never change.
pub const MAX_KEYSPACE_NAME_LEN: usize = 255;

/// The fewest bytes a keyspace takes in the keyspaces record: one-byte
/// varints for its id, its name's length, its log number, its options'
/// length, their field count and its table count, and a name of one byte. A
/// keyspace count claiming more than the record holds is damage.
pub const MIN_KEYSPACE_RECORD_LEN: usize = 7;

/// The fewest bytes an option field takes: its tag and a one-byte varint.
pub const MIN_OPTION_FIELD_LEN: usize = 2;

// The tags of a keyspace's stored options, each a u8 followed by a varint64
// value, written in ascending order. A tag this code does not know is a
// later FerrisDB's option. On-disk: never change.

/// Option tag: the MemTable size in bytes. On-disk: never change.
pub const OPTION_MEMTABLE_SIZE: u8 = 1;
/// Option tag: the target size of a table's data blocks in bytes. On-disk:
/// never change.
pub const OPTION_BLOCK_SIZE: u8 = 2;
/// Option tag: the bloom filter's bits per key, 0 for no filter. On-disk:
/// never change.
pub const OPTION_BLOOM_BITS_PER_KEY: u8 = 3;
/// Option tag: the compression of table blocks, one of the `COMPRESSION_*`
/// codes. On-disk: never change.
pub const OPTION_COMPRESSION: u8 = 4;
/// Option tag: the zstd level, an `i32` zigzag-encoded; present exactly when
/// the compression is [`COMPRESSION_ZSTD`]. On-disk: never change.
pub const OPTION_ZSTD_LEVEL: u8 = 5;
/// Option tag: the compaction style, one of the `COMPACTION_*` codes. On-disk:
/// never change.
pub const OPTION_COMPACTION_STYLE: u8 = 6;
/// Option tag: whether each MemTable keeps a bloom filter of its keys, one of
/// the `MEMTABLE_FILTER_*` codes. On-disk: never change.
pub const OPTION_MEMTABLE_FILTER: u8 = 7;
/// Option tag (leveled only): level-0 tables that trigger a compaction.
/// On-disk: never change.
pub const OPTION_LEVEL0_FILE_NUM_COMPACTION_TRIGGER: u8 = 16;
/// Option tag (leveled only): the target size of level 1 in bytes. On-disk:
/// never change.
pub const OPTION_MAX_BYTES_FOR_LEVEL_BASE: u8 = 17;
/// Option tag (leveled only): the growth factor between levels. On-disk:
/// never change.
pub const OPTION_MAX_BYTES_FOR_LEVEL_MULTIPLIER: u8 = 18;
/// Option tag (size-tiered only): runs of similar size merged together.
/// On-disk: never change.
pub const OPTION_MIN_MERGE_WIDTH: u8 = 32;
/// Option tag (size-tiered only): the space amplification that triggers a
/// full merge, in percent. On-disk: never change.
pub const OPTION_MAX_SIZE_AMPLIFICATION_PERCENT: u8 = 33;

/// Compression code: blocks stored as they are. On-disk: never change.
pub const COMPRESSION_NONE: u64 = 0;
/// Compression code: LZ4. On-disk: never change.
pub const COMPRESSION_LZ4: u64 = 1;
/// Compression code: zstd, at the level of [`OPTION_ZSTD_LEVEL`]. On-disk:
/// never change.
pub const COMPRESSION_ZSTD: u64 = 2;

/// Compaction style code: leveled. On-disk: never change.
pub const COMPACTION_LEVELED: u64 = 0;
/// Compaction style code: size-tiered. On-disk: never change.
pub const COMPACTION_SIZE_TIERED: u64 = 1;

/// MemTable filter code: MemTables keep no filter. On-disk: never change.
pub const MEMTABLE_FILTER_OFF: u64 = 0;
/// MemTable filter code: each MemTable keeps a bloom filter of its keys.
/// On-disk: never change.
pub const MEMTABLE_FILTER_ON: u64 = 1;
