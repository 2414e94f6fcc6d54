//! Bounds-checked encoding of integers and byte strings.
//!
//! Every on-disk format of FerrisDB is built from the same few pieces, all
//! little-endian:
//!
//! ```text
//! fixed32: 4 bytes, little-endian u32
//! fixed64: 8 bytes, little-endian u64
//! varint:  1 to 10 bytes, LEB128: 7 bits per byte, low bits first, the high bit
//!          set on every byte but the last
//! ```
//!
//! Bytes read from disk are untrusted. [`Decoder`] never indexes out of bounds
//! and never trusts a length: every read checks that the bytes are there and
//! returns a [`DecodeError`] naming the offset where the input ran short or went
//! wrong. Callers that know which file they are reading turn it into
//! [`Error::Corruption`] with [`DecodeError::in_file`].

use std::fmt;
use std::path::Path;

use crate::{Error, Unsupported};

/// The longest encoding of a `u64` varint: ceil(64 / 7) bytes.
pub const MAX_VARINT64_LEN: usize = 10;

/// Input that could not be decoded, and where.
///
/// The offset is relative to the start of the slice given to the decoder; the
/// caller adds the position of that slice in its file.
///
/// Most decode errors are damage. One made by [`unsupported`](Self::unsupported)
/// is not: the input follows its format but holds something only a newer
/// version of FerrisDB reads, and [`in_file`](Self::in_file) turns it into
/// [`Error::UnsupportedFormat`] instead of [`Error::Corruption`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    offset: usize,
    reason: String,
    unsupported: bool,
}

impl DecodeError {
    /// A decode failure at `offset` for `reason`: damaged input.
    pub fn new(offset: usize, reason: impl Into<String>) -> Self {
        DecodeError {
            offset,
            reason: reason.into(),
            unsupported: false,
        }
    }

    /// Input at `offset` that follows its format but holds what a newer
    /// version writes and this one cannot read; `what` names it.
    pub fn unsupported(offset: usize, what: impl Into<String>) -> Self {
        DecodeError {
            offset,
            reason: what.into(),
            unsupported: true,
        }
    }

    /// Whether the input is not damaged but written by a newer version (see
    /// [`unsupported`](Self::unsupported)).
    pub fn is_unsupported(&self) -> bool {
        self.unsupported
    }

    /// The offset, within the decoded slice, where decoding failed.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Names the file: the slice started at `base_offset` of `file`. An
    /// [`Error::Corruption`], or [`Error::UnsupportedFormat`] for an error
    /// made by [`unsupported`](Self::unsupported).
    pub fn in_file(self, file: &Path, base_offset: u64) -> Error {
        let file = file.to_path_buf();
        let offset = base_offset.saturating_add(self.offset as u64);
        let reason = self.reason;
        if self.unsupported {
            let unsupported = Unsupported::Record {
                offset,
                what: reason,
            };
            Error::UnsupportedFormat { file, unsupported }
        } else {
            Error::Corruption {
                file,
                offset,
                reason,
            }
        }
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// Appends `value` as a fixed32.
#[inline]
pub fn put_fixed32(buf: &mut Vec<u8>, value: u32) {
    buf.extend_from_slice(&value.to_le_bytes());
}

/// Appends `value` as a fixed64.
#[inline]
pub fn put_fixed64(buf: &mut Vec<u8>, value: u64) {
    buf.extend_from_slice(&value.to_le_bytes());
}

/// Appends `value` as a varint.
#[inline]
pub fn put_varint64(buf: &mut Vec<u8>, mut value: u64) {
    while value >= 0x80 {
        buf.push((value as u8) | 0x80);
        value >>= 7;
    }
    buf.push(value as u8);
}

/// Writes `value` as a varint at the start of `out` and returns its length,
/// for a header built on the stack. Panics if `out` is shorter than
/// [`varint64_len`]`(value)`.
#[inline]
pub fn encode_varint64(out: &mut [u8], mut value: u64) -> usize {
    let mut len = 0;
    while value >= 0x80 {
        out[len] = (value as u8) | 0x80;
        value >>= 7;
        len += 1;
    }
    out[len] = value as u8;
    len + 1
}

/// The number of bytes [`put_varint64`] writes for `value`.
#[inline]
pub fn varint64_len(value: u64) -> usize {
    let significant_bits = 64 - (value | 1).leading_zeros() as usize;
    significant_bits.div_ceil(7)
}

/// Appends a varint length followed by the bytes.
#[inline]
pub fn put_length_prefixed(buf: &mut Vec<u8>, bytes: &[u8]) {
    put_varint64(buf, bytes.len() as u64);
    buf.extend_from_slice(bytes);
}

/// A cursor over untrusted bytes whose every read is checked.
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    input: &'a [u8],
    pos: usize,
}

impl<'a> Decoder<'a> {
    /// A decoder at the start of `input`.
    #[inline]
    pub fn new(input: &'a [u8]) -> Self {
        Decoder { input, pos: 0 }
    }

    /// Bytes consumed so far: the offset of the next read.
    #[inline]
    pub fn position(&self) -> usize {
        self.pos
    }

    /// Bytes not yet consumed.
    #[inline]
    pub fn remaining(&self) -> usize {
        self.input.len() - self.pos
    }

    /// Whether every byte has been consumed.
    pub fn is_empty(&self) -> bool {
        self.remaining() == 0
    }

    /// A decode error at the current position.
    pub fn error(&self, reason: impl Into<String>) -> DecodeError {
        DecodeError::new(self.pos, reason)
    }

