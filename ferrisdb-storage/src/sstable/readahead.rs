//! Reading a table front to back in large pieces.
//!
//! A cursor that walks a table forwards (a scan, a compaction) loads its data
//! blocks one after another, and one `pread` per 4 KiB block costs a system
//! call each: a profile of `readseq` spent about a tenth of its time entering
//! and leaving the kernel. So, as RocksDB's
//! iterators do, once a cursor has loaded two blocks in a row in file order,
//! its [`Readahead`] reads a window of the file that holds the next block and
//! those after it, and later blocks are cut from that window. The window
//! starts at 16 KiB and doubles with each refill up to 256 KiB, so a short
//! scan reads little past its end, and a point lookup (never sequential) reads
//! exactly its block.
//!
//! Each block cut from the window is still verified (checksum, bounds) on its
//! own, exactly as one read alone.

use std::path::Path;

use ferrisdb_core::Result;

use super::block_io::{decode_block, stored_len, Verify};
use super::footer::BlockHandle;
use crate::fs::RandomAccessFile;

/// The first window, read after two sequential block loads.
pub(crate) const INITIAL_WINDOW: usize = 16 * 1024;
/// The largest window; also the most memory a cursor's readahead holds.
pub(crate) const MAX_WINDOW: usize = 256 * 1024;
/// Sequential block loads before reading ahead starts.
const SEQUENTIAL_LOADS_BEFORE_READAHEAD: u32 = 2;

/// The readahead state of one forward cursor over one table.
#[derive(Debug, Default)]
pub(crate) struct Readahead {
    /// Bytes of the file from `window_start` on.
    window: Vec<u8>,
    window_start: u64,
    /// The size of the next refill.
    next_window: usize,
    /// The block index loaded last, if any.
    last_index: Option<usize>,
    /// Loads in a row, each of the block after the one before.
    sequential_loads: u32,
}

impl Readahead {
    /// Notes that the cursor is about to load block `index`, and returns
    /// whether it is now reading the table sequentially, so the block should
    /// come through [`read`](Self::read).
    pub(crate) fn note_load(&mut self, index: usize) -> bool {
        let sequential = self
            .last_index
            .is_some_and(|last| last.checked_add(1) == Some(index));
        self.sequential_loads = if sequential {
            self.sequential_loads.saturating_add(1)
        } else {
            0
        };
        self.last_index = Some(index);
        self.sequential_loads >= SEQUENTIAL_LOADS_BEFORE_READAHEAD
    }

    /// Reads, verifies and decompresses the block at `handle`, which ends by
    /// `limit` (the end of the table's data blocks), from the window; first
    /// refills the window from the block's offset if it does not hold the
    /// block whole.
    pub(crate) fn read(
        &mut self,
        file: &dyn RandomAccessFile,
        path: &Path,
        handle: BlockHandle,
        limit: u64,
        verify: Verify,
    ) -> Result<Vec<u8>> {
        let len = stored_len(path, handle, limit)?;
        let from = match self.position_of(handle.offset, len) {
            Some(from) => from,
            None => {
                self.refill(file, handle.offset, len, limit)?;
                0
            }
        };
        decode_block(self.window[from..from + len].to_vec(), path, handle, verify)
    }

    /// Where `len` bytes at file offset `offset` start in the window, if the
    /// window holds all of them.
    fn position_of(&self, offset: u64, len: usize) -> Option<usize> {
        let from = usize::try_from(offset.checked_sub(self.window_start)?).ok()?;
        (from.checked_add(len)? <= self.window.len()).then_some(from)
    }

    /// Reads the next window from `offset`: at least `len` bytes, at most up
    /// to `limit`.
    fn refill(
        &mut self,
        file: &dyn RandomAccessFile,
        offset: u64,
        len: usize,
        limit: u64,
    ) -> Result<()> {
        // `stored_len` checked `offset + len <= limit`, so this is >= len.
        let to_limit = usize::try_from(limit - offset).unwrap_or(usize::MAX);
        let size = self.next_window.max(INITIAL_WINDOW).max(len).min(to_limit);
        // Zero-fill only what the buffer never held: the read overwrites all
        // of it. Should the read fail, the window is emptied, so nothing stale
        // is ever served.
        if self.window.len() < size {
            self.window.resize(size, 0);
        } else {
            self.window.truncate(size);
        }
        if let Err(e) = file.read_exact_at(offset, &mut self.window) {
            self.window.clear();
            return Err(e);
        }
        self.window_start = offset;
        self.next_window = size.saturating_mul(2).clamp(INITIAL_WINDOW, MAX_WINDOW);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use ferrisdb_core::Error;

    use super::*;
    use crate::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind};
    use crate::sstable::block_io::{read_block, Verify};
    use crate::sstable::format::COMPRESSION_NONE;

