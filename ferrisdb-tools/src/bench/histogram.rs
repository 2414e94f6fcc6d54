//! [`Histogram`]: latencies in logarithmic buckets, HDR-style.
//!
//! Values below 32 have a bucket each; above, every power of two is split
//! into 32 sub-buckets, so a percentile is within about 3% of the true value
//! whatever its magnitude, in a fixed 15 KiB of counters and with no
//! allocation per recorded value.

use std::fmt;

/// Sub-buckets per power of two, as a power of two.
const SUB_BITS: u32 = 5;
const SUB: u64 = 1 << SUB_BITS;
/// Buckets needed for every `u64`.
const BUCKETS: usize = ((64 - SUB_BITS as usize) + 1) * SUB as usize;

/// A latency histogram in nanoseconds: count, mean, max and percentiles.
#[derive(Clone, PartialEq, Eq)]
pub struct Histogram {
    buckets: Vec<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("min", &self.min)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

fn bucket_of(value: u64) -> usize {
    if value < SUB {
        return value as usize;
    }
    let msb = 63 - value.leading_zeros();
    let shift = msb - SUB_BITS;
    let sub = (value >> shift) & (SUB - 1);
    ((u64::from(shift) + 1) * SUB + sub) as usize
}

/// The smallest value that falls in `bucket`.
fn bucket_low(bucket: usize) -> u64 {
    let bucket = bucket as u64;
    if bucket < SUB {
        return bucket;
    }
    let shift = bucket / SUB - 1;
    (SUB + bucket % SUB) << shift
}

/// The largest value that falls in `bucket`.
fn bucket_high(bucket: usize) -> u64 {
    if bucket + 1 >= BUCKETS {
        u64::MAX
    } else {
        bucket_low(bucket + 1) - 1
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram {
            buckets: vec![0; BUCKETS],
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Records one value (nanoseconds).
    pub fn record(&mut self, value: u64) {
        self.buckets[bucket_of(value)] += 1;
        self.count += 1;
        self.sum += u128::from(value);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Adds every value of `other` to this histogram.
    pub fn merge(&mut self, other: &Histogram) {
        for (mine, theirs) in self.buckets.iter_mut().zip(&other.buckets) {
            *mine += theirs;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean value; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The largest value recorded; 0 when empty.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The smallest value recorded; 0 when empty.
    pub fn min(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// The value below or at which `percent` % of the values fall, to within
    /// the bucket's width (about 3%): the middle of the bucket holding that
    /// rank, clamped to the recorded minimum and maximum. 0 when empty.
    pub fn percentile(&self, percent: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        let rank = ((percent / 100.0) * self.count as f64).ceil().max(1.0) as u64;
        let mut seen = 0;
        for (bucket, &n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                let (low, high) = (bucket_low(bucket), bucket_high(bucket));
                let middle = low + (high - low) / 2;
                return middle.clamp(self.min, self.max);
            }
        }
        self.max
    }
}

impl fmt::Display for Histogram {
    /// `db_bench --histogram`'s summary, in microseconds.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let us = |ns: u64| ns as f64 / 1000.0;
        writeln!(f, "Microseconds per op:")?;
        writeln!(
            f,
            "Count: {} Average: {:.4}  Min: {:.3}  Max: {:.3}",
            self.count,
            self.mean() / 1000.0,
            us(self.min()),
            us(self.max)
        )?;
        write!(
            f,
            "Percentiles: P50: {:.2} P99: {:.2} P99.9: {:.2}",
            us(self.percentile(50.0)),
            us(self.percentile(99.0)),
            us(self.percentile(99.9))
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_in_order() {
        let mut last = 0;
        for value in (0..5000).chain([u64::MAX / 3, u64::MAX - 1, u64::MAX]) {
            let bucket = bucket_of(value);
            assert!(bucket < BUCKETS);
            assert!(bucket >= last, "{value}");
            last = bucket;
            assert!(
                bucket_low(bucket) <= value && value <= bucket_high(bucket),
                "{value}"
            );
        }
        for bucket in 0..BUCKETS - 1 {
            assert_eq!(bucket_high(bucket) + 1, bucket_low(bucket + 1), "{bucket}");
        }
    }

    #[test]
    fn percentiles_are_within_three_percent() {
        let mut h = Histogram::new();
        for value in 1..=100_000u64 {
            h.record(value);
        }
        for (percent, exact) in [(50.0, 50_000.0), (99.0, 99_000.0), (99.9, 99_900.0)] {
            let got = h.percentile(percent) as f64;
            assert!((got - exact).abs() / exact < 0.03, "p{percent}: {got}");
        }
        assert_eq!(h.count(), 100_000);
        assert_eq!(h.max(), 100_000);
        assert_eq!(h.min(), 1);
        assert!((h.mean() - 50_000.5).abs() < 1e-6);
    }

    #[test]
    fn small_values_are_exact_and_merge_adds() {
        let mut a = Histogram::new();
        a.record(3);
        let mut b = Histogram::new();
        b.record(7);
        b.record(7);
        a.merge(&b);
        assert_eq!(a.count(), 3);
        assert_eq!(a.percentile(50.0), 7);
        assert_eq!(a.percentile(1.0), 3);
        assert_eq!(a.max(), 7);
        assert_eq!(Histogram::new().percentile(50.0), 0);
        assert_eq!(Histogram::new().min(), 0);
    }

    #[test]
    fn display_prints_the_percentiles_in_microseconds() {
        let mut h = Histogram::new();
        h.record(2_000);
        let text = h.to_string();
        assert!(text.contains("Count: 1 Average: 2.0000"), "{text}");
        assert!(text.contains("P50: 2.00 P99: 2.00 P99.9: 2.00"), "{text}");
    }
}
