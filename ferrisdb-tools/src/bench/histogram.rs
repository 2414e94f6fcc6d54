//! [`Histogram`]: the latencies of `--histogram`, in an HdrHistogram.
//!
//! The counts live in an [`hdrhistogram::Histogram`] with three significant
//! digits, so a percentile is within 0.1% of the true value whatever its
//! magnitude. Its bounds are fixed (1 ns to one hour) so recording never
//! allocates and every thread's histogram merges into any other; a value
//! above an hour counts in the top bucket. The count, sum, minimum and
//! maximum are also kept exactly, so the mean and the extremes printed are
//! the recorded ones, not bucket edges.

use std::fmt;

/// The largest latency the buckets tell apart: one hour, in nanoseconds.
const HIGHEST: u64 = 3_600 * 1_000_000_000;
/// Significant decimal digits of every bucketed value (0.1%).
const SIGNIFICANT_DIGITS: u8 = 3;

/// A latency histogram in nanoseconds: count, mean, min, max and percentiles.
#[derive(Clone)]
pub struct Histogram {
    buckets: hdrhistogram::Histogram<u64>,
    count: u64,
    sum: u128,
    min: u64,
    max: u64,
}

impl fmt::Debug for Histogram {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Histogram")
            .field("count", &self.count)
            .field("min", &self.min())
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl PartialEq for Histogram {
    fn eq(&self, other: &Self) -> bool {
        (self.count, self.sum, self.min, self.max) == (other.count, other.sum, other.min, other.max)
            && self.buckets == other.buckets
    }
}

impl Eq for Histogram {}

impl Default for Histogram {
    fn default() -> Self {
        Histogram::new()
    }
}

impl Histogram {
    /// An empty histogram.
    pub fn new() -> Self {
        Histogram {
            buckets: hdrhistogram::Histogram::new_with_bounds(1, HIGHEST, SIGNIFICANT_DIGITS)
                .expect("1 ..= one hour at 3 significant digits are valid bounds"),
            count: 0,
            sum: 0,
            min: u64::MAX,
            max: 0,
        }
    }

    /// Records one value (nanoseconds).
    pub fn record(&mut self, value: u64) {
        // Saturating: 0 counts as 1 ns and more than an hour as an hour in
        // the buckets; the exact value still goes to the sum and extremes.
        self.buckets.saturating_record(value);
        self.count += 1;
        self.sum += u128::from(value);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Adds every value of `other` to this histogram.
    pub fn merge(&mut self, other: &Histogram) {
        self.buckets
            .add(&other.buckets)
            .expect("histograms with the same bounds always add");
        self.count += other.count;
        self.sum += other.sum;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The mean value, exact; 0 when empty.
    pub fn mean(&self) -> f64 {
        if self.count == 0 {
            0.0
        } else {
            self.sum as f64 / self.count as f64
        }
    }

    /// The largest value recorded, exact; 0 when empty.
    pub fn max(&self) -> u64 {
        self.max
    }

    /// The smallest value recorded, exact; 0 when empty.
    pub fn min(&self) -> u64 {
        if self.count == 0 {
            0
        } else {
            self.min
        }
    }

    /// The value below or at which `percent` % of the values fall, to within
    /// 0.1% (the top of the bucket holding that rank, clamped to the
    /// recorded minimum and maximum). 0 when empty.
    pub fn percentile(&self, percent: f64) -> u64 {
        if self.count == 0 {
            return 0;
        }
        self.buckets
            .value_at_percentile(percent)
            .clamp(self.min, self.max)
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
    fn percentiles_are_within_a_tenth_of_a_percent() {
        let mut h = Histogram::new();
        for value in 1..=100_000u64 {
            h.record(value);
        }
        for (percent, exact) in [(50.0, 50_000.0), (99.0, 99_000.0), (99.9, 99_900.0)] {
            let got = h.percentile(percent) as f64;
            assert!((got - exact).abs() / exact <= 0.001, "p{percent}: {got}");
        }
        assert_eq!(h.count(), 100_000);
        assert_eq!(h.max(), 100_000);
        assert_eq!(h.min(), 1);
        assert_eq!(h.percentile(100.0), 100_000);
        assert!((h.mean() - 50_000.5).abs() < 1e-6);
    }

    #[test]
    fn large_values_keep_their_magnitude() {
        let mut h = Histogram::new();
        // 9 fast operations and one of 2.5 s: p99.9 is the slow one.
        for _ in 0..9 {
            h.record(1_500);
        }
        h.record(2_500_000_000);
        let p999 = h.percentile(99.9) as f64;
        assert!((p999 - 2.5e9).abs() / 2.5e9 <= 0.001, "{p999}");
        assert_eq!(h.percentile(50.0), 1_500);
        // Past the buckets' hour, the extremes stay exact.
        h.record(u64::MAX);
        assert_eq!(h.max(), u64::MAX);
        assert_eq!(h.count(), 11);
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
        assert_eq!((a.min(), a.max()), (3, 7));
        assert_ne!(a, b);
        let mut c = b.clone();
        c.merge(&Histogram::new());
        assert_eq!(c, b);
        assert_eq!(Histogram::new().percentile(50.0), 0);
        assert_eq!(Histogram::new().min(), 0);
        assert_eq!(Histogram::new().mean(), 0.0);
    }

    #[test]
    fn display_prints_the_extremes_and_percentiles_in_microseconds() {
        let mut h = Histogram::new();
        h.record(2_000);
        h.record(4_000);
        let text = h.to_string();
        assert!(text.contains("Count: 2 Average: 3.0000"), "{text}");
        assert!(text.contains("Min: 2.000  Max: 4.000"), "{text}");
        assert!(text.contains("P50: 2.00 P99: 4.00 P99.9: 4.00"), "{text}");
    }
}