    /// A file of `count` stored blocks of 1,000 to 5,000 bytes, block `i`
    /// filled with byte `i` (with `flip = (block, byte)`, that byte of that
    /// block damaged), on a [`FaultFileSystem`] that counts the reads from
    /// here on.
    fn blocks(
        count: usize,
        flip: Option<(usize, usize)>,
    ) -> (FaultFileSystem, Box<dyn RandomAccessFile>, Vec<BlockHandle>) {
        let mut bytes = Vec::new();
        let mut handles = Vec::new();
        for i in 0..count {
            let size = 1000 + (i * 1237) % 4000;
            let start = bytes.len();
            bytes.resize(start + size, i as u8);
            bytes.push(COMPRESSION_NONE);
            let crc = crc32fast::hash(&bytes[start..]);
            bytes.extend_from_slice(&crc.to_le_bytes());
            handles.push(BlockHandle {
                offset: start as u64,
                size: size as u64,
            });
        }
        if let Some((block, byte)) = flip {
            bytes[handles[block].offset as usize + byte] ^= 0x40;
        }
        let fs = FaultFileSystem::new();
        fs.create_dir_all(Path::new("db")).unwrap();
        let path = PathBuf::from("db/000007.sst");
        let mut writer = fs.create(&path).unwrap();
        writer.append(&bytes).unwrap();
        let file = fs.open(&path).unwrap();
        count_reads_from_now(&fs, u64::MAX);
        (fs, file, handles)
    }

    /// Counts reads from now on (see `FaultFileSystem::operations`), failing
    /// the `fail`th one.
    fn count_reads_from_now(fs: &FaultFileSystem, fail: u64) {
        fs.fail_at(fail, false, &[OpKind::Read], FaultKind::Io);
    }

    #[test]
    fn reads_ahead_only_after_two_sequential_loads() {
        let mut readahead = Readahead::default();
        let loads = [0, 1, 2, 3, 7, 8, 9, 8, 9, 10];
        let expected = [
            false, false, true, true, false, false, true, false, false, true,
        ];
        for (index, want) in loads.into_iter().zip(expected) {
            assert_eq!(readahead.note_load(index), want, "load of block {index}");
        }
    }

    #[test]
    fn blocks_cut_from_the_window_match_single_reads_in_far_fewer_reads() {
        let (fs, file, handles) = blocks(200, None);
        let file = file.as_ref();
        let limit = file.len();
        let mut readahead = Readahead::default();
        for &handle in &handles {
            let alone = read_block(file, file.path(), handle, limit, Verify::Checksum).unwrap();
            let cut = readahead
                .read(file, file.path(), handle, limit, Verify::Checksum)
                .unwrap();
            assert_eq!(cut, alone, "block at {}", handle.offset);
        }
        // 200 single reads, plus the refills: ~600 KB in windows growing to
        // 256 KiB take a handful. Reading past `limit` would have failed.
        let refills = fs.operations() - 200;
        assert!(refills <= 8, "{refills} refills");
        assert!(readahead.window.len() <= MAX_WINDOW);
    }

    #[test]
    fn a_damaged_block_in_the_window_is_reported_at_its_offset() {
        let (_fs, file, handles) = blocks(20, Some((12, 17)));
        let file = file.as_ref();
        let damaged = handles[12];
        let limit = file.len();
        let mut readahead = Readahead::default();
        for &handle in &handles[..12] {
            readahead
                .read(file, file.path(), handle, limit, Verify::Checksum)
                .unwrap();
        }
        match readahead.read(file, file.path(), damaged, limit, Verify::Checksum) {
            Err(Error::ChecksumMismatch { offset, file, .. }) => {
                assert_eq!(offset, damaged.offset);
                assert_eq!(file, PathBuf::from("db/000007.sst"));
            }
            other => panic!("expected a checksum mismatch, got {other:?}"),
        }
        // The blocks after it are intact and still readable.
        let next = readahead.read(file, file.path(), handles[13], limit, Verify::Checksum);
        assert!(next.is_ok());
    }

    #[test]
    fn a_failed_refill_leaves_nothing_stale_behind() {
        let (fs, file, handles) = blocks(40, None);
        let file = file.as_ref();
        count_reads_from_now(&fs, 2);
        let limit = file.len();
        let mut readahead = Readahead::default();
        readahead
            .read(file, file.path(), handles[0], limit, Verify::Checksum)
            .unwrap();
        // Block 0's window ends before block 5; the refill for it fails.
        let err = readahead.read(file, file.path(), handles[5], limit, Verify::Checksum);
        assert!(matches!(err, Err(Error::Io { .. })), "{err:?}");
        assert!(readahead.window.is_empty());
        let again = readahead
            .read(file, file.path(), handles[5], limit, Verify::Checksum)
            .unwrap();
        assert_eq!(again, vec![5u8; handles[5].size as usize]);
    }

    #[test]
    fn a_block_running_past_the_limit_is_corruption_not_a_read() {
        let (fs, file, handles) = blocks(3, None);
        let file = file.as_ref();
        let mut readahead = Readahead::default();
        let limit = handles[2].offset;
        let err = readahead.read(file, file.path(), handles[2], limit, Verify::Checksum);
        assert!(matches!(err, Err(Error::Corruption { .. })), "{err:?}");
        assert_eq!(fs.operations(), 0);
    }
}
