//! The cache-local bloom filter of table format version 2.
//!
//! ```text
//! filter := lines: bytes[64 * n]  // n >= 1 lines of 512 bits; bit b of a
//!                                 // line is bit (b % 8) of its byte b / 8
//!           num_probes: u8        // k, 1 to 30
//! ```
//!
//! The key's [`key_hash`] `h` is split in two halves. The low half picks
//! the key's line, `(u64(h as u32) * n) >> 32` (Lemire's multiply-shift
//! range reduction: no division, and every line is equally likely); the
//! high half `p = (h >> 32) as u32` picks the `k` bits within that line:
//! probe `i` is bit `p_i >> 23` (the top 9 bits) with `p_0 = p` and
//! `p_(i+1) = p_i * LOCAL_BLOOM_PROBE_MULTIPLIER` (wrapping u32). This is
//! RocksDB's FastLocalBloom layout (`util/bloom_impl.h`), over XXH64.
//!
//! Every probe of a query falls in one 64-byte line, and the reader keeps
//! the lines 64-byte aligned: one cache miss per table asked, where the
//! standard filter takes up to `k`. The price is accuracy: keys do not fall
//! evenly into lines, and a crowded line answers "maybe" more often. At 10
//! bits per key with 6 probes about 0.96% of absent keys pass, against
//! 0.82% for the standard filter with 7.
//!
//! The hash, the line and the probe sequence are on disk: never change them.
//!
//! [`key_hash`]: ferrisdb_core::hash::key_hash

use ferrisdb_core::coding::DecodeError;

use crate::sstable::format::{
    BLOOM_MAX_HASHES, LOCAL_BLOOM_LINE_BITS, LOCAL_BLOOM_LINE_BYTES, LOCAL_BLOOM_PROBE_MULTIPLIER,
    MAX_FILTER_BITS,
};

/// Most lines in a filter: [`MAX_FILTER_BITS`] of them, 2^26.
const MAX_LINES: u64 = MAX_FILTER_BITS / LOCAL_BLOOM_LINE_BITS as u64;

/// The shift that leaves the top `log2(512) = 9` bits of a u32: a bit of
/// a line.
const PROBE_SHIFT: u32 = 32 - LOCAL_BLOOM_LINE_BITS.trailing_zeros();

/// One line of the filter, aligned to a cache line so that reading any
/// byte of it brings in the whole line and nothing of the next.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([u8; LOCAL_BLOOM_LINE_BYTES]);

const _: () = assert!(std::mem::size_of::<Line>() == LOCAL_BLOOM_LINE_BYTES);
const _: () = assert!(std::mem::align_of::<Line>() == LOCAL_BLOOM_LINE_BYTES);

/// The line of `lines` the key whose hash is `hash` falls in: below `lines`,
/// since the low half of `hash` is below 2^32. `lines` is at most
/// [`MAX_LINES`], so the product fits a u64.
#[inline]
fn line_of(hash: u64, lines: usize) -> usize {
    ((u64::from(hash as u32) * lines as u64) >> 32) as usize
}

/// The `k` bits (each below 512) that the key whose hash is `hash` sets in
/// its line.
#[inline]
fn probes(hash: u64, k: u8) -> impl Iterator<Item = usize> {
    let mut p = (hash >> 32) as u32;
    (0..k).map(move |_| {
        let bit = (p >> PROBE_SHIFT) as usize;
        p = p.wrapping_mul(LOCAL_BLOOM_PROBE_MULTIPLIER);
        bit
    })
}

/// The expected share of absent keys that pass a cache-local filter of `k`
/// probes whose lines hold `keys_per_line` keys on average.
///
/// Keys fall into lines as a Poisson distribution. In a line of `j` keys a
/// given bit is still clear with probability `(1 - 1/512)^(k j)`, and an
/// absent key passes when all `k` of its probes find set bits: the rate is
/// the sum over `j` of `P(j) (1 - (1 - 1/512)^(k j))^k`. (RocksDB
/// approximates the sum by the lines one standard deviation above and below
/// the mean; the sum itself is as cheap here.)
pub(super) fn expected_rate(keys_per_line: f64, k: u8) -> f64 {
    if keys_per_line.is_nan() || keys_per_line <= 0.0 {
        return 0.0;
    }
    let k = f64::from(k);
    let clear_per_key = (1.0 - 1.0 / LOCAL_BLOOM_LINE_BITS as f64).powf(k);
    let rate_of_line = |keys: f64| (1.0 - clear_per_key.powf(keys)).powf(k);
    // e^-700 is near the smallest f64: past it the sum below would start
    // from zero. Lines that full pass nearly every key anyway.
    if keys_per_line > 700.0 {
        return rate_of_line(keys_per_line);
    }
    let last = keys_per_line + 12.0 * keys_per_line.sqrt() + 20.0;
    let mut p = (-keys_per_line).exp();
    let mut sum = 0.0;
    let mut j = 0.0;
    while j <= last {
        sum += p * rate_of_line(j);
        j += 1.0;
        p *= keys_per_line / j;
    }
    sum
}

