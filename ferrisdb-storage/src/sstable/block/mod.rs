//! A decoded block and the cursor that walks it.
//!
//! A [`Block`] holds the uncompressed, checksum-verified contents of one block
//! (layout in `block_builder.rs` and `docs/format/sstable.md`). Its restart array is
//! validated when the block is built; entries are validated as the cursor
//! decodes them, so damage that slipped past the checksum (a writer bug) is an
//! [`Error::Corruption`] naming the file and offset, never a panic.
//!
//! This file holds [`Block`] and its restart array; the [`BlockCursor`] that
//! decodes and walks the entries is in `cursor.rs`.

mod cursor;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use ferrisdb_core::coding::DecodeError;
use ferrisdb_core::{Error, Result, Slice};

use super::format::RESTART_ENTRY_LEN;

pub use cursor::BlockCursor;

/// The uncompressed contents of one block, shared by the cache and cursors.
///
/// The bytes are reference-counted, so a value read from the block is handed
/// out as a [`Slice`] of them rather than copied; the block's memory is freed
/// when the cache has evicted it and the last such slice is dropped.
#[derive(Debug)]
pub struct Block {
    data: Bytes,
    /// Bytes of the allocation `data` lives in (its capacity as a `Vec`).
    allocated: usize,
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
        let allocated = data.capacity();
        Ok(Block {
            data: Bytes::from(data),
            allocated,
            restarts_start,
            num_restarts,
            file,
            file_offset,
        })
    }

    /// Decodes `data`, the uncompressed contents of the block at
    /// `file_offset` of `file` (its trailer already checked and removed),
    /// checking the restart array. For tools and fuzzing; the engine reads
    /// blocks through [`TableReader`](super::TableReader).
    pub fn decode(data: Vec<u8>, file: &Path, file_offset: u64) -> Result<Block> {
        Block::new(data, Arc::new(file.to_path_buf()), file_offset)
    }

    /// Bytes this block holds in memory, as charged to the block cache.
    pub fn charge(&self) -> usize {
        self.allocated + std::mem::size_of::<Block>()
    }

    /// The bytes at `start..end` of the block, shared with it (no copy).
    fn slice(&self, start: usize, end: usize) -> Slice {
        Slice::from(self.data.slice(start..end))
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

#[cfg(test)]
mod tests {
    use ferrisdb_core::Operation;

    use super::super::block_builder::BlockBuilder;
    use super::*;
    use crate::iterator::Cursor;

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
    fn moves_like_the_model_of_its_entries() {
        use crate::iterator::model::{random_run, walk_against_model};
        use rand::rngs::StdRng;
        use rand::{Rng, SeedableRng};

        let mut rng = StdRng::seed_from_u64(4);
        for _ in 0..200 {
            let entries = random_run(&mut rng, 1..60);
            let mut b = BlockBuilder::new(rng.random_range(1..6));
            for (key, op, value) in &entries {
                b.add(&key.user_key, key.timestamp, *op, value);
            }
            let data = b.finish().to_vec();
            let block = Block::new(data, Arc::new(PathBuf::from("t.sst")), 0).unwrap();
            let mut cursor = BlockCursor::new(Arc::new(block));
            walk_against_model(&mut cursor, &entries, &mut rng, 100);
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
