//! The on-disk constants of a write batch's encoding, the payload of the log
//! record that carries the batch.
//!
//! The encoding is specified in `docs/format/wal.md` ("Batch payload"); every
//! constant here is part of it. Changing any of them makes existing logs
//! unreadable.

/// Offset of the fixed64 timestamp, the one of every entry of the batch.
pub const TIMESTAMP_OFFSET: usize = 0; // on-disk: never change
/// Offset of the varint32 number of entries; the first entry follows it.
pub const COUNT_OFFSET: usize = TIMESTAMP_OFFSET + 8; // on-disk: never change
/// The most bytes a varint32 takes.
pub const MAX_VARINT32_LEN: usize = 5; // on-disk: never change
/// The longest batch header: the timestamp and the count at its longest.
pub const MAX_HEADER_SIZE: usize = COUNT_OFFSET + MAX_VARINT32_LEN; // on-disk: never change

/// Tag of an entry that stores its value under its key (`Operation::Put`).
pub const TAG_PUT: u8 = 1; // on-disk: never change
/// Tag of an entry that deletes its key (`Operation::Delete`); it has no
/// value.
pub const TAG_DELETE: u8 = 2; // on-disk: never change
/// Tag of an entry that deletes a range of keys, from its key (included) to
/// its value (excluded); an empty value means no upper bound. A database
/// declares the incompatible feature `range_deletes` in its manifest before
/// its log holds one.
pub const TAG_RANGE_DELETE: u8 = 3; // on-disk: never change

/// The id of the `default` keyspace, which every database has; the ids of
/// the others are the ones its manifest gives out.
pub const DEFAULT_KEYSPACE: u32 = 0; // on-disk: never change
