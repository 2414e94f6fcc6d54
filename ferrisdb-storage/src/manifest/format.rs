//! On-disk layout of the manifest. Constants only.
//!
//! The byte-level specification, with a worked example, is
//! `docs/format/manifest.md`. Every constant here is part of the format:
//! on-disk: never change.

/// The manifest's file name in the data directory. On-disk: never change.
pub const MANIFEST_FILE_NAME: &str = "MANIFEST";

/// The name a new manifest is written under before it is renamed over
/// [`MANIFEST_FILE_NAME`]. On-disk: never change.
pub const MANIFEST_TEMP_FILE_NAME: &str = "MANIFEST.tmp";

/// The first eight bytes of every manifest. On-disk: never change.
pub const MAGIC: [u8; 8] = *b"FDBMANIF";

/// The format version this code writes and reads. On-disk: never change the
/// meaning of a version; add a new one.
pub const FORMAT_VERSION: u32 = 1;

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
