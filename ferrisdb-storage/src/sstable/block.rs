//! A decoded block and the cursor that walks it.
//!
//! A [`Block`] holds the uncompressed, checksum-verified contents of one block
//! (layout in `block_builder.rs` and `docs/format/sstable.md`). Its restart array is
//! validated when the block is built; entries are validated as the cursor
//! decodes them, so damage that slipped past the checksum (a writer bug) is an
//! [`Error::Corruption`] naming the file and offset, never a panic.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_core::coding::{DecodeError, Decoder};
use ferrisdb_core::{Error, InternalKey, Operation, Result, Timestamp};

use super::format::RESTART_ENTRY_LEN;

/// The uncompressed contents of one block, shared by the cache and cursors.
#[derive(Debug)]
pub struct Block {
    data: Vec<u8>,
    restarts_start: usize,
    num_restarts: usize,
    file: Arc<PathBuf>,
    file_offset: u64,
}

impl Block {
    /// Checks the restart array of `data`, the contents of the block at
    /// `file_offset` of `file`.
    pub(crate) fn new(data: Vec<u8>, file: Arc<PathBuf>, file_offset: u64) -> Result<Block> {
        let corrupt =
            |at: usize, reason: String| DecodeError::new(at, reason).in_file(&file, file_offset);
        if data.len() < RESTART_ENTRY_LEN {
            return Err(corrupt(
                0,
                format!("block of {} bytes has no restart count", data.len()),
            ));
        }
        let count_at = data.len() - RESTART_ENTRY_LEN;
        let num_restarts = read_u32(&data, count_at) as usize;
        let max_restarts = count_at / RESTART_ENTRY_LEN;
        if num_restarts == 0 || num_restarts > max_restarts {
            return Err(corrupt(
                count_at,
                format!(
                    "restart count {num_restarts} does not fit a block of {} bytes",
                    data.len()
                ),
            ));
        }
        let restarts_start = count_at - num_restarts * RESTART_ENTRY_LEN;
        let mut previous = None;
        for i in 0..num_restarts {
            let at = restarts_start + i * RESTART_ENTRY_LEN;
            let restart = read_u32(&data, at) as usize;
            let ok = match previous {
                None => restart == 0,
                Some(p) => restart > p && restart < restarts_start,
            };
            if !ok {
                return Err(corrupt(
                    at,
                    format!("restart {i} points to {restart}, out of order or past the entries"),
                ));
            }
            previous = Some(restart);
        }
        if restarts_start == 0 {
            return Err(corrupt(0, "block has restarts but no entries".to_string()));
        }
        Ok(Block {
            data,
            restarts_start,
            num_restarts,
            file,
            file_offset,
        })
    }

    /// Decodes `data`, the uncompressed contents of the block at
    /// `file_offset` of `file` (its trailer already checked and removed),
    /// checking the restart array. For tools and fuzzing; the engine reads
    /// blocks through [`SSTableReader`](super::SSTableReader).
    pub fn decode(data: Vec<u8>, file: &Path, file_offset: u64) -> Result<Block> {
        Block::new(data, Arc::new(file.to_path_buf()), file_offset)
    }

    /// Bytes this block holds in memory, as charged to the block cache.
    pub fn charge(&self) -> usize {
        self.data.capacity() + std::mem::size_of::<Block>()
    }

    /// The file the block was read from.
    pub fn file(&self) -> &Path {
        &self.file
    }

    /// The block's offset in its file.
    pub fn file_offset(&self) -> u64 {
        self.file_offset
    }

    fn restart_point(&self, index: usize) -> usize {
        read_u32(&self.data, self.restarts_start + index * RESTART_ENTRY_LEN) as usize
    }

    fn corruption(&self, err: DecodeError) -> Error {
        err.in_file(&self.file, self.file_offset)
    }
}

