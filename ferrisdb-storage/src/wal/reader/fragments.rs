//! The fragment reader: the physical layer of a log. It reads the file block
//! by block and yields its fragments in order, each held to the framing
//! rules and its CRC; a fragment that breaks them is damage, reported with
//! its offset. It knows nothing of records: the assembler
//! (`assembler.rs`) joins the fragments.

use ferrisdb_core::{Error, Result};

use crate::fs::RandomAccessFile;
use crate::wal::format::{BLOCK_SIZE, FORMAT_VERSION, FRAGMENT_HEADER_SIZE, MIN_FRAGMENT_SIZE};
use crate::wal::fragment::{check_header, fragment_crc};

/// The details of damage found in a log, before the reader's mode decides
/// what it means (`damage.rs`).
#[derive(Debug)]
pub(super) struct Found {
    pub(super) offset: u64,
    pub(super) reason: String,
    /// `(stored, computed)` for a checksum mismatch.
    pub(super) checksum: Option<(u32, u32)>,
    /// Corruption whatever follows (a checksummed record whose prefix does not
    /// decode, a header naming another log).
    pub(super) certain: bool,
}

impl Found {
    pub(super) fn new(offset: u64, reason: impl Into<String>) -> Self {
        Found {
            offset,
            reason: reason.into(),
            checksum: None,
            certain: false,
        }
    }
}

/// One fragment, checked: its offset in the file, its type (FULL, FIRST,
/// MIDDLE or LAST) and its data.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fragment<'a> {
    pub(super) offset: u64,
    pub(super) kind: u8,
    pub(super) data: &'a [u8],
}

/// Why the fragment reader stopped: damage, or a failed read.
#[derive(Debug)]
pub(super) enum Broken {
    Damage(Found),
    Io(Error),
}

/// Reads the fragments of one log file, from a position on.
#[derive(Debug)]
pub(super) struct Fragments {
    file: Box<dyn RandomAccessFile>,
    len: u64,
    /// The format version whose CRC the fragments use: the header's, or this
    /// build's when the header is damaged (versions 2 and up share it).
    version: u32,
    /// The block at `block_index`, as read from the file.
    block: Vec<u8>,
    block_index: Option<u64>,
    /// Offset of the next fragment.
    pos: u64,
    /// Where the zeros that end the file start, once [`next`](Self::next)
    /// found them at a record boundary.
    zero_tail: Option<u64>,
}

impl Fragments {
    /// A reader of `file` at offset `pos`.
    pub(super) fn new(file: Box<dyn RandomAccessFile>, pos: u64) -> Self {
        Fragments {
            len: file.len(),
            file,
            version: FORMAT_VERSION,
            block: Vec::new(),
            block_index: None,
            pos,
            zero_tail: None,
        }
    }

    /// Fragments follow format `version` (the file header's).
    pub(super) fn set_version(&mut self, version: u32) {
        self.version = version;
    }

    /// The size of the file in bytes.
    pub(super) fn len(&self) -> u64 {
        self.len
    }

    /// The offset of the next fragment.
    pub(super) fn position(&self) -> u64 {
        self.pos
    }

    /// Continues with the fragment at `pos`.
    pub(super) fn seek(&mut self, pos: u64) {
        self.pos = pos;
    }

