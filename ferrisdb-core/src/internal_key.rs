//! A user key paired with the timestamp of one version of it.

use std::cmp::Ordering;
use std::fmt;

use crate::coding::{put_fixed64, put_varint64, varint64_len, DecodeError, Decoder};
use crate::{escape_bytes, Key, Timestamp};

/// One version of a user key: the key and the timestamp of the write.
///
/// # Order
///
/// User keys ascend bytewise; for equal user keys, timestamps **descend**. So
/// the versions of a key sit next to each other, newest first, and a read at
/// timestamp `t` seeks to `(key, t)` and takes the first entry it finds with
/// the same user key: that is the newest version at or below `t`.
///
/// ```text
/// ("a", 9) < ("a", 3) < ("ab", 7) < ("b", 1)
/// ```
///
/// # Encoding
///
/// ```text
/// internal_key := user_key_len: varint   // number of bytes in user_key
///                 user_key: bytes        // the user key, as is
///                 timestamp: fixed64     // little-endian u64
/// ```
///
/// `("ab", 7)` encodes as `02 61 62 07 00 00 00 00 00 00 00`. The encoding is
/// not order-preserving; compare decoded keys with [`Ord`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InternalKey {
    /// The key the user wrote.
    pub user_key: Key,
    /// The timestamp the engine gave the write.
    pub timestamp: Timestamp,
}

impl InternalKey {
    /// Pairs `user_key` with `timestamp`.
    pub fn new(user_key: impl Into<Key>, timestamp: Timestamp) -> Self {
        InternalKey {
            user_key: user_key.into(),
            timestamp,
        }
    }

    /// Compares two versions given as parts, in [`InternalKey`] order, without
    /// building either key.
    #[inline]
    pub fn compare_parts(
        a_key: &[u8],
        a_timestamp: Timestamp,
        b_key: &[u8],
        b_timestamp: Timestamp,
    ) -> Ordering {
        compare_user_keys(a_key, b_key).then_with(|| b_timestamp.cmp(&a_timestamp))
    }

    /// The number of bytes [`encode_into`](Self::encode_into) appends.
    pub fn encoded_len(&self) -> usize {
        varint64_len(self.user_key.len() as u64) + self.user_key.len() + 8
    }

    /// Appends the encoding of this key to `buf`.
    pub fn encode_into(&self, buf: &mut Vec<u8>) {
        buf.reserve(self.encoded_len());
        put_varint64(buf, self.user_key.len() as u64);
        buf.extend_from_slice(&self.user_key);
        put_fixed64(buf, self.timestamp);
    }

    /// The encoding of this key as a new vector.
    pub fn encode(&self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(self.encoded_len());
        self.encode_into(&mut buf);
        buf
    }

    /// Decodes a key that fills `input` exactly.
    ///
    /// Truncated input, a length larger than the input, and trailing bytes are
    /// errors; nothing is allocated before the length is checked.
    pub fn decode(input: &[u8]) -> Result<InternalKey, DecodeError> {
        let mut decoder = Decoder::new(input);
        let key = Self::decode_from(&mut decoder)?;
        if !decoder.is_empty() {
            return Err(decoder.error(format!(
                "{} trailing bytes after internal key",
                decoder.remaining()
            )));
        }
        Ok(key)
    }

    /// Decodes one key from the front of `decoder`, leaving it after the key.
    pub fn decode_from(decoder: &mut Decoder<'_>) -> Result<InternalKey, DecodeError> {
        let user_key = decoder.length_prefixed("internal key: user key")?;
        let timestamp = decoder.fixed64("internal key: timestamp")?;
        Ok(InternalKey::new(user_key, timestamp))
    }
}

impl Ord for InternalKey {
    fn cmp(&self, other: &Self) -> Ordering {
        Self::compare_parts(
            &self.user_key,
            self.timestamp,
            &other.user_key,
            other.timestamp,
        )
    }
}

