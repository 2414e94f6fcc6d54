//! Fragments: how a record is framed inside the log's 32 KiB blocks.
//!
//! A record (one encoded write batch) is cut into fragments so that no
//! fragment crosses a block boundary. Each fragment carries a CRC32 over its
//! type and data, its length and its type (FULL, or FIRST, MIDDLE..., LAST),
//! so a reader can resynchronize at any block start and tell a torn write
//! from a whole one. The byte layout is in `docs/format/wal.md`; the
//! constants in [`format`](super::format).

use ferrisdb_core::coding::put_fixed32;

use super::format::{
    BLOCK_SIZE, FRAGMENT_HEADER_SIZE, FRAGMENT_LENGTH_OFFSET, FRAGMENT_TYPE_OFFSET,
    MIN_FRAGMENT_SIZE, TYPE_FIRST, TYPE_FULL, TYPE_LAST, TYPE_MIDDLE,
};

/// An upper bound of the bytes [`frame_record`] writes for a payload of
/// `payload_len` bytes, padding included.
pub(crate) fn framed_len_upper_bound(payload_len: usize) -> u64 {
    let fragments = payload_len / (BLOCK_SIZE - FRAGMENT_HEADER_SIZE) + 2;
    (payload_len + fragments * (FRAGMENT_HEADER_SIZE + MIN_FRAGMENT_SIZE)) as u64
}

/// Frames `payload` as one record starting at file offset `offset`, appending
/// the fragments (and any block padding) to `out`. Returns the offset just
/// past the record.
///
/// REQUIRES: `payload` is not empty.
pub(crate) fn frame_record(payload: &[u8], mut offset: u64, out: &mut Vec<u8>) -> u64 {
    debug_assert!(!payload.is_empty(), "a WAL record has a payload");
    let mut rest = payload;
    let mut first = true;
    loop {
        let left_in_block = BLOCK_SIZE - (offset % BLOCK_SIZE as u64) as usize;
        if left_in_block < MIN_FRAGMENT_SIZE {
            // The block trailer: too small for a fragment, zero-filled.
            out.resize(out.len() + left_in_block, 0);
            offset += left_in_block as u64;
            continue;
        }
        let take = rest.len().min(left_in_block - FRAGMENT_HEADER_SIZE);
        let last = take == rest.len();
        let kind = match (first, last) {
            (true, true) => TYPE_FULL,
            (true, false) => TYPE_FIRST,
            (false, false) => TYPE_MIDDLE,
            (false, true) => TYPE_LAST,
        };
        let (data, remainder) = rest.split_at(take);
        put_fixed32(out, fragment_crc(kind, data));
        // `take` < BLOCK_SIZE, which fits in 16 bits.
        out.extend_from_slice(&(take as u16).to_le_bytes());
        out.push(kind);
        out.extend_from_slice(data);
        offset += (FRAGMENT_HEADER_SIZE + take) as u64;
        rest = remainder;
        first = false;
        if last {
            return offset;
        }
    }
}

/// The CRC32 stored in a fragment header: over the type byte and the payload.
pub(crate) fn fragment_crc(kind: u8, data: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(data);
    hasher.finalize()
}

/// Whether `bytes` start with a fragment that checks out.
pub(crate) fn is_valid_fragment(bytes: &[u8]) -> bool {
    if bytes.len() < FRAGMENT_HEADER_SIZE {
        return false;
    }
    let kind = bytes[FRAGMENT_TYPE_OFFSET];
    if !(TYPE_FULL..=TYPE_LAST).contains(&kind) {
        return false;
    }
    let length = usize::from(u16::from_le_bytes([
        bytes[FRAGMENT_LENGTH_OFFSET],
        bytes[FRAGMENT_LENGTH_OFFSET + 1],
    ]));
    let end = FRAGMENT_HEADER_SIZE + length;
    if length == 0 || end > bytes.len() {
        return false;
    }
    let stored = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    fragment_crc(kind, &bytes[FRAGMENT_HEADER_SIZE..end]) == stored
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wal::format::FILE_HEADER_SIZE;

    #[test]
    fn small_record_is_one_full_fragment() {
        let mut out = Vec::new();
        let end = frame_record(b"abc", FILE_HEADER_SIZE as u64, &mut out);
        assert_eq!(end, (FILE_HEADER_SIZE + FRAGMENT_HEADER_SIZE + 3) as u64);
        assert_eq!(&out[4..7], &[3, 0, TYPE_FULL]);
        assert_eq!(out[0..4], fragment_crc(TYPE_FULL, b"abc").to_le_bytes());
    }

    #[test]
    fn record_is_split_at_block_boundaries_and_trailer_is_padded() {
        let payload = vec![7u8; 2 * BLOCK_SIZE];
        let start = (BLOCK_SIZE - 5) as u64; // no room for a fragment: padded
        let mut out = Vec::new();
        let end = frame_record(&payload, start, &mut out);
        assert_eq!(end, start + out.len() as u64);
        assert_eq!(&out[..5], &[0; 5]);
        let second_block = &out[5..];
        assert_eq!(second_block[6], TYPE_FIRST);
        assert_eq!(second_block[BLOCK_SIZE + 6], TYPE_MIDDLE);
        assert_eq!(second_block[2 * BLOCK_SIZE + 6], TYPE_LAST);
        assert!(out.len() as u64 <= framed_len_upper_bound(payload.len()));
    }

    #[test]
    fn a_framed_fragment_is_valid_and_any_flip_makes_it_invalid() {
        let mut out = Vec::new();
        frame_record(b"hello", 0, &mut out);
        assert!(is_valid_fragment(&out));
        for i in 0..out.len() {
            let mut damaged = out.clone();
            damaged[i] ^= 0x01;
            assert!(!is_valid_fragment(&damaged), "flip at {i} went unnoticed");
        }
        assert!(!is_valid_fragment(&out[..out.len() - 1]));
    }
}
