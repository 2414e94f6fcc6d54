//! [`WriteBatch`]: a group of puts, deletes and range deletes applied all or
//! nothing.
//!
//! A batch is the unit the engine writes: it is logged as one write-ahead log
//! record and gets one timestamp, shared by all of its entries. On recovery a
//! batch is either replayed whole or not at all.
//!
//! # Encoding
//!
//! A batch keeps its entries encoded as they are added, as LevelDB's
//! `WriteBatch` keeps its `rep_`: the payload of its log record is a short
//! header (the timestamp and the entry count), which the write path builds on
//! the stack, followed by those bytes as they are. So a write is never
//! re-encoded on its way to the log, and copied once, into the log's buffer.
//! The layout (`entry.rs`, `entries.rs`) is
//! specified in `docs/format/wal.md`; every entry carries a keyspace id, and
//! range deletes (`range_deletes.rs`) have a tag of their own, so keyspaces
//! and range deletes did not change the log's format. A decoder reads every
//! keyspace id, leaving to the engine which ones the database holds, and
//! refuses a tag it does not know by name ([`DecodeError::unsupported`]).
//! `logged.rs` reads a log record back as a batch, in this encoding or in the
//! first one, which older logs hold.

pub(crate) mod entries;
pub(crate) mod entry;
pub(crate) mod format;
mod limits;
pub(crate) mod logged;
mod range_deletes;

use ferrisdb_core::coding::{encode_varint64, put_length_prefixed, put_varint64, DecodeError};
use ferrisdb_core::{KeyspaceId, Operation, Result, Timestamp};

pub use entries::{Entries, Iter};
pub use entry::Entry;
use format::{
    COUNT_OFFSET, DEFAULT_KEYSPACE, MAX_HEADER_SIZE, TAG_DELETE, TAG_PUT, TIMESTAMP_OFFSET,
};
pub use range_deletes::RangeDeletes;

/// An ordered group of puts, deletes and range deletes, written atomically.
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
/// twice, the later entry wins, and a range delete
/// ([`delete_range`](Self::delete_range)) deletes the keys the batch wrote
/// before it, never those it writes after it. Every entry of a batch is
/// stamped with the batch's single timestamp. Keys and values are checked
/// against the database's limits when the batch is written, not when it is
/// built.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteBatch {
    /// The encoded entries, without the batch header (`entries.rs`).
    entries: Vec<u8>,
    /// The number of entries; above `u32::MAX` the batch cannot be encoded
    /// and [`check_count`](Self::check_count) refuses it.
    count: u64,
    /// How many of the entries are range deletes.
    range_deletes: u64,
    /// The engine instance whose keyspace handles built entries of the
    /// batch (see [`mark_origin`](Self::mark_origin)); 0 when none did.
    origin: u64,
}