impl PartialOrd for InternalKey {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Compares two user keys bytewise, exactly like `a.cmp(b)`.
///
/// Every search of the MemTable and of a block compares keys, and most keys
/// are short (16 bytes in `db_bench`): eight bytes at a time, read as a
/// big-endian `u64` so that integer order is byte order, beats a call into
/// `memcmp`, which spends its time choosing a strategy for long inputs.
#[inline]
pub fn compare_user_keys(a: &[u8], b: &[u8]) -> Ordering {
    let mut a_words = a.chunks_exact(8);
    let mut b_words = b.chunks_exact(8);
    for (x, y) in (&mut a_words).zip(&mut b_words) {
        let (x, y) = (word(x), word(y));
        if x != y {
            return x.cmp(&y);
        }
    }
    // At least one side has fewer than 8 bytes left: the first difference in
    // what is left decides, and failing that the shorter key is smaller.
    let done = a.len().min(b.len()) / 8 * 8;
    for (x, y) in a[done..].iter().zip(&b[done..]) {
        if x != y {
            return x.cmp(y);
        }
    }
    a.len().cmp(&b.len())
}

/// Eight bytes as a big-endian integer.
#[inline]
fn word(bytes: &[u8]) -> u64 {
    let mut word = [0; 8];
    word.copy_from_slice(bytes);
    u64::from_be_bytes(word)
}

impl fmt::Display for InternalKey {
    /// Formats as `key@timestamp`, with the key escaped by [`escape_bytes`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}", escape_bytes(&self.user_key), self.timestamp)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compare_user_keys_agrees_with_slice_order() {
        // Keys of 0..=24 bytes over a few byte values, so that long shared
        // prefixes, prefixes of each other and high bytes (0x80, 0xff, where
        // a signed comparison would go wrong) all occur.
        let alphabet = [0x00, 0x01, 0x7f, 0x80, 0xff];
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let mut keys: Vec<Vec<u8>> = Vec::new();
        for len in 0..=24 {
            for _ in 0..6 {
                let key = (0..len)
                    .map(|_| alphabet[(next() % 2) as usize * 3])
                    .collect();
                keys.push(key);
            }
            keys.push((0..len).map(|_| alphabet[(next() % 5) as usize]).collect());
        }
        for a in &keys {
            for b in &keys {
                assert_eq!(super::compare_user_keys(a, b), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    use super::*;
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    fn random_key(rng: &mut StdRng) -> InternalKey {
        // A small alphabet and short keys so equal user keys and shared
        // prefixes are common.
        let len = rng.random_range(0..4);
        let user_key = (0..len)
            .map(|_| rng.random_range(b'a'..=b'c'))
            .collect::<Vec<_>>();
        let timestamp = if rng.random_bool(0.1) {
            u64::MAX
        } else {
            rng.random_range(0..5)
        };
        InternalKey::new(user_key, timestamp)
    }

    #[test]
    fn ord_is_user_key_ascending_then_timestamp_descending() {
        let mut rng = StdRng::seed_from_u64(0x5eed);
        for _ in 0..200 {
            let keys: Vec<InternalKey> = (0..50).map(|_| random_key(&mut rng)).collect();
            let mut by_ord = keys.clone();
            by_ord.sort();
            let mut by_rule = keys;
            by_rule.sort_by(|a, b| {
                a.user_key
                    .cmp(&b.user_key)
                    .then(std::cmp::Reverse(a.timestamp).cmp(&std::cmp::Reverse(b.timestamp)))
            });
            assert_eq!(by_ord, by_rule);
        }
    }

    #[test]
    fn newest_version_sorts_first_and_prefix_sorts_before_extension() {
        let mut keys = [
            InternalKey::new("b", 1),
            InternalKey::new("ab", 7),
            InternalKey::new("a", 3),
            InternalKey::new("a", 9),
        ];
        keys.sort();
        let shown: Vec<String> = keys.iter().map(ToString::to_string).collect();
        assert_eq!(shown, ["a@9", "a@3", "ab@7", "b@1"]);
    }

    #[test]
    fn encoding_matches_documented_example() {
        assert_eq!(
            InternalKey::new("ab", 7).encode(),
            [0x02, 0x61, 0x62, 0x07, 0, 0, 0, 0, 0, 0, 0]
        );
    }

    #[test]
    fn encode_decode_round_trips() {
        let mut rng = StdRng::seed_from_u64(7);
        for _ in 0..1000 {
            let len = rng.random_range(0..300);
            let user_key: Vec<u8> = (0..len).map(|_| rng.random()).collect();
            let key = InternalKey::new(user_key, rng.random());
            let bytes = key.encode();
            assert_eq!(bytes.len(), key.encoded_len());
            assert_eq!(InternalKey::decode(&bytes).unwrap(), key);
        }
    }

    #[test]
    fn every_truncation_is_an_error() {
        for key in [
            InternalKey::new("", 0),
            InternalKey::new("user:42", u64::MAX),
            InternalKey::new(vec![0xab; 200], 12345),
        ] {
            let bytes = key.encode();
            for cut in 0..bytes.len() {
                assert!(
                    InternalKey::decode(&bytes[..cut]).is_err(),
                    "{key} decoded from {cut} of {} bytes",
                    bytes.len()
                );
            }
        }
    }

    #[test]
    fn trailing_bytes_are_an_error() {
        let mut bytes = InternalKey::new("k", 1).encode();
        bytes.push(0);
        let err = InternalKey::decode(&bytes).unwrap_err();
        assert!(err.reason().contains("trailing"), "{err}");
    }

    #[test]
    fn display_escapes_non_printable_bytes() {
        assert_eq!(
            InternalKey::new(b"k\x00\xff".to_vec(), 5).to_string(),
            r"k\x00\xff@5"
        );
    }
}
