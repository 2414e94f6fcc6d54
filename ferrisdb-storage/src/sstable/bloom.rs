//! The bloom filter of a table: one per table, over its distinct user keys.
//!
//! ```text
//! filter := bits: bytes[m / 8]   // bit i is bit (i % 8) of byte i / 8
//!           num_hashes: u8       // k, 1 to 30
//! ```
//!
//! A key is hashed once with [`key_hash`] (XXH64, seed 0); the `k` probe
//! positions come from double hashing (Kirsch and Mitzenmacher, "Less hashing,
//! same performance", 2006): with `h1 = h` and `h2 = h.rotate_left(32)`, probe
//! `i` sets bit `(h1 + i * h2) mod m` (wrapping u64 arithmetic). With 10 bits
//! per key and `k = round(10 ln 2) = 7`, about 0.8% of absent keys pass.
//!
//! The hash and the probe sequence are on disk: never change them.

use ferrisdb_core::coding::DecodeError;
use ferrisdb_core::hash::key_hash;

use super::format::{BLOOM_MAX_HASHES, BLOOM_MIN_BITS, MAX_FILTER_BITS};

/// The number of hash functions for `bits_per_key`: `round(bits_per_key * ln 2)`
/// clamped to `1..=30`.
pub fn num_hashes(bits_per_key: usize) -> u8 {
    let k = (bits_per_key as f64 * std::f64::consts::LN_2).round();
    k.clamp(1.0, f64::from(BLOOM_MAX_HASHES)) as u8
}

/// Collects the hashes of a table's user keys and builds its filter.
#[derive(Debug, Default)]
pub(crate) struct FilterBuilder {
    hashes: Vec<u64>,
}

impl FilterBuilder {
    /// Adds a user key. Add each distinct key once (the writer adds a key when
    /// it differs from the previous one).
    pub(crate) fn add_key(&mut self, user_key: &[u8]) {
        self.hashes.push(key_hash(user_key));
    }

    /// The number of keys added.
    pub(crate) fn key_count(&self) -> usize {
        self.hashes.len()
    }

    /// The filter block for the keys added, `bits_per_key` bits each (at least
    /// [`BLOOM_MIN_BITS`] and at most [`MAX_FILTER_BITS`] in all: past it,
    /// each key gets fewer bits, which only raises the false positives).
    pub(crate) fn finish(&self, bits_per_key: usize) -> Vec<u8> {
        let k = num_hashes(bits_per_key);
        let most = usize::try_from(MAX_FILTER_BITS).unwrap_or(usize::MAX);
        let bits = self
            .hashes
            .len()
            .saturating_mul(bits_per_key)
            .max(BLOOM_MIN_BITS)
            .min(most);
        let bytes = bits.div_ceil(8);
        let nbits = (bytes * 8) as u64;
        let mut out = vec![0u8; bytes + 1];
        for &h in &self.hashes {
            for bit in probes(h, k, nbits) {
                out[(bit / 8) as usize] |= 1 << (bit % 8);
            }
        }
        out[bytes] = k;
        out
    }
}

fn probes(h: u64, k: u8, nbits: u64) -> impl Iterator<Item = u64> {
    let delta = h.rotate_left(32);
    (0..u64::from(k)).map(move |i| h.wrapping_add(i.wrapping_mul(delta)) % nbits)
}

/// A decoded filter, answering "may this table hold the key?".
#[derive(Debug, Clone)]
pub struct BloomFilter {
    bits: Vec<u8>,
    num_hashes: u8,
}

impl BloomFilter {
    /// Decodes a filter block. An empty bit array or a hash count outside
    /// `1..=30` is an error (offsets relative to the block).
    pub(crate) fn decode(mut contents: Vec<u8>) -> Result<BloomFilter, DecodeError> {
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
        Ok(BloomFilter {
            bits: contents,
            num_hashes: k,
        })
    }

    /// Whether `user_key` may be in the table: `false` means it certainly is not.
    pub fn may_contain(&self, user_key: &[u8]) -> bool {
        self.may_contain_hash(key_hash(user_key))
    }

    /// [`may_contain`](Self::may_contain) of the key whose [`key_hash`] is
    /// `hash`: a read hashes its key once for every filter it asks.
    pub(crate) fn may_contain_hash(&self, hash: u64) -> bool {
        let nbits = (self.bits.len() * 8) as u64;
        probes(hash, self.num_hashes, nbits)
            .all(|bit| self.bits[(bit / 8) as usize] & (1 << (bit % 8)) != 0)
    }

    /// Bits in the filter.
    pub fn bit_count(&self) -> u64 {
        (self.bits.len() * 8) as u64
    }

    /// The number of hash functions (probes per key).
    pub fn num_hashes(&self) -> u8 {
        self.num_hashes
    }

    /// The expected false-positive rate with `keys` distinct keys:
    /// `(1 - e^(-k n / m))^k`.
    pub fn estimated_false_positive_rate(&self, keys: u64) -> f64 {
        let k = f64::from(self.num_hashes);
        let m = self.bit_count() as f64;
        (1.0 - (-k * keys as f64 / m).exp()).powf(k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn num_hashes_is_rounded_and_clamped() {
        assert_eq!(num_hashes(10), 7);
        assert_eq!(num_hashes(0), 1);
        assert_eq!(num_hashes(1000), 30);
    }

    #[test]
    fn no_false_negatives_and_few_false_positives() {
        let mut b = FilterBuilder::default();
        for i in 0..10_000u32 {
            b.add_key(format!("key{i}").as_bytes());
        }
        let f = BloomFilter::decode(b.finish(10)).unwrap();
        assert!((0..10_000u32).all(|i| f.may_contain(format!("key{i}").as_bytes())));
        let fp = (0..10_000u32)
            .filter(|i| f.may_contain(format!("absent{i}").as_bytes()))
            .count();
        assert!(fp < 200, "{fp} false positives of 10000");
        let est = f.estimated_false_positive_rate(10_000);
        assert!((0.005..0.012).contains(&est), "{est}");
    }

    #[test]
    fn damaged_filters_are_rejected() {
        assert!(BloomFilter::decode(vec![]).is_err());
        assert!(BloomFilter::decode(vec![7]).is_err());
        assert!(BloomFilter::decode(vec![0xff, 0]).is_err());
        assert!(BloomFilter::decode(vec![0xff, 31]).is_err());
        assert!(BloomFilter::decode(vec![0xff, 30]).is_ok());
    }
}