fn read_u32(data: &[u8], at: usize) -> u32 {
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&data[at..at + 4]);
    u32::from_le_bytes(bytes)
}

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

    /// Whether the cursor is on an entry.
    pub fn valid(&self) -> bool {
        self.current < self.block.restarts_start
    }

    /// The user key of the current entry. REQUIRES: `valid()`.
    pub fn user_key(&self) -> &[u8] {
        debug_assert!(self.valid());
        &self.key
    }

    /// The timestamp of the current entry. REQUIRES: `valid()`.
    pub fn timestamp(&self) -> Timestamp {
        debug_assert!(self.valid());
        self.timestamp
    }

    /// The operation of the current entry. REQUIRES: `valid()`.
    pub fn operation(&self) -> Operation {
        debug_assert!(self.valid());
        self.operation
    }

    /// The value of the current entry, pointing into the block. REQUIRES: `valid()`.
    pub fn value(&self) -> &[u8] {
        debug_assert!(self.valid());
        &self.block.data[self.value.0..self.value.1]
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
        let shared = d.varint32("shared key length").map_err(shift)? as usize;
        let unshared = d.varint32("key suffix length").map_err(shift)? as usize;
        let value_len = d.varint32("value length").map_err(shift)? as usize;
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

    /// Moves to the first entry.
    pub fn seek_to_first(&mut self) -> Result<()> {
        self.seek_to_restart(0)
    }

    /// Moves to the last entry.
    pub fn seek_to_last(&mut self) -> Result<()> {
        self.seek_to_restart(self.block.num_restarts - 1)?;
        while self.next < self.block.restarts_start {
            self.parse_at(self.next, true)?;
        }
        Ok(())
    }

    /// Moves to the next entry, or becomes invalid after the last.
    /// REQUIRES: `valid()`.
    // A fallible cursor move, not `Iterator::next`: the engine's merge
    // drives cursors by `valid`/`next`, as in LevelDB.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> Result<()> {
        debug_assert!(self.valid());
        if self.next >= self.block.restarts_start {
            self.invalidate();
            return Ok(());
        }
        self.parse_at(self.next, true)
    }

    /// Moves to the previous entry, or becomes invalid before the first.
    /// REQUIRES: `valid()`.
    pub fn prev(&mut self) -> Result<()> {
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

    /// Moves to the first entry at or after `(user_key, timestamp)` in
    /// [`InternalKey`] order, or becomes invalid if there is none.
    pub fn seek(&mut self, user_key: &[u8], timestamp: Timestamp) -> Result<()> {
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
}

#[cfg(test)]
mod tests {
    use super::super::block_builder::BlockBuilder;
    use super::*;

    fn build(keys: &[(&str, u64)], interval: usize) -> Arc<Block> {
        let mut b = BlockBuilder::new(interval);
        for (k, ts) in keys {
            b.add(
                k.as_bytes(),
                *ts,
                Operation::Put,
                format!("{k}{ts}").as_bytes(),
            );
        }
        let data = b.finish().to_vec();
        Arc::new(Block::new(data, Arc::new(PathBuf::from("t.sst")), 0).unwrap())
    }

    fn sample() -> Vec<(&'static str, u64)> {
        vec![
            ("a", 3),
            ("a", 1),
            ("ab", 9),
            ("b", 5),
            ("b", 4),
            ("b", 2),
            ("bc", 1),
            ("c", 7),
        ]
    }

    #[test]
    fn forward_backward_and_seek_visit_entries_in_order() {
        let keys = sample();
        for interval in 1..=4 {
            let block = build(&keys, interval);
            let mut c = BlockCursor::new(block);
            c.seek_to_first().unwrap();
            let mut seen = Vec::new();
            while c.valid() {
                seen.push((
                    String::from_utf8(c.user_key().to_vec()).unwrap(),
                    c.timestamp(),
                ));
                assert_eq!(
                    c.value(),
                    format!("{}{}", seen.last().unwrap().0, c.timestamp()).as_bytes()
                );
                c.next().unwrap();
            }
            let want: Vec<_> = keys.iter().map(|(k, t)| (k.to_string(), *t)).collect();
            assert_eq!(seen, want);
            c.seek_to_last().unwrap();
            let mut back = Vec::new();
            while c.valid() {
                back.push((
                    String::from_utf8(c.user_key().to_vec()).unwrap(),
                    c.timestamp(),
                ));
                c.prev().unwrap();
            }
            back.reverse();
            assert_eq!(back, want);
            // Seeks land on the first entry >= target.
            c.seek(b"b", 4).unwrap();
            assert_eq!((c.user_key(), c.timestamp()), (&b"b"[..], 4));
            c.seek(b"b", 3).unwrap();
            assert_eq!((c.user_key(), c.timestamp()), (&b"b"[..], 2));
            c.seek(b"", u64::MAX).unwrap();
            assert_eq!((c.user_key(), c.timestamp()), (&b"a"[..], 3));
            c.seek(b"c", 6).unwrap();
            assert!(!c.valid());
        }
    }

    #[test]
    fn bad_restart_arrays_are_corruption() {
        let path = Arc::new(PathBuf::from("t.sst"));
        for data in [
            vec![],
            vec![0, 0, 0, 0],
            vec![1, 2, 3, 9, 0, 0, 0],
            vec![0, 0, 0, 0, 5, 0, 0, 0, 1, 0, 0, 0],
        ] {
            let err = Block::new(data, path.clone(), 100).unwrap_err();
            assert!(err.is_corruption(), "{err}");
        }
    }

    #[test]
    fn entries_past_the_block_are_corruption_not_panics() {
        // One restart at 0, entry claims a 200-byte value.
        let mut data = vec![0, 1, 200, b'k'];
        data.extend_from_slice(&[0; 9]);
        data.extend_from_slice(&0u32.to_le_bytes());
        data.extend_from_slice(&1u32.to_le_bytes());
        let block = Arc::new(Block::new(data, Arc::new(PathBuf::from("t.sst")), 0).unwrap());
        let mut c = BlockCursor::new(block);
        assert!(c.seek_to_first().unwrap_err().is_corruption());
        assert!(!c.valid());
    }
}
