//! Batches as the log holds them: a log record's payload read back as a
//! batch, in today's encoding or in the first one, which logs of WAL format
//! versions 1 and 2 hold, and the error that names the record when it does
//! not decode.
//!
//! ```text
//! first encoding := timestamp: fixed64
//!                   count: varint           // fits in u32
//!                   entry * count
//! entry          := op: u8                  // 1 Put, 2 Delete
//!                   key: varint length, bytes
//!                   value: varint length, bytes   // Put only
//! ```
//!
//! It has no keyspace id and no room for other entry kinds. Only recovery
//! and tools read it, once per old log, so converting it costs nothing on
//! the write path. The layout is in `docs/format/wal.md` ("Older versions").

use std::path::Path;

use ferrisdb_core::coding::{DecodeError, Decoder, MAX_VARINT64_LEN};
use ferrisdb_core::{Error, Operation, Timestamp, Unsupported};

use super::entries::{decode_payload, read_entries, Entries};
use super::entry::check_entry_size;
use super::WriteBatch;

/// A batch read from a log record: borrowed from the record's payload, or,
/// for the first encoding, converted into a batch of its own.
#[derive(Debug, Clone)]
pub enum Logged<'a> {
    /// The entries of a payload in today's encoding, borrowed.
    Borrowed(Entries<'a>),
    /// A payload of the first encoding, converted.
    Converted(WriteBatch),
}

impl Logged<'_> {
    /// The batch's entries.
    pub fn entries(&self) -> Entries<'_> {
        match self {
            Logged::Borrowed(entries) => *entries,
            Logged::Converted(batch) => batch.entries(),
        }
    }
}

/// Decodes the payload of a log record as a batch: in today's encoding, or,
/// when `legacy` (the record says so: see `wal::PayloadKind`), in the first
/// one.
///
/// # Errors
///
/// The [`DecodeError`] of [`decode_payload`] or [`decode_legacy`]: damage,
/// or what a later version writes ([`DecodeError::is_unsupported`]).
pub fn decode_logged(payload: &[u8], legacy: bool) -> Result<(Timestamp, Logged<'_>), DecodeError> {
    if legacy {
        let (timestamp, batch) = decode_legacy(payload)?;
        Ok((timestamp, Logged::Converted(batch)))
    } else {
        let (timestamp, entries) = decode_payload(payload)?;
        Ok((timestamp, Logged::Borrowed(entries)))
    }
}

/// The error for the payload of the record at `offset` of the log at `path`
/// that does not decode as a batch: corruption (its fragments checked out,
/// so the bytes are as written, and they are not a batch), or, for what a
/// newer version writes, [`Error::UnsupportedFormat`]. Both name the record's
/// offset, and the payload's byte where decoding stopped.
pub fn error_in_log(path: &Path, offset: u64, error: DecodeError) -> Error {
    let reason = format!(
        "{}, at byte {} of the record's payload",
        error.reason(),
        error.offset()
    );
    if error.is_unsupported() {
        Error::UnsupportedFormat {
            file: path.to_path_buf(),
            unsupported: Unsupported::Record {
                offset,
                what: reason,
            },
        }
    } else {
        let reason = format!("the record's payload is not a valid batch: {reason}");
        Error::corruption(path, offset, reason)
    }
}

/// Decodes a batch of the first encoding, checking every byte as
/// [`decode_payload`] does, into a batch of today's encoding. It allocates
/// once, in proportion to `input`, never to what a count claims: the
/// entries grow by their keyspace byte, and every entry of the first
/// encoding takes at least two bytes.
///
/// # Errors
///
/// A [`DecodeError`] naming the offset of the first byte that does not
/// follow the encoding: a truncated field, an unknown operation, fewer
/// entries than the count declares, bytes after the last entry, a key or
/// value longer than a table holds.
pub fn decode_legacy(input: &[u8]) -> Result<(Timestamp, WriteBatch), DecodeError> {
    let mut dec = Decoder::new(input);
    let timestamp = dec.fixed64("batch timestamp")?;
    let count = dec.varint32("batch entry count")?;
    // Room for every entry with its keyspace byte, and for what `put`
    // reserves ahead of the last one (its two length varints at their
    // longest), so the buffer never grows.
    let room = input.len() + input.len() / 2 + 1 + 2 * MAX_VARINT64_LEN;
    let mut batch = WriteBatch::with_capacity(room);
    read_entries(&mut dec, count, |dec| {
        let op_at = dec.position();
        let op = Operation::try_from(dec.u8("operation")?)
            .map_err(|e| DecodeError::new(op_at, e.reason()))?;
        let key = dec.length_prefixed("key")?;
        let value = match op {
            Operation::Put => dec.length_prefixed("value")?,
            Operation::Delete => &[],
        };
        check_entry_size(op_at, key, value)?;
        match op {
            Operation::Put => batch.put(key, value),
            Operation::Delete => batch.delete(key),
        };
        Ok(())
    })?;
    Ok((timestamp, batch))
}
