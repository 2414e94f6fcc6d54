//! [`WriteBatch`]: a group of puts and deletes applied all or nothing.
//!
//! A batch is the unit the engine writes: it is logged as one write-ahead log
//! record and gets one timestamp, shared by all of its entries. On recovery a
//! batch is either replayed whole or not at all.
//!
//! # Encoding
//!
//! The encoded batch is the payload of a WAL record (see `docs/format/wal.md`):
//!
//! ```text
//! batch := timestamp: fixed64   // the one timestamp of every entry
//!          count: varint        // number of entries, fits in u32
//!          entry * count
//! entry := op: u8               // Operation: 0x01 Put, 0x02 Delete
//!          key: length-prefixed // varint length, then the key bytes
//!          value: length-prefixed // Put only: varint length, then the value
//! ```
//!
//! [`WriteBatch::decode`] checks every length against the bytes that remain,
//! rejects unknown operations, a count that does not match the entries and
//! trailing bytes, and never allocates more than its input.

use ferrisdb_core::coding::{put_fixed64, put_length_prefixed, put_varint64, DecodeError, Decoder};
use ferrisdb_core::{Error, Operation, Result, Timestamp};

/// Bytes of the batch header: the fixed64 timestamp and at most a 5-byte
/// varint count.
const HEADER_MAX_LEN: usize = 8 + 5;

/// An ordered group of puts and deletes, written atomically.
///
/// Its methods take `&mut self` and return `&mut Self`, so calls chain and
/// loops work alike:
///
/// ```
/// use ferrisdb_storage::{Operation, WriteBatch};
///
/// let mut batch = WriteBatch::new();
/// batch.put("user:1", "ada").delete("user:2");
/// for i in 3..5 {
///     batch.put(format!("user:{i}"), "new");
/// }
/// assert_eq!(batch.len(), 4);
/// let entries: Vec<_> = batch.iter().collect();
/// assert_eq!(entries[0], (Operation::Put, &b"user:1"[..], &b"ada"[..]));
/// assert_eq!(entries[1], (Operation::Delete, &b"user:2"[..], &b""[..]));
///
/// // Puts from any iterator of pairs:
/// let batch: WriteBatch = [("a", "1"), ("b", "2")].into_iter().collect();
/// assert_eq!(batch.len(), 2);
/// ```
///
/// Entries are kept in the order they were added; when one batch writes a key
/// twice, the later entry wins. Every entry of a batch is stamped with the
/// batch's single timestamp. Keys and values are checked against the
/// database's limits when the batch is written, not when it is built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// The encoded entries, without the batch header.
    entries: Vec<u8>,
    /// The number of entries; above `u32::MAX` the batch cannot be encoded
    /// and [`check_count`](Self::check_count) refuses it.
    count: u64,
}

impl WriteBatch {
    /// An empty batch.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty batch with room for `bytes` bytes of keys and values before
    /// it reallocates.
    pub fn with_capacity(bytes: usize) -> Self {
        WriteBatch {
            entries: Vec::with_capacity(bytes),
            count: 0,
        }
    }