/// The number of probes of a cache-local filter for `bits_per_key`: the
/// fewest whose [`expected_rate`] is within 1% of the best of `1..=30`.
/// Fewer probes than a standard filter's `round(bits_per_key * ln 2)`: a
/// crowded line fills up sooner. This gives 6 probes at 10 bits per key, 4
/// at 6 and 5 at 8, as RocksDB chose from measurements (at 12 it gives 7,
/// RocksDB 8, a choice the model puts within 1%).
pub fn num_probes(bits_per_key: usize) -> u8 {
    if bits_per_key == 0 {
        return 1;
    }
    let keys_per_line = LOCAL_BLOOM_LINE_BITS as f64 / bits_per_key as f64;
    let rates: Vec<f64> = (1..=BLOOM_MAX_HASHES)
        .map(|k| expected_rate(keys_per_line, k))
        .collect();
    let best = rates.iter().copied().fold(f64::INFINITY, f64::min);
    (1..=BLOOM_MAX_HASHES)
        .zip(rates)
        .find(|&(_, rate)| rate <= best * 1.01)
        .map_or(1, |(k, _)| k)
}

/// The filter block of the keys whose hashes are `hashes`, `bits_per_key`
/// bits each, in whole lines (at least one, and at most [`MAX_LINES`]:
/// past it, each key gets fewer bits, which only raises the false
/// positives).
pub(super) fn build(hashes: &[u64], bits_per_key: usize) -> Vec<u8> {
    let k = num_probes(bits_per_key);
    let most = usize::try_from(MAX_LINES).unwrap_or(usize::MAX);
    let lines = hashes
        .len()
        .saturating_mul(bits_per_key)
        .div_ceil(LOCAL_BLOOM_LINE_BITS)
        .clamp(1, most);
    let len = lines * LOCAL_BLOOM_LINE_BYTES;
    let mut out = vec![0u8; len + 1];
    for &h in hashes {
        let line = &mut out[line_of(h, lines) * LOCAL_BLOOM_LINE_BYTES..][..LOCAL_BLOOM_LINE_BYTES];
        for bit in probes(h, k) {
            line[bit / 8] |= 1 << (bit % 8);
        }
    }
    out[len] = k;
    out
}

/// A decoded cache-local filter, its lines aligned to cache lines.
#[derive(Clone)]
pub(super) struct LocalBloom {
    lines: Box<[Line]>,
    num_probes: u8,
}

impl std::fmt::Debug for LocalBloom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalBloom")
            .field("lines", &self.lines.len())
            .field("num_probes", &self.num_probes)
            .finish()
    }
}

impl LocalBloom {
    /// Decodes a filter block: whole lines, at least one and at most
    /// [`MAX_LINES`], then a probe count of `1..=30`; anything else is an
    /// error (offsets relative to the block). The lines are copied into
    /// aligned memory: a `Vec<u8>` is aligned only to a byte, and a line
    /// straddling two cache lines would cost two misses.
    pub(super) fn decode(contents: &[u8]) -> Result<LocalBloom, DecodeError> {
        let Some((&k, bits)) = contents.split_last() else {
            return Err(DecodeError::new(0, "empty filter block"));
        };
        if k == 0 || k > BLOOM_MAX_HASHES {
            return Err(DecodeError::new(
                bits.len(),
                format!("filter uses {k} probes, not 1 to {BLOOM_MAX_HASHES}"),
            ));
        }
        if bits.is_empty() || !bits.len().is_multiple_of(LOCAL_BLOOM_LINE_BYTES) {
            return Err(DecodeError::new(
                0,
                format!(
                    "cache-local filter of {} bytes is not one or more {LOCAL_BLOOM_LINE_BYTES}-byte lines",
                    bits.len()
                ),
            ));
        }
        let count = bits.len() / LOCAL_BLOOM_LINE_BYTES;
        if u64::try_from(count).map_or(true, |count| count > MAX_LINES) {
            return Err(DecodeError::new(
                0,
                format!("cache-local filter of {count} lines, more than any table's ({MAX_LINES})"),
            ));
        }
        let lines = bits
            .chunks_exact(LOCAL_BLOOM_LINE_BYTES)
            .map(|chunk| {
                let mut line = Line([0; LOCAL_BLOOM_LINE_BYTES]);
                line.0.copy_from_slice(chunk);
                line
            })
            .collect();
        Ok(LocalBloom {
            lines,
            num_probes: k,
        })
    }

    /// Whether the key whose hash is `hash` may have been added: reads one
    /// line.
    #[inline]
    pub(super) fn may_contain_hash(&self, hash: u64) -> bool {
        let Some(line) = self.lines.get(line_of(hash, self.lines.len())) else {
            return true; // Never: `line_of` is below the count.
        };
        probes(hash, self.num_probes).all(|bit| line.0[bit / 8] & (1 << (bit % 8)) != 0)
    }

    pub(super) fn bit_count(&self) -> u64 {
        (self.lines.len() * LOCAL_BLOOM_LINE_BITS) as u64
    }

    pub(super) fn num_probes(&self) -> u8 {
        self.num_probes
    }

    /// The expected false-positive rate with `keys` distinct keys (see
    /// [`expected_rate`]).
    pub(super) fn estimated_false_positive_rate(&self, keys: u64) -> f64 {
        expected_rate(keys as f64 / self.lines.len() as f64, self.num_probes)
    }

    /// Where the lines start in memory, for the test of their alignment.
    #[cfg(test)]
    pub(super) fn address(&self) -> usize {
        self.lines.as_ptr() as usize
    }
}
