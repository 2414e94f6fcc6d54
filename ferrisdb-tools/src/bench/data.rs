//! The keys and values of `ferrisdb-bench`, and the seeded generator that
//! picks them.
//!
//! Keys are `db_bench`'s: the zero-padded decimal index of the entry, `--key_size`
//! bytes long (`0000000000000042`). Values are `--value_size` bytes cut from a
//! 1 MiB buffer at a moving offset: random bytes ([`ValueSource::new`]), or
//! `db_bench`'s partly repeated printable text
//! ([`ValueSource::compressible`]), which only matters with compression on.

/// SplitMix64: a small, fast, seeded generator; benchmarks need
/// repeatability, not cryptography.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator whose sequence is fixed by `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

/// A seed for stream `stream` of generator `seed`, unrelated to the seeds
/// of other streams. (SplitMix64 seeds that differ by a multiple of its
/// increment give the same sequence shifted, so seeds are hashed, not
/// added to.)
pub fn derive_seed(seed: u64, stream: u64) -> u64 {
    Rng::new(seed ^ stream.rotate_left(32) ^ 0x5851_F42D_4C95_7F2D).next_u64()
}

/// Writes `db_bench`'s key of entry `index` into `key`: the decimal index,
/// zero-padded on the left to `key.len()` bytes (the leading digits are
/// dropped if it does not fit; argument checks prevent that).
pub fn fill_key(key: &mut [u8], mut index: u64) {
    for byte in key.iter_mut().rev() {
        *byte = b'0' + (index % 10) as u8;
        index /= 10;
    }
}

/// The key of entry `index` as a new vector of `key_size` bytes.
pub fn make_key(index: u64, key_size: usize) -> Vec<u8> {
    let mut key = vec![0; key_size];
    fill_key(&mut key, index);
    key
}

/// The length of `db_bench`'s compressible pieces.
const PIECE: usize = 100;

/// Values of one size cut from a fixed buffer, like `db_bench`'s
/// `RandomGenerator`, so making a value costs no allocation.
#[derive(Debug, Clone)]
pub struct ValueSource {
    data: Vec<u8>,
    position: usize,
    size: usize,
    /// How far the next value starts from this one.
    step: usize,
}

impl ValueSource {
    /// A source of `size`-byte values from 1 MiB of bytes drawn from `rng`.
    pub fn new(size: usize, rng: &mut Rng) -> Self {
        let len = (1 << 20).max(size) + size;
        let mut data = Vec::with_capacity(len + 8);
        while data.len() < len {
            data.extend_from_slice(&rng.next_u64().to_le_bytes());
        }
        data.truncate(len);
        ValueSource {
            data,
            position: 0,
            size,
            step: size.max(1) + 13,
        }
    }

    /// A source of `size`-byte values as compressible as `db_bench`'s with
    /// `--compression_ratio=ratio`: its `RandomGenerator` fills 1 MiB with
    /// 100-byte pieces (RocksDB's `test::CompressibleString`), each
    /// `100 * ratio` random printable characters (`' ' + rnd % 95`, as
    /// `test::RandomString`) repeated to fill the piece. A compressor then
    /// stores about `ratio` of each piece: 0.5, db_bench's default, halves
    /// the data; 1.0 is random printable text, which LZ4 does not shrink.
    /// `ratio` is clamped so a piece has 1 to 100 random characters, as in
    /// db_bench. Values follow each other in the buffer, as db_bench's do,
    /// so a value is not cut off from the text it repeats. The bytes differ
    /// from db_bench's (another generator); their compressibility does not.
    pub fn compressible(size: usize, ratio: f64, rng: &mut Rng) -> Self {
        let len = (1 << 20).max(size) + size;
        // `as` maps NaN to 0; the clamp then gives db_bench's minimum of 1.
        let random = ((PIECE as f64 * ratio) as usize).clamp(1, PIECE);
        let mut data = Vec::with_capacity(len + PIECE);
        let mut piece = [0u8; PIECE];
        while data.len() < len {
            for byte in &mut piece[..random] {
                *byte = b' ' + rng.below(95) as u8;
            }
            for i in random..PIECE {
                piece[i] = piece[i - random];
            }
            data.extend_from_slice(&piece);
        }
        data.truncate(len);
        ValueSource {
            data,
            position: 0,
            size,
            step: size.max(1),
        }
    }