    /// Reads `buf.len()` bytes at `offset`, past the block cache (for the
    /// file header).
    pub(super) fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.file.read_exact_at(offset, buf)
    }

    /// Loads the block that holds file offset `at` (at most one read) and
    /// returns `at`'s offset in it and the bytes the read took (0 when the
    /// block was loaded already). [`block_from`](Self::block_from) then
    /// gives the bytes.
    pub(super) fn load_block(&mut self, at: u64) -> Result<(usize, usize)> {
        let index = at / BLOCK_SIZE as u64;
        let mut read = 0;
        if self.block_index != Some(index) {
            let start = index * BLOCK_SIZE as u64;
            let end = start.saturating_add(BLOCK_SIZE as u64).min(self.len);
            let len = end.saturating_sub(start) as usize;
            // The read overwrites every byte, so a block of the same length
            // is reused as it is; `resize` after a `clear` would store 32
            // KiB of zeros one at a time in an unoptimized build (the
            // tests'), where `vec!` has the allocator zero them.
            if self.block.len() != len {
                self.block = vec![0; len];
            }
            self.block_index = None;
            self.file.read_exact_at(start, &mut self.block)?;
            self.block_index = Some(index);
            read = self.block.len();
        }
        Ok(((at - index * BLOCK_SIZE as u64) as usize, read))
    }

    /// The loaded block's bytes from offset `off` in it to the end of the
    /// block or the file.
    pub(super) fn block_from(&self, off: usize) -> &[u8] {
        self.block.get(off..).unwrap_or(&[])
    }

    /// Where the zeros that end the file start, if [`next`](Self::next)
    /// ended the log there.
    pub(super) fn zero_tail(&self) -> Option<u64> {
        self.zero_tail
    }

    /// Whether every byte from `from` to the end of the file is zero.
    pub(super) fn zeros_to_end(&mut self, from: u64) -> Result<bool> {
        Ok(self.next_nonzero(from)? == self.len)
    }

    /// The offset of the first byte at or after `from` that is not zero, or
    /// the file's length when there is none.
    pub(super) fn next_nonzero(&mut self, from: u64) -> Result<u64> {
        let mut at = from;
        while at < self.len {
            let (off, _) = self.load_block(at)?;
            let bytes = self.block_from(off);
            if let Some(i) = first_nonzero(bytes) {
                return Ok(at + i as u64);
            }
            at += bytes.len() as u64;
        }
        Ok(self.len)
    }

    /// The offset just past the last byte at or after `from` that is not
    /// zero, or `from` when there is none: where the file ends, less the
    /// zeros that end it.
    pub(super) fn end_of_data(&mut self, from: u64) -> Result<u64> {
        let mut end = self.len;
        while end > from {
            let block_start = (end - 1) / BLOCK_SIZE as u64 * BLOCK_SIZE as u64;
            self.load_block(end - 1)?;
            let first = from.saturating_sub(block_start) as usize;
            let bytes = &self.block[first..(end - block_start) as usize];
            if first_nonzero(bytes).is_some() {
                let last = bytes.iter().rposition(|&b| b != 0).unwrap_or(0);
                return Ok(block_start + (first + last + 1) as u64);
            }
            end = block_start.max(from);
        }
        Ok(from)
    }

    /// The next fragment, skipping block trailers; `None` at the end of the
    /// file, and, `at_boundary` (between records), where nothing but zeros
    /// follows: room the writer preallocated and never wrote (see
    /// [`zero_tail`](Self::zero_tail)). A trailer that is not zeros, a file
    /// that ends inside a trailer or a fragment, a header that breaks the
    /// framing rules and a CRC that does not match are damage at the offset
    /// where they start.
    pub(super) fn next(&mut self, at_boundary: bool) -> Result<Option<Fragment<'_>>, Broken> {
        loop {
            let pos = self.pos;
            if pos >= self.len {
                return Ok(None);
            }
            let (mut off, _) = self.load_block(pos).map_err(Broken::Io)?;
            // A fragment's header is never all zeros (type 0 is invalid):
            // only then is the rest of the file worth reading.
            let head = self.block_from(off);
            if at_boundary
                && head[..head.len().min(FRAGMENT_HEADER_SIZE)]
                    .iter()
                    .all(|&b| b == 0)
            {
                if self.zeros_to_end(pos).map_err(Broken::Io)? {
                    self.zero_tail = Some(pos);
                    return Ok(None);
                }
                (off, _) = self.load_block(pos).map_err(Broken::Io)?;
            }
            let room = BLOCK_SIZE - off;
            let here = self.block_from(off);
            let damage = |reason: String| Err(Broken::Damage(Found::new(pos, reason)));
            if room < MIN_FRAGMENT_SIZE {
                let trailer = &here[..here.len().min(room)];
                if trailer.iter().any(|&b| b != 0) {
                    return damage("non-zero bytes in a block trailer".into());
                }
                if trailer.len() < room {
                    return damage("file ends inside a block trailer".into());
                }
                self.pos += room as u64;
                continue;
            }
            if here.len() < FRAGMENT_HEADER_SIZE {
                return damage("file ends inside a fragment header".into());
            }
            let header = match check_header(here, off) {
                Ok(header) => header,
                Err(problem) => return damage(problem.to_string()),
            };
            let actual = fragment_crc(self.version, pos, header.kind, header.data(here));
            if actual != header.crc {
                let stored = header.crc;
                let mut found = Found::new(
                    pos,
                    format!("checksum mismatch: stored {stored:#010x}, computed {actual:#010x}"),
                );
                found.checksum = Some((stored, actual));
                return Err(Broken::Damage(found));
            }
            self.pos += header.end as u64;
            return Ok(Some(Fragment {
                offset: pos,
                kind: header.kind,
                data: header.data(self.block_from(off)),
            }));
        }
    }
}

/// The index of the first byte of `bytes` that is not zero. Compares runs
/// of zeros a page at a time (`memcmp`), since a log may end in a megabyte
/// of them.
pub(super) fn first_nonzero(bytes: &[u8]) -> Option<usize> {
    const ZEROS: [u8; 4096] = [0; 4096];
    let mut at = 0;
    for chunk in bytes.chunks(ZEROS.len()) {
        if chunk != &ZEROS[..chunk.len()] {
            return chunk.iter().position(|&b| b != 0).map(|i| at + i);
        }
        at += chunk.len();
    }
    None
}
