//! A batch's encoded entries: iterating them, and checking a batch payload
//! read from a log (one entry is read and checked in `entry.rs`).
//!
//! ```text
//! payload := timestamp: fixed64     // the one timestamp of every entry
//!            count: varint32        // number of entries
//!            entry * count
//! entry   := tag: u8                // 1 Put, 2 Delete, 3 RangeDelete
//!            keyspace: varint32     // the keyspace's id; 0 is `default`
//!            key: varint length, bytes     // a range delete's start (included)
//!            value: varint length, bytes   // Put: the value; RangeDelete: the
//!                                          // end (excluded), empty for none
//! ```
//!
//! The layout is specified in `docs/format/wal.md`, the constants are in
//! [`format`](super::format).

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::{KeyspaceId, Operation, Timestamp};

use super::entry::{check_entry, read_entry, Entry};
use super::format::MAX_HEADER_SIZE;

/// The encoded entries of a batch and how many there are: a
/// [`WriteBatch`](super::WriteBatch)'s own, or those of a payload
/// [`decode_payload`] checked, borrowed from it.
#[derive(Debug, Clone, Copy)]
pub struct Entries<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) count: u64,
    /// How many of the `count` entries are range deletes.
    pub(super) range_deletes: u64,
    /// Where `bytes` start in the payload they were decoded from (0 for a
    /// batch's own), so an entry's offset can be named in the payload.
    pub(super) offset: usize,
}

impl<'a> Entries<'a> {
    /// The puts and deletes in order, as `(operation, key, value)`; the
    /// value of a delete is empty. Range deletes are left out.
    pub fn iter(&self) -> Iter<'a> {
        Iter {
            inner: self.iter_in(),
            left: self.count.saturating_sub(self.range_deletes),
        }
    }

    /// Every entry in order, with its keyspace.
    pub fn iter_in(&self) -> IterIn<'a> {
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
            let keyspace = read_entry(&mut decoder).ok()?.keyspace();
            if wanted(keyspace) {
                return Some((keyspace, keyspace_at));
            }
        }
        None
    }

    /// The offset in the payload of the first range delete, if any.
    pub fn find_range_delete(&self) -> Option<usize> {
        if self.range_deletes == 0 {
            return None;
        }
        let mut decoder = Decoder::new(self.bytes);
        for _ in 0..self.count {
            let at = self.offset + decoder.position();
            if let Entry::RangeDelete { .. } = read_entry(&mut decoder).ok()? {
                return Some(at);
            }
        }
        None
    }

    /// The number of range deletes among the entries.
    pub fn range_delete_count(&self) -> usize {
        usize::try_from(self.range_deletes).unwrap_or(usize::MAX)
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
            let mut range_deletes = 0;
            for _ in 0..count {
                // As in `IterIn::next`: the entries were built or checked.
                match read_entry(&mut decoder) {
                    Ok(Entry::RangeDelete { .. }) => range_deletes += 1,
                    Ok(Entry::Point { .. }) => {}
                    Err(e) => {
                        debug_assert!(false, "invalid entries in a WriteBatch: {e}");
                        return runs;
                    }
                }
            }
            runs.push(Entries {
                bytes: &self.bytes[start..decoder.position()],
                count,
                range_deletes,
                offset: self.offset + start,
            });
            left -= count;
        }
        runs
    }
}

/// Checks a batch payload read from a log and returns its timestamp and its
/// entries, borrowed from `input`.
///
/// Every byte is checked: a truncated or damaged input is an error naming the
/// offset within `input`, never a panic, and nothing is allocated. What a
/// later version writes (an unknown tag) is a [`DecodeError::unsupported`],
/// never skipped. Entries of every keyspace id are read (see
/// [`Entries::find_keyspace`]).
///
/// # Errors
///
/// A [`DecodeError`] naming the offset of the first byte that does not
/// follow the encoding: a truncated field, fewer entries than the count
/// declares, bytes after the last entry, a key or value longer than a table
/// holds, a range delete's bounds out of order or too long ([`check_entry`]);
/// or an unsupported entry.
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
    let mut range_deletes = 0;
    read_entries(&mut dec, count, |dec| {
        let at = dec.position();
        let entry = read_entry(dec)?;
        if let Entry::RangeDelete { .. } = entry {
            range_deletes += 1;
        }
        check_entry(at, &entry)
    })?;
    let entries = Entries {
        bytes: &input[header_len..],
        count: u64::from(count),
        range_deletes,
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

/// The puts and deletes of a [`WriteBatch`](super::WriteBatch), from
/// [`WriteBatch::iter`](super::WriteBatch::iter).
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    inner: IterIn<'a>,
    /// The puts and deletes not yet returned.
    left: u64,
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Operation, &'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        while self.left > 0 {
            if let Entry::Point {
                operation,
                key,
                value,
                ..
            } = self.inner.next()?
            {
                self.left -= 1;
                return Some((operation, key, value));
            }
        }
        None
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = usize::try_from(self.left).unwrap_or(usize::MAX);
        (left, Some(left))
    }
}

/// Every entry of a batch with its keyspace, from [`Entries::iter_in`].
#[derive(Debug, Clone)]
pub struct IterIn<'a> {
    decoder: Decoder<'a>,
    left: u64,
}

impl<'a> Iterator for IterIn<'a> {
    type Item = Entry<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The entries were either built by the batch's methods or checked by
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
