//! A batch's encoded entries: reading one, iterating them, and checking a
//! batch payload read from a log.
//!
//! ```text
//! payload := timestamp: fixed64     // the one timestamp of every entry
//!            count: varint32        // number of entries
//!            entry * count
//! entry   := tag: u8                // 1 Put, 2 Delete (3 range delete: reserved)
//!            keyspace: varint32     // the keyspace's id; 0 is `default`
//!            key: varint length, bytes
//!            value: varint length, bytes   // Put only
//! ```
//!
//! The layout is specified in `docs/format/wal.md`, the constants are in
//! [`format`](super::format).

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::{KeyspaceId, Operation, Timestamp};

use super::format::{
    COUNT_OFFSET, DEFAULT_KEYSPACE, MAX_HEADER_SIZE, TAG_DELETE, TAG_PUT, TAG_RANGE_DELETE,
    TIMESTAMP_OFFSET,
};
use crate::sstable::format::{MAX_KEY_SIZE, MAX_VALUE_SIZE};

// The tags of a put and a delete are the operations' own bytes.
const _: () = assert!(TAG_PUT == Operation::Put.as_byte());
const _: () = assert!(TAG_DELETE == Operation::Delete.as_byte());
const _: () = assert!(TIMESTAMP_OFFSET == 0 && COUNT_OFFSET == 8);
// The on-disk id of the default keyspace is the engine's.
const _: () = assert!(DEFAULT_KEYSPACE == ferrisdb_core::DEFAULT_KEYSPACE_ID);

/// An entry as read: its keyspace, operation, key and value (empty for a
/// delete).
pub(crate) type EntryIn<'a> = (KeyspaceId, Operation, &'a [u8], &'a [u8]);

/// The encoded entries of a batch and how many there are: a
/// [`WriteBatch`](super::WriteBatch)'s own, or those of a payload
/// [`decode_payload`] checked, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) count: u64,
    /// Where `bytes` start in the payload they were decoded from (0 for a
    /// batch's own), so an entry's offset can be named in the payload.
    pub(super) offset: usize,
}

impl<'a> Entries<'a> {
    /// The entries in order, as `(operation, key, value)`; the value of a
    /// delete is empty.
    pub fn iter(&self) -> Iter<'a> {
        Iter {
            inner: self.iter_in(),
        }
    }

    /// The entries in order, as `(keyspace, operation, key, value)`; the
    /// value of a delete is empty.
    pub(crate) fn iter_in(&self) -> IterIn<'a> {
        IterIn {
            decoder: Decoder::new(self.bytes),
            left: self.count,
        }
    }

    /// The first entry whose keyspace id `wanted` accepts: its id and the
    /// offset of its keyspace field in the payload.
    pub fn find_keyspace(
        &self,
        mut wanted: impl FnMut(KeyspaceId) -> bool,
    ) -> Option<(KeyspaceId, usize)> {
        let mut decoder = Decoder::new(self.bytes);
        for _ in 0..self.count {
            // The keyspace follows the one-byte tag.
            let keyspace_at = self.offset + decoder.position() + 1;
            let (keyspace, ..) = read_entry(&mut decoder).ok()?;
            if wanted(keyspace) {
                return Some((keyspace, keyspace_at));
            }
        }
        None
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries cut into runs of `len` (the last one shorter), in order,
    /// each its own `Entries`: a caller walks a batch backwards a run at a
    /// time, holding one run's entries, never a copy of every entry.
    pub(crate) fn runs(&self, len: usize) -> Vec<Entries<'a>> {
        let len = len.max(1) as u64;
        let mut runs = Vec::with_capacity(usize::try_from(self.count.div_ceil(len)).unwrap_or(0));
        let mut decoder = Decoder::new(self.bytes);
        let mut left = self.count;
        while left > 0 {
            let start = decoder.position();
            let count = left.min(len);
            for _ in 0..count {
                // As in `Iter::next`: the entries were built or checked.
                if let Err(e) = read_entry(&mut decoder) {
                    debug_assert!(false, "invalid entries in a WriteBatch: {e}");
                    return runs;
                }
            }
            runs.push(Entries {
                bytes: &self.bytes[start..decoder.position()],
                count,
                offset: self.offset + start,
            });
            left -= count;
        }
        runs
    }
}

