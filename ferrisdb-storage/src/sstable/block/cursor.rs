//! [`BlockCursor`]: decodes the prefix-compressed entries of a [`Block`] and
//! walks them forwards, backwards and by binary search over the restart points.
//!
//! Every entry is checked as it is decoded (lengths within the block, shared
//! prefix within the previous key, keys in order), so a damaged block is an
//! [`Error::Corruption`](ferrisdb_core::Error::Corruption), never a panic.

use std::cmp::Ordering;
use std::sync::Arc;

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::{InternalKey, Operation, Result, Slice, Timestamp};

use super::Block;
use crate::iterator::Cursor;

/// One decoded entry: where it is, and where its parts are.
#[derive(Debug, Clone, Copy)]
struct Parsed {
    shared: usize,
    suffix: (usize, usize),
    timestamp: Timestamp,
    operation: Operation,
    value: (usize, usize),
    next: usize,
}

/// An owning cursor over the entries of a [`Block`], in [`InternalKey`] order.
///
/// Moves return `Result` because they decode bytes; after an error the cursor
/// is invalid.
#[derive(Debug)]
pub struct BlockCursor {
    block: Arc<Block>,
    /// Offset of the current entry; `restarts_start` when invalid.
    current: usize,
    next: usize,
    key: Vec<u8>,
    timestamp: Timestamp,
    operation: Operation,
    value: (usize, usize),
}

impl BlockCursor {
    /// A cursor over `block`, positioned nowhere (invalid).
    pub fn new(block: Arc<Block>) -> BlockCursor {
        let end = block.restarts_start;
        BlockCursor {
            block,
            current: end,
            next: end,
            key: Vec::new(),
            timestamp: 0,
            operation: Operation::Put,
            value: (0, 0),
        }
    }

    fn invalidate(&mut self) {
        self.current = self.block.restarts_start;
        self.next = self.block.restarts_start;
    }

    /// Decodes the entry at `offset` on top of the current key. With
    /// `check_order`, the current key must be the previous entry's and the new
    /// key must sort after it.
    fn parse_at(&mut self, offset: usize, check_order: bool) -> Result<()> {
        let parsed = match self.decode(offset) {
            Ok(p) => p,
            Err(e) => {
                self.invalidate();
                return Err(self.block.corruption(e));
            }
        };
        let suffix = &self.block.data[parsed.suffix.0..parsed.suffix.1];
        if parsed.shared > self.key.len() {
            self.invalidate();
            return Err(self.block.corruption(DecodeError::new(
                offset,
                format!(
                    "entry shares {} bytes of a {}-byte previous key",
                    parsed.shared,
                    self.key.len()
                ),
            )));
        }
        if check_order {
            let order = suffix
                .cmp(&self.key[parsed.shared..])
                .then_with(|| self.timestamp.cmp(&parsed.timestamp));
            if order != Ordering::Greater {
                self.invalidate();
                return Err(self.block.corruption(DecodeError::new(
                    offset,
                    "entry is not after the previous one",
                )));
            }
        }
        self.key.truncate(parsed.shared);
        self.key.extend_from_slice(suffix);
        self.timestamp = parsed.timestamp;
        self.operation = parsed.operation;
        self.value = parsed.value;
        self.current = offset;
        self.next = parsed.next;
        Ok(())
    }

    fn decode(&self, offset: usize) -> std::result::Result<Parsed, DecodeError> {
        let entries = &self.block.data[..self.block.restarts_start];
        let mut d = Decoder::new(&entries[offset..]);
        let shift = |e: DecodeError| DecodeError::new(e.offset() + offset, e.reason().to_string());
        let (shared, unshared, value_len) = match entries[offset..] {
            // The common case, as in RocksDB's `DecodeEntry`: three lengths
            // below 128, one byte each, read without the varint loop.
            [s, u, v, ..] if (s | u | v) < 0x80 => {
                d.bytes(3, "entry lengths").map_err(shift)?;
                (usize::from(s), usize::from(u), usize::from(v))
            }
            _ => (
                d.varint32("shared key length").map_err(shift)? as usize,
                d.varint32("key suffix length").map_err(shift)? as usize,
                d.varint32("value length").map_err(shift)? as usize,
            ),
        };
        let suffix_start = offset + d.position();
        d.bytes(unshared, "key suffix").map_err(shift)?;
        let timestamp = d.fixed64("timestamp").map_err(shift)?;
        let op_at = offset + d.position();
        let operation = Operation::try_from(d.u8("operation").map_err(shift)?)
            .map_err(|e| DecodeError::new(op_at, e.reason().to_string()))?;
        let value_start = offset + d.position();
        d.bytes(value_len, "value").map_err(shift)?;
        Ok(Parsed {
            shared,
            suffix: (suffix_start, suffix_start + unshared),
            timestamp,
            operation,
            value: (value_start, value_start + value_len),
            next: offset + d.position(),
        })
    }

