//! What the workloads write: values cut from a fixed buffer ([`Values`]),
//! and which keys hold one ([`Live`]), for the space amplification.

use std::sync::atomic::{AtomicU64, Ordering};

use ferrisdb_tools::bench::data::{Rng, ValueSource};

/// Values cut from a fixed buffer at offsets chosen per operation, so
/// threads share the buffer and no value costs an allocation.
pub(super) struct Values {
    data: Vec<u8>,
    size: usize,
}

impl Values {
    /// `ratio` 1.0 gives random bytes; 0.5 gives `db_bench`'s
    /// half-compressible values.
    pub(super) fn new(size: usize, ratio: f64, seed: u64) -> Values {
        let mut rng = Rng::new(seed);
        let mut source = if ratio >= 1.0 {
            ValueSource::new(size, &mut rng)
        } else {
            ValueSource::compressible(size, ratio, &mut rng)
        };
        let mut data = Vec::with_capacity((1 << 20) + 2 * size);
        while data.len() < (1 << 20) + size {
            data.extend_from_slice(source.next_value());
            if size == 0 {
                break;
            }
        }
        Values { data, size }
    }

    /// The value for a draw of `rng`.
    pub(super) fn pick(&self, rng: &mut Rng) -> &[u8] {
        let offset = rng.below((self.data.len() - self.size) as u64) as usize;
        &self.data[offset..offset + self.size]
    }
}

/// Which keys of `0..num` hold a value, for the space amplification.
pub(super) struct Live(Vec<AtomicU64>);

impl Live {
    pub(super) fn new(num: u64) -> Live {
        Live((0..num.div_ceil(64)).map(|_| AtomicU64::new(0)).collect())
    }
    pub(super) fn set(&self, index: u64, present: bool) {
        let (word, bit) = ((index / 64) as usize, 1u64 << (index % 64));
        // Relaxed: the bits are read only after the writing threads joined.
        if present {
            self.0[word].fetch_or(bit, Ordering::Relaxed);
        } else {
            self.0[word].fetch_and(!bit, Ordering::Relaxed);
        }
    }
    pub(super) fn count(&self) -> u64 {
        self.0
            .iter()
            .map(|w| u64::from(w.load(Ordering::Relaxed).count_ones()))
            .sum()
    }
}