/// Reads the entry at `dec`'s position: its keyspace, operation, key and
/// value.
///
/// A tag this version does not write is [`DecodeError::unsupported`] (a
/// later version's range deletes); tag 0, never written, a keyspace id
/// wider than 32 bits and a length past the input are damage. Any keyspace
/// id is read: which ones a database holds is the engine's to check.
pub(super) fn read_entry<'a>(dec: &mut Decoder<'a>) -> Result<EntryIn<'a>, DecodeError> {
    let tag_at = dec.position();
    let op = match dec.u8("entry tag")? {
        TAG_PUT => Operation::Put,
        TAG_DELETE => Operation::Delete,
        0 => {
            return Err(DecodeError::new(
                tag_at,
                "entry tag 0, which is never written",
            ))
        }
        TAG_RANGE_DELETE => {
            return Err(DecodeError::unsupported(
                tag_at,
                format!("a range delete (entry tag {TAG_RANGE_DELETE})"),
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
    let value = match op {
        Operation::Put => dec.length_prefixed("value")?,
        Operation::Delete => &[],
    };
    Ok((keyspace, op, key, value))
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

/// Checks a batch payload read from a log and returns its timestamp and its
/// entries, borrowed from `input`.
///
/// Every byte is checked: a truncated or damaged input is an error naming the
/// offset within `input`, never a panic, and nothing is allocated. What a
/// later version writes (a range delete) is a [`DecodeError::unsupported`],
/// never skipped. Entries of every keyspace id are read (see
/// [`Entries::find_keyspace`]).
///
/// # Errors
///
/// A [`DecodeError`] naming the offset of the first byte that does not
/// follow the encoding: a truncated field, fewer entries than the count
/// declares, bytes after the last entry, a key or value longer than a table
/// holds ([`check_entry_size`]); or an unsupported entry.
pub fn decode_payload(input: &[u8]) -> Result<(Timestamp, Entries<'_>), DecodeError> {
    let mut dec = Decoder::new(input);
    let timestamp = dec.fixed64("batch timestamp")?;
    let count_at = dec.position();
    let count = dec.varint32("batch entry count")?;
    let header_len = dec.position();
    if header_len > MAX_HEADER_SIZE {
        // A varint may spell a small number in up to 10 bytes; no writer
        // does, and the header must fit the space the write path keeps for
        // it.
        return Err(DecodeError::new(
            count_at,
            "the batch entry count is not in its shortest encoding",
        ));
    }
    read_entries(&mut dec, count, |dec| {
        let at = dec.position();
        let (_, _, key, value) = read_entry(dec)?;
        check_entry_size(at, key, value)
    })?;
    let entries = Entries {
        bytes: &input[header_len..],
        count: u64::from(count),
        offset: header_len,
    };
    Ok((timestamp, entries))
}

/// Reads the `count` entries that follow a batch header in `dec`, each with
/// `read_one`, and checks that they are all there and that nothing follows
/// them: the rule of every batch encoding.
pub(super) fn read_entries<'a>(
    dec: &mut Decoder<'a>,
    count: u32,
    mut read_one: impl FnMut(&mut Decoder<'a>) -> Result<(), DecodeError>,
) -> Result<(), DecodeError> {
    for index in 0..count {
        if dec.is_empty() {
            return Err(dec.error(format!(
                "batch declares {count} entries but ends after {index}"
            )));
        }
        read_one(dec)?;
    }
    if !dec.is_empty() {
        return Err(dec.error(format!(
            "{} bytes after the last of {count} batch entries",
            dec.remaining()
        )));
    }
    Ok(())
}

/// The entries of a [`WriteBatch`](super::WriteBatch), from
/// [`WriteBatch::iter`](super::WriteBatch::iter).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: IterIn<'a>,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Operation, &'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let (_, op, key, value) = self.inner.next()?;
        Some((op, key, value))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.inner.size_hint()
    }
}

/// The entries of a batch with their keyspaces, from
/// [`Entries::iter_in`].
#[derive(Debug, Clone)]
pub(crate) struct IterIn<'a> {
    decoder: Decoder<'a>,
    left: u64,
}

impl<'a> Iterator for IterIn<'a> {
    type Item = EntryIn<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The entries were either built by put/delete or checked by
        // decode_payload, so this cannot fail; stop rather than panic if it
        // ever does.
        match read_entry(&mut self.decoder) {
            Ok(entry) => Some(entry),
            Err(e) => {
                debug_assert!(false, "invalid entries in a WriteBatch: {e}");
                self.left = 0;
                None
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}
