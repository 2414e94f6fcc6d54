//! Fragments: how a record is framed inside the log's 32 KiB blocks.
//!
//! A record (one payload) is cut into fragments so that no fragment crosses a
//! block boundary. Each fragment carries a CRC32 over its offset, type and
//! data, its length and its type (FULL, or FIRST, MIDDLE..., LAST), so a
//! reader can resynchronize at any block start and tell a torn write from a
//! whole one. The byte layout is in `docs/format/wal.md`; the constants in
//! [`format`](super::format).

use std::fmt;
use std::sync::OnceLock;

use super::format::{
    BLOCK_SIZE, FORMAT_VERSION, FORMAT_VERSION_2, FRAGMENT_CRC_OFFSET, FRAGMENT_HEADER_SIZE,
    FRAGMENT_LENGTH_OFFSET, FRAGMENT_TYPE_OFFSET, MIN_FRAGMENT_SIZE, TYPE_FIRST, TYPE_FULL,
    TYPE_LAST, TYPE_MIDDLE,
};

/// An upper bound of the bytes [`frame_record`] writes for a payload of
/// `payload_len` bytes, padding included.
pub(crate) fn framed_len_upper_bound(payload_len: usize) -> u64 {
    let fragments = payload_len / (BLOCK_SIZE - FRAGMENT_HEADER_SIZE) + 2;
    (payload_len + fragments * (FRAGMENT_HEADER_SIZE + MIN_FRAGMENT_SIZE)) as u64
}

/// Frames one record, whose payload is `head` followed by every slice of
/// `body`, starting at file offset `offset`, in the format this build
/// writes: appends the fragments (and any block padding) to `out`, copying
/// each byte of the payload once, and returns the offset just past the
/// record.
///
/// REQUIRES: the payload is not empty.
pub(crate) fn frame_record(head: &[u8], body: &[&[u8]], offset: u64, out: &mut Vec<u8>) -> u64 {
    frame_record_as(FORMAT_VERSION, head, body, offset, out)
}

/// [`frame_record`] as format `version` frames it (tests write older logs
/// with it).
pub(crate) fn frame_record_as(
    version: u32,
    head: &[u8],
    body: &[&[u8]],
    mut offset: u64,
    out: &mut Vec<u8>,
) -> u64 {
    let mut rest = head.len() + body.iter().map(|part| part.len()).sum::<usize>();
    debug_assert!(rest > 0, "a WAL record has a payload");
    let mut pieces = Pieces {
        current: head,
        next: body,
    };
    let mut first = true;
    loop {
        let left_in_block = BLOCK_SIZE - (offset % BLOCK_SIZE as u64) as usize;
        if left_in_block < MIN_FRAGMENT_SIZE {
            // The block trailer: too small for a fragment, zero-filled.
            out.resize(out.len() + left_in_block, 0);
            offset += left_in_block as u64;
            continue;
        }
        let take = rest.min(left_in_block - FRAGMENT_HEADER_SIZE);
        let last = take == rest;
        let kind = match (first, last) {
            (true, true) => TYPE_FULL,
            (true, false) => TYPE_FIRST,
            (false, false) => TYPE_MIDDLE,
            (false, true) => TYPE_LAST,
        };
        // The header is filled in once the data, copied right after it, can
        // be checksummed in one piece.
        let at = out.len();
        out.resize(at + FRAGMENT_HEADER_SIZE, 0);
        pieces.copy_to(take, out);
        let crc = fragment_crc(version, offset, kind, &out[at + FRAGMENT_HEADER_SIZE..]);
        let header = &mut out[at..at + FRAGMENT_HEADER_SIZE];
        header[FRAGMENT_CRC_OFFSET..FRAGMENT_LENGTH_OFFSET].copy_from_slice(&crc.to_le_bytes());
        // `take` < BLOCK_SIZE, which fits in 16 bits.
        header[FRAGMENT_LENGTH_OFFSET..FRAGMENT_TYPE_OFFSET]
            .copy_from_slice(&(take as u16).to_le_bytes());
        header[FRAGMENT_TYPE_OFFSET] = kind;
        offset += (FRAGMENT_HEADER_SIZE + take) as u64;
        rest -= take;
        first = false;
        if last {
            return offset;
        }
    }
}

/// A payload given in pieces, consumed from the front.
struct Pieces<'a> {
    current: &'a [u8],
    next: &'a [&'a [u8]],
}

impl Pieces<'_> {
    /// Appends the next `n` bytes to `out`.
    ///
    /// REQUIRES: at least `n` bytes are left.
    fn copy_to(&mut self, mut n: usize, out: &mut Vec<u8>) {
        while n > 0 {
            if self.current.is_empty() {
                let Some((&part, rest)) = self.next.split_first() else {
                    debug_assert!(false, "a payload shorter than its length");
                    return;
                };
                self.current = part;
                self.next = rest;
                continue;
            }
            let (now, later) = self.current.split_at(n.min(self.current.len()));
            out.extend_from_slice(now);
            self.current = later;
            n -= now.len();
        }
    }
}

