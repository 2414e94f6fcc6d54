//! Builds the contents of one block: prefix-compressed entries and restarts.
//!
//! ```text
//! block   := entry* restart* num_restarts
//! entry   := shared: varint32        // bytes of the previous user key reused
//!            unshared: varint32      // bytes of user key that follow
//!            value_len: varint32     // bytes of value
//!            key_suffix: bytes[unshared]
//!            timestamp: fixed64
//!            operation: u8           // 1 Put, 2 Delete
//!            value: bytes[value_len]
//! restart := fixed32                 // offset of an entry with shared = 0
//! num_restarts := fixed32            // at least 1
//! ```
//!
//! Every `restart_interval`-th entry stores its whole user key (a restart
//! point), so a reader binary-searches the restarts and scans at most
//! `restart_interval` entries. Data blocks and the index block share this
//! layout; see `docs/format/sstable.md`.

use std::cmp::Ordering;

use ferrisdb_core::coding::{put_fixed32, put_fixed64, put_varint64};
use ferrisdb_core::{InternalKey, Operation, Timestamp};

use super::format::{MAX_VARINT32_LEN, OPERATION_LEN, RESTART_ENTRY_LEN, TIMESTAMP_LEN};

/// Accumulates the entries of one block in order.
#[derive(Debug)]
pub(crate) struct BlockBuilder {
    buf: Vec<u8>,
    restarts: Vec<u32>,
    restart_interval: usize,
    since_restart: usize,
    entries: usize,
    last_key: Vec<u8>,
    last_timestamp: Timestamp,
    finished: bool,
}

impl BlockBuilder {
    /// An empty builder placing a restart point every `restart_interval`
    /// entries.
    ///
    /// REQUIRES: `restart_interval >= 1`.
    pub(crate) fn new(restart_interval: usize) -> Self {
        debug_assert!(restart_interval >= 1, "restart_interval must be >= 1");
        BlockBuilder {
            buf: Vec::new(),
            restarts: Vec::new(),
            restart_interval: restart_interval.max(1),
            since_restart: 0,
            entries: 0,
            last_key: Vec::new(),
            last_timestamp: 0,
            finished: false,
        }
    }

    /// Empties the builder for the next block, keeping its buffers.
    pub(crate) fn reset(&mut self) {
        self.buf.clear();
        self.restarts.clear();
        self.since_restart = 0;
        self.entries = 0;
        self.last_key.clear();
        self.last_timestamp = 0;
        self.finished = false;
    }

    /// Whether no entry was added since the last reset.
    pub(crate) fn is_empty(&self) -> bool {
        self.entries == 0
    }

    /// The size of the block if it were finished now.
    pub(crate) fn estimated_size(&self) -> usize {
        self.buf.len() + (self.restarts.len() + 1) * RESTART_ENTRY_LEN
    }

    /// The size the block would grow by for an entry of these lengths, at
    /// most (as if its key shared nothing and started a restart).
    pub(crate) fn entry_size_bound(user_key_len: usize, value_len: usize) -> usize {
        3 * MAX_VARINT32_LEN
            + user_key_len
            + TIMESTAMP_LEN
            + OPERATION_LEN
            + value_len
            + RESTART_ENTRY_LEN
    }

    /// The last key added, as user key and timestamp.
    pub(crate) fn last_key(&self) -> (&[u8], Timestamp) {
        (&self.last_key, self.last_timestamp)
    }

