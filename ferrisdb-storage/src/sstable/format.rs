//! The constants of the SSTable file format.
//!
//! Everything here is on disk: a table written by one version of FerrisDB must
//! be read by every later one. Changing a value means a new
//! [`FORMAT_VERSION`] and a reader that still understands the old one. The
//! format is specified in `docs/format/sstable.md`; offsets are built from one
//! another so the layout is stated once.

use ferrisdb_core::coding::MAX_VARINT64_LEN;

/// The last 8 bytes of every table: `"FerrisST"` read as a little-endian u64.
pub const TABLE_MAGIC: u64 = u64::from_le_bytes(*b"FerrisST"); // on-disk: never change

/// The newest table format version, written in the footer of every table
/// the writer makes by default. A reader reads every version from
/// [`FORMAT_VERSION_1`] up to it, and refuses a newer one as a table only a
/// later FerrisDB writes.
pub const FORMAT_VERSION: u32 = FORMAT_VERSION_2;
/// The first table format: its filter block is a standard bloom filter, its
/// probes spread over the whole bit array. Still read, and still written
/// when a table's options ask for the standard filter.
pub const FORMAT_VERSION_1: u32 = 1; // on-disk: never change
/// The table format whose filter block is a cache-local bloom filter: every
/// probe of a key falls in one 64-byte line of the bit array
/// ([`LOCAL_BLOOM_LINE_BYTES`]). Nothing else differs from version 1. A
/// FerrisDB that reads only version 1 refuses such a table by its footer,
/// so it never reads the filter as a standard one (which would answer
/// "absent" for keys the table holds).
pub const FORMAT_VERSION_2: u32 = 2; // on-disk: never change

// ---------------------------------------------------------------------------
// Block trailer: every block is followed by a compression byte and a CRC32.

/// Compression byte of a block stored as is.
pub const COMPRESSION_NONE: u8 = 0; // on-disk: never change
/// Compression byte of a block compressed with LZ4 (block format), preceded by
/// its uncompressed length as a varint.
pub const COMPRESSION_LZ4: u8 = 1; // on-disk: never change
/// Compression byte of a block compressed with zstd (one frame), preceded by
/// its uncompressed length as a varint. Tables of format version 1 written
/// before zstd existed never hold it; a reader older than zstd refuses it as
/// an unknown compression byte naming the block.
pub const COMPRESSION_ZSTD: u8 = 2; // on-disk: never change

/// Bytes of the compression byte.
pub const COMPRESSION_BYTE_LEN: usize = 1; // on-disk: never change
/// Bytes of a CRC32 checksum (fixed32).
pub const CHECKSUM_LEN: usize = 4; // on-disk: never change
/// Bytes after the contents of every block: compression byte, then the CRC32
/// of the contents and the compression byte.
pub const BLOCK_TRAILER_LEN: usize = COMPRESSION_BYTE_LEN + CHECKSUM_LEN; // on-disk: never change

/// Largest uncompressed length a compressed block may claim. Bounds the
/// allocation made before decompressing, and so the largest block the writer
/// writes: every block must read back compressed or not.
pub const MAX_UNCOMPRESSED_BLOCK_LEN: usize = 64 << 20; // on-disk: never change
/// LZ4 cannot expand its input by more than about 255 times; a compressed
/// block claiming more is damaged.
pub const MAX_LZ4_EXPANSION: usize = 256; // on-disk: never change

// ---------------------------------------------------------------------------
// Block contents: entries, then the restart array.

/// Bytes of one restart offset, and of the restart count (fixed32 each).
pub const RESTART_ENTRY_LEN: usize = 4; // on-disk: never change
/// Bytes of the timestamp of an entry (fixed64).
pub const TIMESTAMP_LEN: usize = 8; // on-disk: never change
/// Bytes of the operation of an entry.
pub const OPERATION_LEN: usize = 1; // on-disk: never change
/// Most bytes of each of an entry's three length varints (shared, unshared,
/// value length), which fit in 32 bits.
pub const MAX_VARINT32_LEN: usize = 5; // on-disk: never change

// ---------------------------------------------------------------------------
// Entry limits: the largest key and value any layer accepts.
//
// They are derived from the block: an entry of the largest key and the largest
// value, alone in a block with its framing, fills exactly
// MAX_UNCOMPRESSED_BLOCK_LEN bytes, so every entry the engine accepts fits a
// table. `StorageConfig` refuses `max_key_size` and `max_value_size` above
// them, and the table writer refuses larger entries. They may grow as long as
// that sum holds; lowering them would leave stored entries that compaction
// can no longer rewrite.