    /// Takes the next `len` bytes; `what` names them in the error if the input
    /// is shorter.
    #[inline]
    pub fn bytes(&mut self, len: usize, what: &str) -> Result<&'a [u8], DecodeError> {
        if len > self.remaining() {
            return Err(self.error(format!(
                "truncated {what}: needs {len} bytes, only {} left",
                self.remaining()
            )));
        }
        let out = &self.input[self.pos..self.pos + len];
        self.pos += len;
        Ok(out)
    }

    /// Takes the next `N` bytes as an array.
    #[inline]
    pub fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N], DecodeError> {
        let bytes = self.bytes(N, what)?;
        let mut out = [0u8; N];
        out.copy_from_slice(bytes);
        Ok(out)
    }

    /// Reads one byte.
    #[inline]
    pub fn u8(&mut self, what: &str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    /// Reads a fixed32.
    #[inline]
    pub fn fixed32(&mut self, what: &str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    /// Reads a fixed64.
    #[inline]
    pub fn fixed64(&mut self, what: &str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// Reads a varint, rejecting encodings longer than 10 bytes or wider than
    /// 64 bits.
    #[inline]
    pub fn varint64(&mut self, what: &str) -> Result<u64, DecodeError> {
        let start = self.pos;
        let mut value: u64 = 0;
        for i in 0..MAX_VARINT64_LEN {
            let Some(&byte) = self.input.get(self.pos) else {
                self.pos = start;
                return Err(self.error(format!("truncated varint {what}")));
            };
            self.pos += 1;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may only carry the single top bit of a u64.
            if i == MAX_VARINT64_LEN - 1 && bits > 1 {
                self.pos = start;
                return Err(self.error(format!("varint {what} overflows 64 bits")));
            }
            value |= bits << (7 * i);
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        self.pos = start;
        Err(self.error(format!("varint {what} is longer than 10 bytes")))
    }

    /// Reads a varint that must fit in `u32`.
    #[inline]
    pub fn varint32(&mut self, what: &str) -> Result<u32, DecodeError> {
        let start = self.pos;
        let value = self.varint64(what)?;
        u32::try_from(value).map_err(|_| {
            DecodeError::new(
                start,
                format!("varint {what} = {value} does not fit in 32 bits"),
            )
        })
    }

    /// Reads a varint length, checks that many bytes remain, and takes them.
    #[inline]
    pub fn length_prefixed(&mut self, what: &str) -> Result<&'a [u8], DecodeError> {
        let start = self.pos;
        let len = self.varint64(what)?;
        match usize::try_from(len) {
            Ok(len) if len <= self.remaining() => self.bytes(len, what),
            _ => {
                let left = self.remaining();
                self.pos = start;
                Err(self.error(format!("{what} claims {len} bytes but only {left} remain")))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varint_round_trips_at_every_width() {
        let mut values = vec![0, 1, 127, 128, 255, 300, 16_383, 16_384, u64::MAX];
        values.extend((0..64).map(|shift| 1u64 << shift));
        values.extend((1..64).map(|shift| (1u64 << shift) - 1));
        for value in values {
            let mut buf = Vec::new();
            put_varint64(&mut buf, value);
            assert_eq!(buf.len(), varint64_len(value), "length of {value}");
            let mut out = [0; MAX_VARINT64_LEN];
            let len = encode_varint64(&mut out, value);
            assert_eq!(out[..len], buf);
            let mut dec = Decoder::new(&buf);
            assert_eq!(dec.varint64("v").unwrap(), value);
            assert!(dec.is_empty());
        }
    }

    #[test]
    fn varint_rejects_truncation_overflow_and_overlong_input() {
        let mut buf = Vec::new();
        put_varint64(&mut buf, u64::MAX);
        for cut in 0..buf.len() {
            let err = Decoder::new(&buf[..cut]).varint64("v").unwrap_err();
            assert!(err.reason().contains("truncated"), "{err}");
        }
        let overflow = [0xff; 9].iter().chain(&[0x02]).copied().collect::<Vec<_>>();
        assert!(Decoder::new(&overflow).varint64("v").is_err());
        let overlong = [0x80u8; 11];
        assert!(Decoder::new(&overlong).varint64("v").is_err());
    }

    #[test]
    fn varint32_rejects_wide_values() {
        let mut buf = Vec::new();
        put_varint64(&mut buf, u64::from(u32::MAX) + 1);
        assert!(Decoder::new(&buf).varint32("v").is_err());
    }

    #[test]
    fn length_prefix_larger_than_input_is_rejected_without_allocating() {
        let mut buf = Vec::new();
        put_varint64(&mut buf, u64::MAX);
        buf.extend_from_slice(b"abc");
        let mut dec = Decoder::new(&buf);
        let err = dec.length_prefixed("value").unwrap_err();
        assert!(err.reason().contains("claims"), "{err}");
        assert_eq!(dec.position(), 0, "a failed read consumes nothing");
    }

    #[test]
    fn decode_error_names_file_and_absolute_offset() {
        let err = DecodeError::new(5, "bad").in_file(Path::new("/db/000007.sst"), 100);
        match err {
            Error::Corruption {
                file,
                offset,
                reason,
            } => {
                assert_eq!(file, Path::new("/db/000007.sst"));
                assert_eq!(offset, 105);
                assert_eq!(reason, "bad");
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn an_unsupported_input_is_not_corruption() {
        let err = DecodeError::unsupported(13, "a range delete");
        assert!(err.is_unsupported() && err.offset() == 13);
        match err.in_file(Path::new("/db/000002.wal"), 100) {
            Error::UnsupportedFormat {
                unsupported: Unsupported::Record { offset, what },
                ..
            } => assert_eq!((offset, what.as_str()), (113, "a range delete")),
            other => panic!("unexpected {other:?}"),
        }
        assert!(!DecodeError::new(0, "bad").is_unsupported());
    }
}