/// The CRC32 stored in the header of a fragment at file offset `offset`:
/// over the offset (fixed64, from format version 2 on), the type byte and
/// the data. Covering the offset ties a fragment to its place: a copy of a
/// fragment anywhere else (in a value that holds log bytes, in a stale page
/// of another log) does not check out there.
#[inline]
pub(crate) fn fragment_crc(version: u32, offset: u64, kind: u8, data: &[u8]) -> u32 {
    // A copy of one hasher made once: `Hasher::new` detects the CPU's CRC
    // instructions every time, a fixed cost that shows for small records.
    static NEW_HASHER: OnceLock<crc32fast::Hasher> = OnceLock::new();
    let mut hasher = NEW_HASHER.get_or_init(crc32fast::Hasher::new).clone();
    if version >= FORMAT_VERSION_2 {
        hasher.update(&offset.to_le_bytes());
    }
    hasher.update(&[kind]);
    hasher.update(data);
    hasher.finalize()
}

/// A fragment header that follows the framing rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct FragmentHeader {
    /// The CRC32 stored in the header.
    pub(crate) crc: u32,
    /// FULL, FIRST, MIDDLE or LAST.
    pub(crate) kind: u8,
    /// Offset, from the start of the fragment, just past its data.
    pub(crate) end: usize,
}

impl FragmentHeader {
    /// The fragment's data, in `here` (which starts with the fragment).
    pub(crate) fn data<'a>(&self, here: &'a [u8]) -> &'a [u8] {
        &here[FRAGMENT_HEADER_SIZE..self.end]
    }

    /// Whether the stored CRC matches the data in `here`, for a fragment at
    /// file offset `offset` of a file of format `version`.
    pub(crate) fn checks_out(&self, here: &[u8], version: u32, offset: u64) -> bool {
        fragment_crc(version, offset, self.kind, self.data(here)) == self.crc
    }
}

/// Why a fragment header breaks the framing rules. Its `Display` is the
/// reason a damage report gives; the scan after damage, which tries every
/// byte, only asks whether there is one, without formatting it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum HeaderProblem {
    ZeroFilled,
    UnknownType(u8),
    Empty,
    OverflowsBlock(usize),
    DoesNotFillBlock(u8),
    InsideBlock(u8),
    PastEndOfFile(usize),
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HeaderProblem::ZeroFilled => write!(f, "zero-filled fragment header"),
            HeaderProblem::UnknownType(kind) => write!(f, "unknown fragment type {kind}"),
            HeaderProblem::Empty => write!(f, "empty fragment"),
            HeaderProblem::OverflowsBlock(length) => {
                write!(f, "fragment length {length} overflows its block")
            }
            HeaderProblem::DoesNotFillBlock(kind) => write!(
                f,
                "a fragment of type {kind} that does not fill the rest of its block"
            ),
            HeaderProblem::InsideBlock(kind) => {
                write!(f, "a fragment of type {kind} inside a block")
            }
            HeaderProblem::PastEndOfFile(length) => {
                write!(f, "file ends inside a fragment of {length} bytes")
            }
        }
    }
}

