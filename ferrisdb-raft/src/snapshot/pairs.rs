//! Writing and reading the pairs of a snapshot in the layout of
//! [`format`](super::format). The reader is a trust boundary (the bytes come
//! from another node, or from disk): every length is checked against the
//! bytes left before it is used, and the whole snapshot is checked before
//! the first pair is returned.

use std::fmt;

use super::format::{
    COUNT_LEN, CRC_LEN, END_LEN, HEADER_LEN, LENGTH_LEN, MAGIC, TAG_END, TAG_LEN, TAG_PAIR, VERSION,
};

/// Writes a snapshot: the header, then each pair, then the end record.
pub(crate) struct PairWriter {
    out: Vec<u8>,
    count: u64,
}

impl PairWriter {
    pub(crate) fn new() -> PairWriter {
        let mut out = Vec::with_capacity(HEADER_LEN + END_LEN);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&VERSION.to_be_bytes());
        PairWriter { out, count: 0 }
    }

    /// Appends a pair; keys must come in strictly increasing order, as a
    /// FerrisDB scan returns them.
    ///
    /// # Errors
    ///
    /// A key or value longer than a `u32` length holds; FerrisDB's own
    /// limits are far below it.
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8]) -> Result<(), FormatError> {
        let offset = self.out.len();
        let length = |bytes: &[u8], what| {
            u32::try_from(bytes.len()).map_err(|_| FormatError {
                offset,
                problem: format!("a {what} of {} bytes does not fit a u32", bytes.len()),
            })
        };
        let key_len = length(key, "key")?;
        let value_len = length(value, "value")?;
        self.out.push(TAG_PAIR);
        self.out.extend_from_slice(&key_len.to_be_bytes());
        self.out.extend_from_slice(key);
        self.out.extend_from_slice(&value_len.to_be_bytes());
        self.out.extend_from_slice(value);
        self.count += 1;
        Ok(())
    }

    /// The snapshot's bytes, with the end record.
    pub(crate) fn finish(mut self) -> Vec<u8> {
        self.out.push(TAG_END);
        self.out.extend_from_slice(&self.count.to_be_bytes());
        let crc = crc32fast::hash(&self.out);
        self.out.extend_from_slice(&crc.to_be_bytes());
        self.out
    }
}

/// A snapshot that does not read: the byte offset and what is wrong there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FormatError {
    pub(crate) offset: usize,
    pub(crate) problem: String,
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "snapshot byte {}: {}", self.offset, self.problem)
    }
}

impl std::error::Error for FormatError {}

/// A key and its value, borrowed from the snapshot's bytes.
pub(crate) type Pair<'a> = (&'a [u8], &'a [u8]);

/// A cursor over the snapshot's bytes that never reads past their end.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, problem: impl Into<String>) -> FormatError {
        FormatError {
            offset: self.at,
            problem: problem.into(),
        }
    }

    /// The next `len` bytes, or an error naming `what` if fewer are left.
    fn take(&mut self, len: usize, what: &str) -> Result<&'a [u8], FormatError> {
        let left = self.bytes.len() - self.at;
        if len > left {
            return Err(self.error(format!(
                "{what} of {len} bytes, but only {left} bytes are left: the snapshot is cut short"
            )));
        }
        let taken = &self.bytes[self.at..self.at + len];
        self.at += len;
        Ok(taken)
    }

    fn u32(&mut self, what: &str) -> Result<u32, FormatError> {
        let bytes = self.take(LENGTH_LEN, what)?;
        Ok(u32::from_be_bytes(bytes.try_into().expect("took 4 bytes")))
    }

    /// A length-prefixed byte string.
    fn bytes(&mut self, what: &str) -> Result<&'a [u8], FormatError> {
        let len = self.u32(&format!("the length of a {what}"))?;
        let len = usize::try_from(len).map_err(|_| self.error("a length above usize"))?;
        self.take(len, what)
    }
}

/// The pairs of `bytes`, after checking the whole snapshot: the checksum
/// first, then the header, every record's lengths, keys strictly
/// increasing, the pair count, and nothing after the end record.
///
/// # Errors
///
/// A [`FormatError`] naming the first byte that does not read.
pub(crate) fn read_pairs(bytes: &[u8]) -> Result<Vec<Pair<'_>>, FormatError> {
    let Some(checked) = bytes
        .len()
        .checked_sub(CRC_LEN)
        .filter(|&len| len >= HEADER_LEN + END_LEN - CRC_LEN)
    else {
        return Err(FormatError {
            offset: 0,
            problem: format!(
                "{} bytes, fewer than an empty snapshot's {}: the snapshot is cut short",
                bytes.len(),
                HEADER_LEN + END_LEN
            ),
        });
    };
    let crc = u32::from_be_bytes(bytes[checked..].try_into().expect("CRC_LEN bytes"));
    if crc32fast::hash(&bytes[..checked]) != crc {
        return Err(FormatError {
            offset: checked,
            problem: "the checksum does not match: the snapshot is damaged or cut short".into(),
        });
    }
    // The checksum holds, so what follows finds only a snapshot built
    // wrongly or crafted: still checked, never trusted.
    let mut reader = Reader {
        bytes: &bytes[..checked],
        at: 0,
    };
    if reader.take(MAGIC.len(), "the magic")? != MAGIC {
        return Err(FormatError {
            offset: 0,
            problem: "not a FerrisDB Raft snapshot (wrong magic)".into(),
        });
    }
    let version = reader.u32("the version")?;
    if version != VERSION {
        return Err(FormatError {
            offset: MAGIC.len(),
            problem: format!("format version {version}; this build reads version {VERSION}"),
        });
    }
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    loop {
        let record = reader.at;
        match reader.take(TAG_LEN, "a record tag")?[0] {
            TAG_PAIR => {
                let key = reader.bytes("key")?;
                if pairs.last().is_some_and(|(last, _)| *last >= key) {
                    return Err(FormatError {
                        offset: record,
                        problem: "a key not above the one before it".into(),
                    });
                }
                let value = reader.bytes("value")?;
                pairs.push((key, value));
            }
            TAG_END => break,
            tag => {
                return Err(FormatError {
                    offset: record,
                    problem: format!("unknown record tag {tag}"),
                })
            }
        }
    }
    let count_at = reader.at;
    let count = reader.take(COUNT_LEN, "the pair count")?;
    let count = u64::from_be_bytes(count.try_into().expect("COUNT_LEN bytes"));
    if reader.at != checked {
        return Err(reader.error("bytes after the end record"));
    }
    if u64::try_from(pairs.len()).ok() != Some(count) {
        return Err(FormatError {
            offset: count_at,
            problem: format!("{} pairs, but the end record counts {count}", pairs.len()),
        });
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests;