    /// The next value.
    pub fn next_value(&mut self) -> &[u8] {
        if self.position + self.size > self.data.len() {
            self.position = 0;
        }
        let start = self.position;
        self.position += self.step;
        &self.data[start..start + self.size]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_zero_padded_decimals() {
        assert_eq!(make_key(42, 16), b"0000000000000042");
        assert_eq!(make_key(999_999, 6), b"999999");
        let mut key = [b'x'; 4];
        fill_key(&mut key, 7);
        assert_eq!(&key, b"0007");
    }

    #[test]
    fn the_generator_is_seeded_and_in_range() {
        let mut a = Rng::new(1);
        let mut b = Rng::new(1);
        assert_eq!(a.next_u64(), b.next_u64());
        assert!((0..10_000).all(|_| a.below(10) < 10));
        assert_eq!(a.below(0), 0);
        // Derived streams do not overlap as shifted copies of each other.
        let mut first = Rng::new(derive_seed(301, 1));
        let mut second = Rng::new(derive_seed(301, 2));
        let head: Vec<u64> = (0..1000).map(|_| first.next_u64()).collect();
        let start = second.next_u64();
        assert!(!head.contains(&start));
    }

    #[test]
    fn values_have_the_asked_size_and_vary() {
        let mut rng = Rng::new(5);
        let mut values = ValueSource::new(100, &mut rng);
        let first = values.next_value().to_vec();
        let second = values.next_value().to_vec();
        assert_eq!((first.len(), second.len()), (100, 100));
        assert_ne!(first, second);
        for _ in 0..20_000 {
            assert_eq!(values.next_value().len(), 100);
        }
        let mut empty = ValueSource::new(0, &mut rng);
        assert!(empty.next_value().is_empty());
        let mut text = ValueSource::compressible(100, 0.5, &mut rng);
        let value = text.next_value();
        assert_eq!(value.len(), 100);
        assert!(value.iter().all(|b| (b' '..=b'~').contains(b)), "{value:?}");
    }

    /// LZ4's compressed size of 1 MiB of `values`' values, as a fraction.
    fn lz4_fraction(values: &mut ValueSource) -> f64 {
        let mut raw = Vec::with_capacity(1 << 20);
        while raw.len() < 1 << 20 {
            raw.extend_from_slice(values.next_value());
        }
        lz4_flex::compress(&raw).len() as f64 / raw.len() as f64
    }

    #[test]
    fn compressible_values_compress_as_db_bench_ones() {
        let mut rng = Rng::new(301);
        let half = lz4_fraction(&mut ValueSource::compressible(100, 0.5, &mut rng));
        assert!((0.45..=0.60).contains(&half), "ratio 0.5: {half}");
        let text = lz4_fraction(&mut ValueSource::compressible(100, 1.0, &mut rng));
        assert!(text > 0.95, "ratio 1.0: {text}");
        let random = lz4_fraction(&mut ValueSource::new(100, &mut rng));
        assert!(random > 0.95, "random bytes: {random}");
        // Lower ratios compress further; a piece keeps one random byte.
        let tenth = lz4_fraction(&mut ValueSource::compressible(100, 0.1, &mut rng));
        assert!(tenth < 0.2, "ratio 0.1: {tenth}");
        let zero = ValueSource::compressible(10, 0.0, &mut rng);
        assert!(zero.data[..PIECE].iter().all(|&b| b == zero.data[0]));
    }
}