    /// Adds a put of `value` under `key`.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        let (key, value) = (key.as_ref(), value.as_ref());
        // One allocation for the entry instead of a regrowth per field: the
        // op byte, two varint lengths of at most 10 bytes each, the payload.
        self.entries.reserve(1 + 10 + key.len() + 10 + value.len());
        self.entries.push(Operation::Put.as_byte());
        put_length_prefixed(&mut self.entries, key);
        put_length_prefixed(&mut self.entries, value);
        self.count += 1;
        self
    }

    /// Adds a delete of `key` (a tombstone: the key reads as absent from this
    /// batch on).
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        let key = key.as_ref();
        self.entries.reserve(1 + 10 + key.len());
        self.entries.push(Operation::Delete.as_byte());
        put_length_prefixed(&mut self.entries, key);
        self.count += 1;
        self
    }

    /// The number of entries.
    pub fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }

    /// Whether the batch has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The entries in insertion order, as `(operation, key, value)`; the value
    /// of a delete is empty.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            decoder: Decoder::new(&self.entries),
            left: self.count,
        }
    }

    /// Checks one entry's key and value against the size limits:
    /// [`Error::KeyTooLarge`] or [`Error::ValueTooLarge`] with the length and
    /// the limit. The engine applies it to every write, once, with
    /// `StorageConfig::max_key_size` and `max_value_size`.
    ///
    /// # Errors
    ///
    /// As above, when a limit is exceeded.
    pub fn check_entry_size(
        key: &[u8],
        value: &[u8],
        max_key_size: usize,
        max_value_size: usize,
    ) -> Result<()> {
        if key.len() > max_key_size {
            return Err(Error::KeyTooLarge {
                len: key.len(),
                limit: max_key_size,
            });
        }
        if value.len() > max_value_size {
            return Err(Error::ValueTooLarge {
                len: value.len(),
                limit: max_value_size,
            });
        }
        Ok(())
    }

    /// Checks that the batch's entry count fits its encoding (a `u32`).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a batch of more than `u32::MAX`
    /// entries; split it.
    pub fn check_count(&self) -> Result<()> {
        if self.count > u64::from(u32::MAX) {
            return Err(Error::InvalidArgument(format!(
                "a batch of {} entries is over the limit of {} entries: split it into \
                 smaller batches",
                self.count,
                u32::MAX
            )));
        }
        Ok(())
    }

    /// An upper bound of the encoded size in bytes, timestamp and count
    /// included: what the batch costs in the log and in memory.
    pub fn approximate_size(&self) -> usize {
        HEADER_MAX_LEN + self.entries.len()
    }

    /// Removes every entry, keeping the allocated memory.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.count = 0;
    }

    /// Appends the encoding of the batch, stamped with `timestamp`, to `buf`.
    pub fn encode_into(&self, timestamp: Timestamp, buf: &mut Vec<u8>) {
        buf.reserve(self.approximate_size());
        put_fixed64(buf, timestamp);
        // `check_count` keeps the count within a u32 for every batch the
        // engine writes; `decode` refuses a larger one.
        put_varint64(buf, self.count);
        buf.extend_from_slice(&self.entries);
    }

    /// The encoding of the batch, stamped with `timestamp`.
    pub fn encode(&self, timestamp: Timestamp) -> Vec<u8> {
        let mut buf = Vec::new();
        self.encode_into(timestamp, &mut buf);
        buf
    }

    /// Decodes a batch written by [`encode`](Self::encode), returning its
    /// timestamp and entries.
    ///
    /// Every byte is checked: a truncated or damaged input is an error naming
    /// the offset within `input`, never a panic, and the batch never allocates
    /// more than `input.len()` bytes.
    ///
    /// # Errors
    ///
    /// A [`DecodeError`] naming the offset of the first byte that does not
    /// follow the encoding: a truncated field, an unknown operation, fewer
    /// entries than the count declares, or bytes after the last entry.
    pub fn decode(input: &[u8]) -> Result<(Timestamp, WriteBatch), DecodeError> {
        let mut dec = Decoder::new(input);
        let timestamp = dec.fixed64("batch timestamp")?;
        let count = dec.varint32("batch entry count")?;
        let entries_start = dec.position();
        for index in 0..count {
            if dec.is_empty() {
                return Err(dec.error(format!(
                    "batch declares {count} entries but ends after {index}"
                )));
            }
            let op_at = dec.position();
            let op = Operation::try_from(dec.u8("operation")?)
                .map_err(|e| DecodeError::new(op_at, e.reason()))?;
            dec.length_prefixed("key")?;
            if op == Operation::Put {
                dec.length_prefixed("value")?;
            }
        }
        if !dec.is_empty() {
            return Err(dec.error(format!(
                "{} bytes after the last of {count} batch entries",
                dec.remaining()
            )));
        }
        Ok((
            timestamp,
            WriteBatch {
                entries: input[entries_start..].to_vec(),
                count: u64::from(count),
            },
        ))
    }
}

impl<K: AsRef<[u8]>, V: AsRef<[u8]>> Extend<(K, V)> for WriteBatch {
    /// Adds a put for each `(key, value)` pair, in order.
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, pairs: I) {
        for (key, value) in pairs {
            self.put(key, value);
        }
    }
}

impl<K: AsRef<[u8]>, V: AsRef<[u8]>> FromIterator<(K, V)> for WriteBatch {
    /// A batch of a put for each `(key, value)` pair, in order.
    fn from_iter<I: IntoIterator<Item = (K, V)>>(pairs: I) -> Self {
        let mut batch = WriteBatch::new();
        batch.extend(pairs);
        batch
    }
}

impl<'a> IntoIterator for &'a WriteBatch {
    type Item = (Operation, &'a [u8], &'a [u8]);
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

/// The entries of a [`WriteBatch`], from [`WriteBatch::iter`].
#[derive(Debug, Clone)]
pub struct Iter<'a> {
    decoder: Decoder<'a>,
    left: u64,
}

impl<'a> Iter<'a> {
    fn next_entry(&mut self) -> Result<(Operation, &'a [u8], &'a [u8]), DecodeError> {
        let op = Operation::try_from(self.decoder.u8("operation")?)?;
        let key = self.decoder.length_prefixed("key")?;
        let value = match op {
            Operation::Put => self.decoder.length_prefixed("value")?,
            Operation::Delete => &[],
        };
        Ok((op, key, value))
    }
}

impl<'a> Iterator for Iter<'a> {
    type Item = (Operation, &'a [u8], &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        // The entries were either built by put/delete or validated by decode,
        // so this cannot fail; stop rather than panic if it ever does.
        match self.next_entry() {
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

#[cfg(test)]
mod tests;
