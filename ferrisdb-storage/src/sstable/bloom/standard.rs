//! The standard bloom filter of table format version 1.
//!
//! ```text
//! filter := bits: bytes[m / 8]   // bit i is bit (i % 8) of byte i / 8
//!           num_hashes: u8       // k, 1 to 30
//! ```
//!
//! The `k` probe positions come from the key's [`key_hash`] by double
//! hashing (Kirsch and Mitzenmacher, "Less hashing, same performance",
//! 2006): with `h1 = h` and `h2 = h.rotate_left(32)`, probe `i` sets bit
//! `(h1 + i * h2) mod m` (wrapping u64 arithmetic). With 10 bits per key and
//! `k = round(10 ln 2) = 7`, about 0.8% of absent keys pass. The probes
//! spread over the whole array: a query touches up to `k` cache lines.
//!
//! The hash and the probe sequence are on disk: never change them.
//!
//! [`key_hash`]: ferrisdb_core::hash::key_hash

use ferrisdb_core::coding::DecodeError;

use crate::sstable::format::{BLOOM_MAX_HASHES, BLOOM_MIN_BITS, MAX_FILTER_BITS};

/// The number of hash functions of a standard filter for `bits_per_key`:
/// `round(bits_per_key * ln 2)` clamped to `1..=30`.
pub fn num_hashes(bits_per_key: usize) -> u8 {
    let k = (bits_per_key as f64 * std::f64::consts::LN_2).round();
    k.clamp(1.0, f64::from(BLOOM_MAX_HASHES)) as u8
}

/// The filter block of the keys whose hashes are `hashes`, `bits_per_key`
/// bits each (at least [`BLOOM_MIN_BITS`] and at most [`MAX_FILTER_BITS`]
/// in all: past it, each key gets fewer bits, which only raises the false
/// positives).
pub(super) fn build(hashes: &[u64], bits_per_key: usize) -> Vec<u8> {
    let k = num_hashes(bits_per_key);
    let most = usize::try_from(MAX_FILTER_BITS).unwrap_or(usize::MAX);
    let bits = hashes
        .len()
        .saturating_mul(bits_per_key)
        .max(BLOOM_MIN_BITS)
        .min(most);
    let bytes = bits.div_ceil(8);
    let nbits = (bytes * 8) as u64;
    let mut out = vec![0u8; bytes + 1];
    for &h in hashes {
        for bit in probes(h, k, nbits) {
            out[(bit / 8) as usize] |= 1 << (bit % 8);
        }
    }
    out[bytes] = k;
    out
}

fn probes(h: u64, k: u8, nbits: u64) -> impl Iterator<Item = u64> {
    let delta = h.rotate_left(32);
    (0..u64::from(k)).map(move |i| h.wrapping_add(i.wrapping_mul(delta)) % nbits)
}

/// A decoded standard filter.
#[derive(Clone)]
pub(super) struct StandardBloom {
    bits: Vec<u8>,
    num_hashes: u8,
}

impl std::fmt::Debug for StandardBloom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StandardBloom")
            .field("bytes", &self.bits.len())
            .field("num_hashes", &self.num_hashes)
            .finish()
    }
}

impl StandardBloom {
    /// Decodes a filter block. An empty bit array or a hash count outside
    /// `1..=30` is an error (offsets relative to the block).
    pub(super) fn decode(mut contents: Vec<u8>) -> Result<StandardBloom, DecodeError> {
        let Some(&k) = contents.last() else {
            return Err(DecodeError::new(0, "empty filter block"));
        };
        let at = contents.len() - 1;
        if k == 0 || k > BLOOM_MAX_HASHES {
            return Err(DecodeError::new(
                at,
                format!("filter uses {k} hash functions, not 1 to {BLOOM_MAX_HASHES}"),
            ));
        }
        if at == 0 {
            return Err(DecodeError::new(0, "filter has no bits"));
        }
        contents.truncate(at);
        Ok(StandardBloom {
            bits: contents,
            num_hashes: k,
        })
    }

    /// Whether the key whose hash is `hash` may have been added.
    pub(super) fn may_contain_hash(&self, hash: u64) -> bool {
        let nbits = (self.bits.len() * 8) as u64;
        probes(hash, self.num_hashes, nbits)
            .all(|bit| self.bits[(bit / 8) as usize] & (1 << (bit % 8)) != 0)
    }

    pub(super) fn bit_count(&self) -> u64 {
        (self.bits.len() * 8) as u64
    }

    pub(super) fn num_hashes(&self) -> u8 {
        self.num_hashes
    }

    /// The expected false-positive rate with `keys` distinct keys:
    /// `(1 - e^(-k n / m))^k`.
    pub(super) fn estimated_false_positive_rate(&self, keys: u64) -> f64 {
        let k = f64::from(self.num_hashes);
        let m = self.bit_count() as f64;
        (1.0 - (-k * keys as f64 / m).exp()).powf(k)
    }
}
