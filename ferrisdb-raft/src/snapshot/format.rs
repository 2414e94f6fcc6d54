//! The byte layout of a state machine snapshot (on-disk: never change): the
//! bytes a leader sends and `raft_snapshot` keeps. Spec and worked example:
//! `docs/raft.md`, "Snapshot format".
//!
//! ```text
//! snapshot := MAGIC | VERSION (u32 BE) | pair* | end
//! pair     := TAG_PAIR | key length (u32 BE) | key | value length (u32 BE) | value
//! end      := TAG_END | pair count (u64 BE) | CRC-32 (u32 BE) of every byte before it
//! ```
//!
//! Keys are strictly increasing. The end record makes a cut-short snapshot
//! an error rather than a smaller map, and the checksum a damaged one.

/// The first bytes of every snapshot.
pub(crate) const MAGIC: &[u8; 8] = b"FDBRSNAP"; // on-disk: never change
/// The format version written after [`MAGIC`].
pub(crate) const VERSION: u32 = 1; // on-disk: never change
/// The length of [`VERSION`].
pub(crate) const VERSION_LEN: usize = 4; // on-disk: never change
/// The length of the header: [`MAGIC`] then [`VERSION`].
pub(crate) const HEADER_LEN: usize = MAGIC.len() + VERSION_LEN; // on-disk: never change

/// The tag of a pair record.
pub(crate) const TAG_PAIR: u8 = 1; // on-disk: never change
/// The tag of the end record.
pub(crate) const TAG_END: u8 = 0; // on-disk: never change
/// The length of a record's tag.
pub(crate) const TAG_LEN: usize = 1; // on-disk: never change
/// The length of a key or value length.
pub(crate) const LENGTH_LEN: usize = 4; // on-disk: never change
/// The length of the end record's pair count.
pub(crate) const COUNT_LEN: usize = 8; // on-disk: never change
/// The length of the end record's checksum.
pub(crate) const CRC_LEN: usize = 4; // on-disk: never change
/// The length of the end record: tag, pair count, checksum.
pub(crate) const END_LEN: usize = TAG_LEN + COUNT_LEN + CRC_LEN; // on-disk: never change