/// Reads the fragment header at the start of `here`, the bytes of a block
/// from offset `off` in it to the end of the block or file, and checks it
/// against the rules [`frame_record`] follows, not yet the CRC: a known type,
/// a non-zero length that fits the block and the file, a FIRST or MIDDLE
/// filling the rest of its block, a MIDDLE or LAST at a block's start.
///
/// REQUIRES: `here` holds at least [`FRAGMENT_HEADER_SIZE`] bytes and the
/// block has at least [`MIN_FRAGMENT_SIZE`] bytes from `off`.
pub(crate) fn check_header(here: &[u8], off: usize) -> Result<FragmentHeader, HeaderProblem> {
    let room = BLOCK_SIZE - off;
    let crc = u32::from_le_bytes([here[0], here[1], here[2], here[3]]);
    let length = usize::from(u16::from_le_bytes([
        here[FRAGMENT_LENGTH_OFFSET],
        here[FRAGMENT_LENGTH_OFFSET + 1],
    ]));
    let kind = here[FRAGMENT_TYPE_OFFSET];
    if !(TYPE_FULL..=TYPE_LAST).contains(&kind) {
        return Err(if here[..FRAGMENT_HEADER_SIZE].iter().all(|&b| b == 0) {
            HeaderProblem::ZeroFilled
        } else {
            HeaderProblem::UnknownType(kind)
        });
    }
    if length == 0 {
        return Err(HeaderProblem::Empty);
    }
    let end = FRAGMENT_HEADER_SIZE + length;
    if end > room {
        return Err(HeaderProblem::OverflowsBlock(length));
    }
    if matches!(kind, TYPE_FIRST | TYPE_MIDDLE) && end != room {
        return Err(HeaderProblem::DoesNotFillBlock(kind));
    }
    if matches!(kind, TYPE_MIDDLE | TYPE_LAST) && off != 0 {
        return Err(HeaderProblem::InsideBlock(kind));
    }
    if end > here.len() {
        return Err(HeaderProblem::PastEndOfFile(length));
    }
    Ok(FragmentHeader { crc, kind, end })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::format::FILE_HEADER_SIZE;

    #[test]
    fn small_record_is_one_full_fragment() {
        let mut out = Vec::new();
        let end = frame_record(b"abc", &[], FILE_HEADER_SIZE as u64, &mut out);
        assert_eq!(end, (FILE_HEADER_SIZE + FRAGMENT_HEADER_SIZE + 3) as u64);
        assert_eq!(&out[4..7], &[3, 0, TYPE_FULL]);
        let crc = fragment_crc(FORMAT_VERSION, FILE_HEADER_SIZE as u64, TYPE_FULL, b"abc");
        assert_eq!(out[0..4], crc.to_le_bytes());
    }

    #[test]
    fn record_is_split_at_block_boundaries_and_trailer_is_padded() {
        let payload = vec![7u8; 2 * BLOCK_SIZE];
        let start = (BLOCK_SIZE - 5) as u64; // no room for a fragment: padded
        let mut out = Vec::new();
        let end = frame_record(&payload, &[], start, &mut out);
        assert_eq!(end, start + out.len() as u64);
        assert_eq!(&out[..5], &[0; 5]);
        let second_block = &out[5..];
        assert_eq!(second_block[6], TYPE_FIRST);
        assert_eq!(second_block[BLOCK_SIZE + 6], TYPE_MIDDLE);
        assert_eq!(second_block[2 * BLOCK_SIZE + 6], TYPE_LAST);
        assert!(out.len() as u64 <= framed_len_upper_bound(payload.len()));
    }

    #[test]
    fn a_payload_in_pieces_frames_as_the_same_payload_whole() {
        let payload: Vec<u8> = (0..3 * BLOCK_SIZE).map(|i| (i % 251) as u8).collect();
        for start in [FILE_HEADER_SIZE, BLOCK_SIZE - 9, 1000] {
            let mut whole = Vec::new();
            let end = frame_record(&payload, &[], start as u64, &mut whole);
            let (head, rest) = payload.split_at(5);
            let (a, b) = rest.split_at(BLOCK_SIZE);
            let mut pieces = Vec::new();
            let pieces_end = frame_record(head, &[a, &[], b], start as u64, &mut pieces);
            assert_eq!((pieces_end, &pieces), (end, &whole), "from {start}");
        }
    }

    fn valid(here: &[u8], off: usize) -> bool {
        check_header(here, off).is_ok_and(|h| h.checks_out(here, FORMAT_VERSION, off as u64))
    }

    #[test]
    fn a_framed_fragment_is_valid_and_any_flip_makes_it_invalid() {
        let mut out = Vec::new();
        frame_record(b"hello", &[], FILE_HEADER_SIZE as u64, &mut out);
        assert!(valid(&out, FILE_HEADER_SIZE));
        for i in 0..out.len() {
            let mut damaged = out.clone();
            damaged[i] ^= 0x01;
            assert!(
                !valid(&damaged, FILE_HEADER_SIZE),
                "flip at {i} went unnoticed"
            );
        }
        assert!(!valid(&out[..out.len() - 1], FILE_HEADER_SIZE));
    }

    #[test]
    fn every_fragment_frame_record_writes_follows_the_framing_rules() {
        let payload = vec![5u8; 3 * BLOCK_SIZE];
        for start in [FILE_HEADER_SIZE, BLOCK_SIZE - 9, BLOCK_SIZE - 8, 100] {
            let mut out = vec![0; start];
            let end = frame_record(&payload, &[], start as u64, &mut out) as usize;
            let mut at = start;
            while at < end {
                let off = at % BLOCK_SIZE;
                if BLOCK_SIZE - off < MIN_FRAGMENT_SIZE {
                    at += BLOCK_SIZE - off;
                    continue;
                }
                let header = check_header(&out[at..], off).unwrap();
                assert!(header.checks_out(&out[at..], FORMAT_VERSION, at as u64));
                at += header.end;
            }
            assert_eq!(at, end);
        }
        // A FIRST that stops short of its block's end is not one the writer
        // makes.
        let mut out = Vec::new();
        frame_record(&payload, &[], FILE_HEADER_SIZE as u64, &mut out);
        let short = (BLOCK_SIZE - FILE_HEADER_SIZE - FRAGMENT_HEADER_SIZE - 1) as u16;
        out[FRAGMENT_LENGTH_OFFSET..FRAGMENT_LENGTH_OFFSET + 2]
            .copy_from_slice(&short.to_le_bytes());
        assert!(check_header(&out, FILE_HEADER_SIZE).is_err());
    }
}