/// The [`origin`](WriteBatch::origin) of a batch built with keyspace handles
/// of several engine instances, which none has.
const MIXED_ORIGINS: u64 = u64::MAX;

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
            range_deletes: 0,
            origin: 0,
        }
    }

    /// Adds a put of `value` under `key`, in the `default` keyspace.
    pub fn put(&mut self, key: impl AsRef<[u8]>, value: impl AsRef<[u8]>) -> &mut Self {
        self.put_to(DEFAULT_KEYSPACE, key.as_ref(), value.as_ref())
    }

    /// Adds a delete of `key` (a tombstone: the key reads as absent from this
    /// batch on), in the `default` keyspace.
    pub fn delete(&mut self, key: impl AsRef<[u8]>) -> &mut Self {
        self.delete_to(DEFAULT_KEYSPACE, key.as_ref())
    }

    /// Adds a put of `value` under `key` in keyspace `keyspace`.
    #[inline]
    pub(crate) fn put_to(&mut self, keyspace: KeyspaceId, key: &[u8], value: &[u8]) -> &mut Self {
        // One allocation for the entry instead of a regrowth per field: the
        // tag, the keyspace, two varint lengths of at most 10 bytes each, the
        // payload. (A keyspace id of more than one byte takes the room the
        // lengths, far shorter than 10 bytes, leave.)
        self.entries.reserve(2 + 10 + key.len() + 10 + value.len());
        self.entries.push(TAG_PUT);
        put_varint64(&mut self.entries, u64::from(keyspace));
        put_length_prefixed(&mut self.entries, key);
        put_length_prefixed(&mut self.entries, value);
        self.count += 1;
        self
    }

    /// Adds a delete of `key` in keyspace `keyspace`.
    #[inline]
    pub(crate) fn delete_to(&mut self, keyspace: KeyspaceId, key: &[u8]) -> &mut Self {
        self.entries.reserve(2 + 10 + key.len());
        self.entries.push(TAG_DELETE);
        put_varint64(&mut self.entries, u64::from(keyspace));
        put_length_prefixed(&mut self.entries, key);
        self.count += 1;
        self
    }

    /// Records that a keyspace handle of engine instance `instance` (never
    /// 0) adds an entry.
    pub(crate) fn mark_origin(&mut self, instance: u64) {
        debug_assert!(instance != 0 && instance != MIXED_ORIGINS);
        self.origin = match self.origin {
            0 => instance,
            same if same == instance => same,
            _ => MIXED_ORIGINS,
        };
    }

    /// The engine instance whose keyspace handles built entries of the
    /// batch: 0 when none did (every entry was added by
    /// [`put`](Self::put) or [`delete`](Self::delete), or decoded), and a
    /// number no instance has when handles of several did.
    pub(crate) fn origin(&self) -> u64 {
        self.origin
    }

    /// The number of entries, range deletes included.
    pub fn len(&self) -> usize {
        usize::try_from(self.count).unwrap_or(usize::MAX)
    }

    /// Whether the batch has no entries.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The puts and deletes in insertion order, as `(operation, key,
    /// value)`; the value of a delete is empty. Range deletes are not among
    /// them: [`range_deletes`](Self::range_deletes) lists those.
    pub fn iter(&self) -> Iter<'_> {
        self.entries().iter()
    }

    /// The entries, borrowed: what the write path and recovery apply.
    pub(crate) fn entries(&self) -> Entries<'_> {
        Entries {
            bytes: &self.entries,
            count: self.count,
            range_deletes: self.range_deletes,
            offset: 0,
        }
    }

    /// An upper bound of the encoded size in bytes, timestamp and count
    /// included: what the batch costs in the log and in memory.
    pub fn approximate_size(&self) -> usize {
        MAX_HEADER_SIZE + self.entries.len()
    }

    /// Removes every entry, keeping the allocated memory.
    pub fn clear(&mut self) {
        self.entries.clear();
        self.count = 0;
        self.range_deletes = 0;
        self.origin = 0;
    }

    /// The payload of this batch's log record, stamped with `timestamp`: the
    /// header, built here, and the entries, borrowed as they are.
    pub(crate) fn stamped(&self, timestamp: Timestamp) -> Stamped<'_> {
        // `check_count` keeps the count within a u32 for every batch the
        // engine writes; `decode` refuses a count the entries do not match.
        let count = u32::try_from(self.count).unwrap_or(u32::MAX);
        let mut header = [0; MAX_HEADER_SIZE];
        header[TIMESTAMP_OFFSET..COUNT_OFFSET].copy_from_slice(&timestamp.to_le_bytes());
        let header_len = COUNT_OFFSET + encode_varint64(&mut header[COUNT_OFFSET..], count.into());
        Stamped {
            header,
            header_len,
            entries: &self.entries,
        }
    }

    /// Appends the encoding of the batch, stamped with `timestamp`, to `buf`:
    /// the payload of its log record.
    pub fn encode_into(&self, timestamp: Timestamp, buf: &mut Vec<u8>) {
        let stamped = self.stamped(timestamp);
        buf.reserve(self.approximate_size());
        for part in stamped.parts() {
            buf.extend_from_slice(part);
        }
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
    /// follow the encoding: a truncated field, an unknown tag, fewer entries
    /// than the count declares, bytes after the last entry, a key or value
    /// longer than a table holds ([`MAX_KEY_SIZE`](crate::MAX_KEY_SIZE),
    /// [`MAX_VALUE_SIZE`](crate::MAX_VALUE_SIZE)), or a range delete whose
    /// start is not below its end or whose bounds are longer than that. An
    /// entry only a newer version reads (an unknown tag) is an error too,
    /// with [`is_unsupported`](DecodeError::is_unsupported): it is never
    /// skipped. Entries of any keyspace id decode; writing the batch refuses
    /// those of a keyspace the database does not hold.
    pub fn decode(input: &[u8]) -> Result<(Timestamp, WriteBatch), DecodeError> {
        let (timestamp, entries) = entries::decode_payload(input)?;
        let batch = WriteBatch {
            entries: entries.bytes.to_vec(),
            count: entries.count,
            range_deletes: entries.range_deletes,
            origin: 0,
        };
        Ok((timestamp, batch))
    }
}

/// A batch's log record payload, from [`WriteBatch::stamped`]: a header on
/// the stack and the batch's own bytes.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Stamped<'a> {
    header: [u8; MAX_HEADER_SIZE],
    header_len: usize,
    entries: &'a [u8],
}

impl Stamped<'_> {
    /// The payload in its two pieces, to be concatenated.
    pub(crate) fn parts(&self) -> [&[u8]; 2] {
        [&self.header[..self.header_len], self.entries]
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

#[cfg(test)]
mod tests;
