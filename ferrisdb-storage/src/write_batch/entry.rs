//! One entry of a batch: its kinds ([`Entry`]), reading it from a batch's
//! bytes, and the checks a decoded entry passes before a log's batch is
//! replayed.
//!
//! The layout is specified in `docs/format/wal.md` ("Batch payload"), the
//! constants are in [`format`](super::format).

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::{compare_user_keys, KeyspaceId, Operation};

use super::format::{
    COUNT_OFFSET, DEFAULT_KEYSPACE, TAG_DELETE, TAG_PUT, TAG_RANGE_DELETE, TIMESTAMP_OFFSET,
};
use crate::sstable::format::{MAX_KEY_SIZE, MAX_RANGE_END_SIZE, MAX_VALUE_SIZE};

// The tags of a put and a delete are the operations' own bytes.
const _: () = assert!(TAG_PUT == Operation::Put.as_byte());
const _: () = assert!(TAG_DELETE == Operation::Delete.as_byte());
const _: () = assert!(TIMESTAMP_OFFSET == 0 && COUNT_OFFSET == 8);
// The on-disk id of the default keyspace is the engine's.
const _: () = assert!(DEFAULT_KEYSPACE == ferrisdb_core::DEFAULT_KEYSPACE_ID);

/// An entry of a batch as read, with its keyspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// A put of `value` under `key`, or a delete of `key` (`value` empty).
    Point {
        /// The keyspace's id.
        keyspace: KeyspaceId,
        /// Put or delete.
        operation: Operation,
        /// The key.
        key: &'a [u8],
        /// The value; empty for a delete.
        value: &'a [u8],
    },
    /// A delete of every key in `[start, end)`.
    RangeDelete {
        /// The keyspace's id.
        keyspace: KeyspaceId,
        /// The first key deleted.
        start: &'a [u8],
        /// The first key after the range, above `start`; `None` when the
        /// range has no upper bound.
        end: Option<&'a [u8]>,
    },
}

impl Entry<'_> {
    /// The id of the entry's keyspace.
    pub fn keyspace(&self) -> KeyspaceId {
        match *self {
            Entry::Point { keyspace, .. } | Entry::RangeDelete { keyspace, .. } => keyspace,
        }
    }
}

/// Reads the entry at `dec`'s position.
///
/// A tag this version does not write is [`DecodeError::unsupported`] (a
/// later version's entry); tag 0, never written, a keyspace id wider than 32
/// bits and a length past the input are damage. Any keyspace id is read:
/// which ones a database holds is the engine's to check. A range delete's
/// bounds are checked by [`check_entry`], not here.
pub(super) fn read_entry<'a>(dec: &mut Decoder<'a>) -> Result<Entry<'a>, DecodeError> {
    let tag_at = dec.position();
    let operation = match dec.u8("entry tag")? {
        TAG_PUT => Operation::Put,
        TAG_DELETE => Operation::Delete,
        TAG_RANGE_DELETE => {
            let keyspace = dec.varint32("keyspace id")?;
            let start = dec.length_prefixed("range start")?;
            // A bounded range is never empty, so the empty end means none.
            let end = dec.length_prefixed("range end")?;
            let end = (!end.is_empty()).then_some(end);
            return Ok(Entry::RangeDelete {
                keyspace,
                start,
                end,
            });
        }
        0 => {
            return Err(DecodeError::new(
                tag_at,
                "entry tag 0, which is never written",
            ))
        }
        other => {
            return Err(DecodeError::unsupported(
                tag_at,
                format!("an entry of unknown tag {other}"),
            ))
        }
    };
    let keyspace = dec.varint32("keyspace id")?;
    let key = dec.length_prefixed("key")?;
    let value = match operation {
        Operation::Put => dec.length_prefixed("value")?,
        Operation::Delete => &[],
    };
    Ok(Entry::Point {
        keyspace,
        operation,
        key,
        value,
    })
}

/// Checks that `entry`, at `at`, is one a write can log: a point's key and
/// value as [`check_entry_size`] says; a range delete's start no longer
/// than [`MAX_RANGE_END_SIZE`] (the range `(Excluded(k), ..)` of the
/// longest key `k` starts at `k + [0x00]`) and not past every key
/// ([`starts_past_every_key`]), its end no longer either, and its start
/// below its end (no write logs an empty range).
pub(super) fn check_entry(at: usize, entry: &Entry<'_>) -> Result<(), DecodeError> {
    let (start, end) = match *entry {
        Entry::Point { key, value, .. } => return check_entry_size(at, key, value),
        Entry::RangeDelete { start, end, .. } => (start, end),
    };
    let end_len = end.map_or(0, <[u8]>::len);
    let reason = if start.len() > MAX_RANGE_END_SIZE {
        format!(
            "a range delete's start of {} bytes is over MAX_KEY_SIZE + 1 \
             ({MAX_RANGE_END_SIZE} bytes): no write logs one",
            start.len()
        )
    } else if end_len > MAX_RANGE_END_SIZE {
        format!(
            "a range delete's end of {end_len} bytes is over MAX_KEY_SIZE + 1 \
             ({MAX_RANGE_END_SIZE} bytes): no write logs one"
        )
    } else if end.is_some_and(|end| compare_user_keys(start, end).is_ge()) {
        "a range delete's start is not below its end: no write logs an empty range".to_owned()
    } else if starts_past_every_key(start) {
        format!(
            "a range delete's start of {MAX_RANGE_END_SIZE} bytes of 0xff, past every key a \
             table holds: no write logs one"
        )
    } else {
        return Ok(());
    };
    Err(DecodeError::new(at, reason))
}

/// Whether a range delete starting at `start` starts past every key: the
/// start of [`MAX_RANGE_END_SIZE`] bytes, all 0xff, has nothing after it
/// within that length, so a table could not end the range after it. The
/// write path and the log's decoder both refuse it, by this one test.
pub(super) fn starts_past_every_key(start: &[u8]) -> bool {
    start.len() == MAX_RANGE_END_SIZE && start.iter().all(|&b| b == u8::MAX)
}

/// Checks that the entry at `at`, of `key` and `value`, is one a write can
/// log: its key and value within the largest a table holds
/// ([`MAX_KEY_SIZE`], [`MAX_VALUE_SIZE`], the table format's, which every
/// write's limits stay within). A longer one is damage, refused where the
/// batch is decoded, not found by the flush of the replayed data.
pub(super) fn check_entry_size(at: usize, key: &[u8], value: &[u8]) -> Result<(), DecodeError> {
    let (what, len, limit, name) = if key.len() > MAX_KEY_SIZE {
        ("key", key.len(), MAX_KEY_SIZE, "MAX_KEY_SIZE")
    } else if value.len() > MAX_VALUE_SIZE {
        ("value", value.len(), MAX_VALUE_SIZE, "MAX_VALUE_SIZE")
    } else {
        return Ok(());
    };
    Err(DecodeError::new(
        at,
        format!(
            "an entry's {what} of {len} bytes is over {name} ({limit} bytes), the longest a \
             table holds: no write logs one"
        ),
    ))
}