    /// Positions at the restart point `index`, which must share nothing.
    fn seek_to_restart(&mut self, index: usize) -> Result<()> {
        let offset = self.block.restart_point(index);
        self.key.clear();
        self.parse_at(offset, false)?;
        // `parse_at` checked shared <= 0 against the empty key.
        Ok(())
    }
}

/// The moves decode entries as they go; `seek` binary-searches the restart
/// points, `prev` re-decodes from the restart point before the entry (a block
/// has no back links), and `seek_for_prev` is the trait's seek-then-step-back.
impl Cursor for BlockCursor {
    fn valid(&self) -> bool {
        self.current < self.block.restarts_start
    }

    fn seek_to_first(&mut self) -> Result<()> {
        self.seek_to_restart(0)
    }

    fn seek_to_last(&mut self) -> Result<()> {
        self.seek_to_restart(self.block.num_restarts - 1)?;
        while self.next < self.block.restarts_start {
            self.parse_at(self.next, true)?;
        }
        Ok(())
    }

    fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
        // Binary search for the last restart whose key is before the target.
        let (mut left, mut right) = (0, self.block.num_restarts - 1);
        while left < right {
            let mid = left + (right - left).div_ceil(2);
            self.seek_to_restart(mid)?;
            if InternalKey::compare_parts(&self.key, self.timestamp, user_key, timestamp)
                == Ordering::Less
            {
                left = mid;
            } else {
                right = mid - 1;
            }
        }
        self.seek_to_restart(left)?;
        loop {
            if InternalKey::compare_parts(&self.key, self.timestamp, user_key, timestamp)
                != Ordering::Less
            {
                return Ok(());
            }
            self.next()?;
            if !self.valid() {
                return Ok(());
            }
        }
    }

    fn next(&mut self) -> Result<()> {
        debug_assert!(self.valid());
        if self.next >= self.block.restarts_start {
            self.invalidate();
            return Ok(());
        }
        self.parse_at(self.next, true)
    }

    fn prev(&mut self) -> Result<()> {
        debug_assert!(self.valid());
        let original = self.current;
        if original == 0 {
            self.invalidate();
            return Ok(());
        }
        // The last restart point strictly before the current entry.
        let restart = (0..self.block.num_restarts)
            .rev()
            .find(|&i| self.block.restart_point(i) < original)
            .unwrap_or(0);
        self.seek_to_restart(restart)?;
        while self.next < original {
            self.parse_at(self.next, true)?;
        }
        if self.next != original {
            let at = self.current;
            self.invalidate();
            return Err(self
                .block
                .corruption(DecodeError::new(at, "entries overlap a restart point")));
        }
        Ok(())
    }

    fn user_key(&self) -> &[u8] {
        debug_assert!(self.valid());
        &self.key
    }

    fn timestamp(&self) -> Timestamp {
        debug_assert!(self.valid());
        self.timestamp
    }

    fn operation(&self) -> Operation {
        debug_assert!(self.valid());
        self.operation
    }

    fn value(&self) -> &[u8] {
        debug_assert!(self.valid());
        &self.block.data[self.value.0..self.value.1]
    }

    /// A slice sharing the block's bytes: no copy, one reference count.
    fn value_slice(&self) -> Slice {
        debug_assert!(self.valid());
        self.block.slice(self.value.0, self.value.1)
    }
}