/// Bytes an entry alone in its block takes besides its key and value, at
/// most: its three length varints, timestamp and operation, its restart
/// offset, and the block's restart count.
pub const MAX_ENTRY_OVERHEAD: usize =
    3 * MAX_VARINT32_LEN + TIMESTAMP_LEN + OPERATION_LEN + 2 * RESTART_ENTRY_LEN;
/// The longest user key any layer accepts, in bytes: 1 MiB. Long enough for
/// any key in practice; a key also sits in the index block, the properties
/// and the manifest, so it is kept far below a block.
pub const MAX_KEY_SIZE: usize = 1 << 20;
/// The longest value any layer accepts, in bytes: what a block holds besides
/// the longest key and the framing, 63 MiB less 32 bytes (66,060,256).
pub const MAX_VALUE_SIZE: usize = MAX_UNCOMPRESSED_BLOCK_LEN - MAX_KEY_SIZE - MAX_ENTRY_OVERHEAD;

// ---------------------------------------------------------------------------
// Filter block: the bit array, then the number of hash functions (probes).
// The footer's version says which kind of bloom filter it is: standard in
// version 1, cache-local in version 2. The hash of user keys in either is
// `ferrisdb_core::hash::key_hash` (XXH64, seed `KEY_HASH_SEED`), on disk too.

/// Fewest bits in a standard filter (version 1), so tiny tables still
/// filter well.
pub const BLOOM_MIN_BITS: usize = 64; // on-disk: never change
/// Most hash functions (probes) a filter of either kind may use; a stored
/// count above it is damage.
pub const BLOOM_MAX_HASHES: u8 = 30; // on-disk: never change
/// Bytes of one line of a cache-local filter (version 2): a cache line of
/// x86-64 and most ARM cores. The bit array is whole lines, at least one.
pub const LOCAL_BLOOM_LINE_BYTES: usize = 64; // on-disk: never change
/// Bits of one line of a cache-local filter: 512, so a probe's position in
/// its line is the top 9 bits of a u32.
pub const LOCAL_BLOOM_LINE_BITS: usize = LOCAL_BLOOM_LINE_BYTES * 8;
/// What the probe hash of a cache-local filter is multiplied by between
/// probes: 2^32 divided by the golden ratio, odd, so the products run
/// through every u32 and their top bits spread well.
pub const LOCAL_BLOOM_PROBE_MULTIPLIER: u32 = 0x9e37_79b9; // on-disk: never change

// ---------------------------------------------------------------------------
// Metadata block limits.
//
// The reader keeps a table's filter, index and properties in memory, and must
// allocate each block whole before its checksum can be verified. A table's
// file size bounds nothing on a sparse file (a crafted table of 1 TiB costs no
// disk), so each block has a limit of its own, derived from the format: the
// writer never writes a larger one, and the footer decoder refuses a handle
// claiming more. (Data blocks are bounded by MAX_UNCOMPRESSED_BLOCK_LEN: a
// block is stored compressed only when that makes it smaller.)

/// Most bytes of an index block's contents: 4 GiB less a byte. Its entries
/// are found through fixed32 restart offsets, so the block cannot grow past
/// what a u32 addresses; the writer refuses to finish a table whose index
/// would (more than 100 GiB of data in 4 KiB blocks with 100-byte keys).
pub const MAX_INDEX_BLOCK_LEN: u64 = u32::MAX as u64; // on-disk: never change
/// Most bits in a filter: 2^35, 4 GiB of bits, 10 bits per key for 3.4
/// billion keys. The writer gives a table with more keys fewer bits per key
/// rather than exceed it: more false positives, never a wrong answer.
pub const MAX_FILTER_BITS: u64 = 1 << 35; // on-disk: never change
/// Most bytes of a filter block's contents: the bits and the hash count.
/// `MAX_FILTER_BITS` is whole lines of a cache-local filter, so the bound
/// is the same for both kinds.
pub const MAX_FILTER_BLOCK_LEN: u64 = MAX_FILTER_BITS / 8 + 1;
const _: () = assert!(MAX_FILTER_BITS.is_multiple_of(LOCAL_BLOOM_LINE_BITS as u64));
/// Most bytes of a properties block's contents: nine varints, two internal
/// keys (a length varint, at most [`MAX_RANGE_END_SIZE`] bytes, since a
/// table's bounds may be a range tombstone's, a fixed64 timestamp), two
/// fixed64 timestamps and the extensions ([`MAX_PROPERTY_EXTENSIONS_LEN`]).
/// The writer refuses longer keys and bounds, so it never writes more.
pub const MAX_PROPERTIES_BLOCK_LEN: u64 = (9 * MAX_VARINT64_LEN
    + 2 * (MAX_VARINT32_LEN + MAX_RANGE_END_SIZE + TIMESTAMP_LEN)
    + 2 * TIMESTAMP_LEN
    + MAX_PROPERTY_EXTENSIONS_LEN) as u64;