    /// Appends an entry.
    ///
    /// REQUIRES: `(user_key, timestamp)` sorts after the previous entry's key;
    /// the builder is not finished; `user_key` and `value` are shorter than
    /// 4 GiB and the block stays under 4 GiB.
    pub(crate) fn add(
        &mut self,
        user_key: &[u8],
        timestamp: Timestamp,
        op: Operation,
        value: &[u8],
    ) {
        debug_assert!(!self.finished, "add after finish");
        debug_assert!(
            self.entries == 0
                || InternalKey::compare_parts(
                    user_key,
                    timestamp,
                    &self.last_key,
                    self.last_timestamp
                ) == Ordering::Greater,
            "keys added out of order"
        );
        debug_assert!(self.buf.len() < u32::MAX as usize, "block over 4 GiB");
        let shared = if self.since_restart < self.restart_interval {
            common_prefix_len(&self.last_key, user_key)
        } else {
            0
        };
        if self.since_restart >= self.restart_interval || self.entries == 0 {
            self.restarts.push(self.buf.len() as u32);
            self.since_restart = 0;
        }
        let shared = if self.since_restart == 0 { 0 } else { shared };
        let suffix = &user_key[shared..];
        put_varint64(&mut self.buf, shared as u64);
        put_varint64(&mut self.buf, suffix.len() as u64);
        put_varint64(&mut self.buf, value.len() as u64);
        self.buf.extend_from_slice(suffix);
        put_fixed64(&mut self.buf, timestamp);
        self.buf.push(op.as_byte());
        self.buf.extend_from_slice(value);

        self.last_key.truncate(shared);
        self.last_key.extend_from_slice(suffix);
        self.last_timestamp = timestamp;
        self.since_restart += 1;
        self.entries += 1;
    }

    /// Appends the restart array and returns the finished block contents.
    ///
    /// REQUIRES: at least one entry was added.
    pub(crate) fn finish(&mut self) -> &[u8] {
        debug_assert!(self.entries > 0, "finishing an empty block");
        if !self.finished {
            for &restart in &self.restarts {
                put_fixed32(&mut self.buf, restart);
            }
            put_fixed32(&mut self.buf, self.restarts.len() as u32);
            self.finished = true;
        }
        &self.buf
    }
}

/// The number of leading bytes `a` and `b` share.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_share_prefixes_between_restarts() {
        let mut b = BlockBuilder::new(2);
        b.add(b"apple", 5, Operation::Put, b"1");
        b.add(b"apply", 9, Operation::Delete, b"");
        b.add(b"apricot", 1, Operation::Put, b"xy");
        let bytes = b.finish().to_vec();
        // First entry: a restart with the whole key.
        assert_eq!(&bytes[..3], &[0, 5, 1]);
        assert_eq!(&bytes[3..8], b"apple");
        // Second entry shares "appl".
        let second = 3 + 5 + 8 + 1 + 1;
        assert_eq!(&bytes[second..second + 4], &[4, 1, 0, b'y']);
        // Third entry starts a restart: shares nothing.
        let third = second + 3 + 1 + 8 + 1;
        assert_eq!(&bytes[third..third + 3], &[0, 7, 2]);
        // Restart array [0, third], count 2.
        let tail = &bytes[bytes.len() - 12..];
        assert_eq!(tail[..4], 0u32.to_le_bytes());
        assert_eq!(tail[4..8], (third as u32).to_le_bytes());
        assert_eq!(tail[8..], 2u32.to_le_bytes());
        assert_eq!(b.last_key(), (&b"apricot"[..], 1));
    }

    #[test]
    fn the_largest_entry_alone_fills_the_largest_block_exactly() {
        use super::super::format::{MAX_KEY_SIZE, MAX_UNCOMPRESSED_BLOCK_LEN, MAX_VALUE_SIZE};
        // The writer cuts a block before an entry whose bound would take it
        // past the limit; an empty block is its restart count alone.
        let empty = BlockBuilder::new(16).estimated_size();
        assert_eq!(
            empty + BlockBuilder::entry_size_bound(MAX_KEY_SIZE, MAX_VALUE_SIZE),
            MAX_UNCOMPRESSED_BLOCK_LEN
        );
    }

    #[test]
    fn estimated_size_matches_finished_size() {
        let mut b = BlockBuilder::new(3);
        for i in 0..10u64 {
            b.add(format!("key{i:03}").as_bytes(), 7, Operation::Put, b"value");
        }
        let estimate = b.estimated_size();
        assert_eq!(b.finish().len(), estimate);
        b.reset();
        assert!(b.is_empty());
        assert_eq!(b.estimated_size(), RESTART_ENTRY_LEN);
    }
}