/// Most bytes of a range-delete block's contents: 4 GiB less a byte, as for
/// the index. The writer refuses to finish a table whose block would be
/// larger (tens of millions of fragments: a flush or a compaction output
/// holds far fewer).
pub const MAX_RANGE_DEL_BLOCK_LEN: u64 = u32::MAX as u64; // on-disk: never change

// ---------------------------------------------------------------------------
// Properties extensions: optional tagged fields after the last fixed field
// (`filter_size`), to the end of the block, tags strictly ascending:
// `tag: varint32, len: varint32, value: [u8; len]`. A reader refuses a tag it
// does not know as a later FerrisDB's field.

/// The keyspace of a table whose properties have no keyspace extension: the
/// default keyspace, which every table written before keyspaces belongs to.
pub const DEFAULT_KEYSPACE: u32 = 0; // on-disk: never change
/// Tag of the keyspace extension. Its value is the varint32 id the manifest
/// gave the table's keyspace, never [`DEFAULT_KEYSPACE`]: a table of the
/// default keyspace has no extension, so its bytes are those of a table
/// written before keyspaces.
pub const PROPERTY_TAG_KEYSPACE: u32 = 1; // on-disk: never change
/// Tag of the range-deletes extension: where the table's range-delete block
/// is and what it holds. Its value is the block's handle (`offset: varint64,
/// size: varint64`), its fragment count (`varint32`, at least 1) and its
/// timestamp count (`varint64`, at least the fragment count). A table
/// without range tombstones has no extension and no block, so its bytes are
/// those of a table written before range deletes; a FerrisDB that predates
/// them refuses a table with one by its unknown tag, never reading the
/// table's points without its tombstones.
pub const PROPERTY_TAG_RANGE_DELETES: u32 = 2; // on-disk: never change
/// Most bytes of the extensions the writer writes: the keyspace's tag and
/// length (one byte each, both below 128) and its id (a varint32); the
/// range deletes' tag and length (one byte each) and its value (an offset,
/// a size of at most [`MAX_RANGE_DEL_BLOCK_LEN`], a fragment count and a
/// timestamp count).
pub const MAX_PROPERTY_EXTENSIONS_LEN: usize = (1 + 1 + MAX_VARINT32_LEN)
    + (1 + 1 + MAX_VARINT64_LEN + MAX_VARINT32_LEN + MAX_VARINT32_LEN + MAX_VARINT64_LEN); // on-disk: never change

// ---------------------------------------------------------------------------
// Range-delete block: the table's range tombstones, cut into non-overlapping
// fragments (`range_del_block.rs`).
//
// A fragment is `[start, end)` with the timestamps of the tombstones over it.
// A table never holds an unbounded tombstone (the flush gives it an end), so
// every fragment has an end.

/// The longest start or end of a range tombstone in a table, in bytes: one
/// more than a key, since the range `..=k` of the longest key `k` ends at
/// `k + [0x00]`, and the range `(Excluded(k), ..)` starts there.
pub const MAX_RANGE_END_SIZE: usize = MAX_KEY_SIZE + 1; // on-disk: never change
/// The largest timestamp of a range tombstone in a table: the largest the
/// engine gives out (the manifest's `MAX_TIMESTAMP`), below both sentinels.
pub const MAX_TOMBSTONE_TIMESTAMP: u64 = i64::MAX as u64; // on-disk: never change

// Table bounds with range tombstones. A table's `smallest_key` and
// `largest_key` cover its tombstones as well as its points, written as
// internal keys with a timestamp no version carries (both are above
// MAX_TOMBSTONE_TIMESTAMP). In internal-key order (timestamps descending)
// `(u, RANGE_END_TS) < (u, RANGE_START_TS) < (u, t)` for every real `t`, so
// a table ending at `u` sorts before one starting at `u`. They are on disk
// here and in the manifest's table records, so they are defined once, in
// core, beside the range tombstone (`ferrisdb_core::range_tombstone`):
//
// - `RANGE_START_TS = u64::MAX - 1`: a smallest key `(s, RANGE_START_TS)` is
//   a tombstone's start `s`, before every version of `s`;
// - `RANGE_END_TS = u64::MAX`: a largest key `(e, RANGE_END_TS)` is a
//   tombstone's end `e`, meaning "the keys below `e`" (RocksDB's
//   `kMaxSequenceNumber` sentinel).
pub use ferrisdb_core::range_tombstone::{RANGE_END_TS, RANGE_START_TS}; // on-disk: never change
                                                                        // No tombstone (and no version) carries a sentinel.
const _: () = assert!(MAX_TOMBSTONE_TIMESTAMP < RANGE_START_TS && RANGE_START_TS < RANGE_END_TS);

// ---------------------------------------------------------------------------
// Footer: the last FOOTER_LEN bytes of the file, all fixed width.

/// Bytes of a block handle in the footer: offset and size, fixed64 each.
pub const FOOTER_HANDLE_LEN: usize = 16; // on-disk: never change
/// Offset within the footer of the index block's handle.
pub const FOOTER_INDEX_HANDLE_OFFSET: usize = 0; // on-disk: never change
/// Offset within the footer of the filter block's handle.
pub const FOOTER_FILTER_HANDLE_OFFSET: usize = FOOTER_INDEX_HANDLE_OFFSET + FOOTER_HANDLE_LEN; // on-disk: never change
/// Offset within the footer of the properties block's handle.
pub const FOOTER_PROPERTIES_HANDLE_OFFSET: usize = FOOTER_FILTER_HANDLE_OFFSET + FOOTER_HANDLE_LEN; // on-disk: never change
/// Offset within the footer of the format version (fixed32).
pub const FOOTER_VERSION_OFFSET: usize = FOOTER_PROPERTIES_HANDLE_OFFSET + FOOTER_HANDLE_LEN; // on-disk: never change
/// Offset within the footer of the magic number (fixed64).
pub const FOOTER_MAGIC_OFFSET: usize = FOOTER_VERSION_OFFSET + 4; // on-disk: never change
/// Offset within the footer of its CRC32, which covers every byte before it.
pub const FOOTER_CHECKSUM_OFFSET: usize = FOOTER_MAGIC_OFFSET + 8; // on-disk: never change
/// Bytes of the footer.
pub const FOOTER_LEN: usize = FOOTER_CHECKSUM_OFFSET + CHECKSUM_LEN; // on-disk: never change

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn footer_layout_is_64_bytes_ending_in_magic_then_checksum() {
        assert_eq!(FOOTER_LEN, 64);
        assert_eq!(FOOTER_MAGIC_OFFSET, 52);
        assert_eq!(FOOTER_CHECKSUM_OFFSET, 60);
        assert_eq!(&TABLE_MAGIC.to_le_bytes(), b"FerrisST");
        assert_eq!(BLOCK_TRAILER_LEN, 5);
    }

    #[test]
    fn sentinels_sort_a_table_ending_at_a_key_before_one_starting_there() {
        use ferrisdb_core::InternalKey;
        assert_eq!((RANGE_START_TS, RANGE_END_TS), (u64::MAX - 1, u64::MAX));
        let end = InternalKey::new("u", RANGE_END_TS);
        let start = InternalKey::new("u", RANGE_START_TS);
        let newest = InternalKey::new("u", MAX_TOMBSTONE_TIMESTAMP);
        assert!(end < start && start < newest);
        assert!(InternalKey::new("t", 0) < end);
        assert_eq!(MAX_PROPERTY_EXTENSIONS_LEN, 39);
    }

    #[test]
    fn the_largest_entry_fills_the_largest_block() {
        assert_eq!(MAX_ENTRY_OVERHEAD, 32);
        assert_eq!(MAX_VALUE_SIZE, 66_060_256);
        assert_eq!(
            MAX_KEY_SIZE + MAX_VALUE_SIZE + MAX_ENTRY_OVERHEAD,
            MAX_UNCOMPRESSED_BLOCK_LEN
        );
        assert_eq!(
            ferrisdb_core::coding::varint64_len(u64::from(u32::MAX)),
            MAX_VARINT32_LEN
        );
    }
}
