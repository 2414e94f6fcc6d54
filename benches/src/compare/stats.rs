//! The statistics of the report: medians, and a percentile bootstrap
//! confidence interval of the ratio of two medians ([`ratio_interval`]),
//! read as a win, a tie or a loss ([`Verdict`]).
//!
//! Medians, not means: one run disturbed by another process on the machine
//! moves a mean but hardly a median. The bootstrap makes no assumption about
//! the distribution of the runs, which is unknown and often skewed.

use std::fmt;

use ferrisdb_tools::bench::data::Rng;

/// Resamples of [`ratio_interval`] in the report: enough that the 2.5th and
/// 97.5th percentiles move by well under 0.01 from one seed to another.
pub const DEFAULT_RESAMPLES: usize = 10_000;

/// The median of `values` (the mean of the middle two for an even count);
/// NaN for no values. `values` must hold no NaN.
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    median_in_place(&mut sorted)
}

/// [`median`] that sorts `values` itself, so the bootstrap reuses one buffer
/// instead of allocating per resample.
fn median_in_place(values: &mut [f64]) -> f64 {
    let n = values.len();
    if n == 0 {
        return f64::NAN;
    }
    values.sort_unstable_by(f64::total_cmp);
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The `p`-th quantile (`0.0..=1.0`) of sorted values, interpolated linearly
/// between the two nearest ranks.
fn quantile(sorted: &[f64], p: f64) -> f64 {
    let rank = p * (sorted.len() - 1) as f64;
    let (below, above) = (rank.floor() as usize, rank.ceil() as usize);
    let weight = rank - below as f64;
    if weight == 0.0 {
        // An exact rank: no arithmetic, so an infinite ratio stays infinite.
        return sorted[below];
    }
    sorted[below] + (sorted[above] - sorted[below]) * weight
}

/// A ratio with its 95% confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Interval {
    /// Lower bound: the 2.5th percentile of the resampled ratios.
    pub low: f64,
    /// The ratio of the medians of the samples themselves.
    pub median: f64,
    /// Upper bound: the 97.5th percentile of the resampled ratios.
    pub high: f64,
}

/// What an [`Interval`] says about "ours" against "theirs".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Ours is better: the whole interval lies on the better side of 1.0.
    Win,
    /// The interval holds 1.0 (or there is nothing to compare): no
    /// difference is shown.
    Tie,
    /// Ours is worse: the whole interval lies on the worse side of 1.0.
    Loss,
}

impl Verdict {
    /// `win`, `tie` or `loss`.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Win => "win",
            Verdict::Tie => "tie",
            Verdict::Loss => "loss",
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Interval {
    /// The interval of no comparison (a side without samples).
    pub const NAN: Interval = Interval {
        low: f64::NAN,
        median: f64::NAN,
        high: f64::NAN,
    };

    /// Whether the interval compares anything (its bounds are numbers).
    pub fn is_defined(&self) -> bool {
        !(self.low.is_nan() || self.median.is_nan() || self.high.is_nan())
    }

    /// A win or a loss only when the interval excludes 1.0; a tie otherwise,
    /// and for an undefined interval ([`Interval::NAN`]), whose comparisons
    /// are all false. `higher_is_better` is true for ops/s, false for
    /// latencies and amplifications.
    pub fn verdict(&self, higher_is_better: bool) -> Verdict {
        let (above, below) = (self.low > 1.0, self.high < 1.0);
        match (above, below, higher_is_better) {
            (true, _, true) | (_, true, false) => Verdict::Win,
            (_, true, true) | (true, _, false) => Verdict::Loss,
            _ => Verdict::Tie,
        }
    }
}

/// `1.12 [1.05, 1.20]`, or `—` for an undefined interval.
impl fmt::Display for Interval {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_defined() {
            return f.write_str("—");
        }
        if self.high.is_infinite() {
            return write!(f, "{:.2} [too few runs]", self.median);
        }
        write!(f, "{:.2} [{:.2}, {:.2}]", self.median, self.low, self.high)
    }
}

/// Samples a side needs before its interval is computed: with one or two
/// runs, resampling only replays them.
pub const MIN_SAMPLES: usize = 5;

/// The ratio `median(ours) / median(theirs)` with a percentile bootstrap 95%
/// confidence interval: each of `resamples` resamples draws `ours.len()`
/// values with replacement from `ours` and `theirs.len()` from `theirs` and
/// takes the ratio of their medians; the bounds are the 2.5th and 97.5th
/// percentiles of those ratios. The same `seed` gives the same interval.
///
/// With fewer than [`MIN_SAMPLES`] samples on a side the spread is unknown
/// (one run says nothing of the next), so the bounds are infinite: the
/// ratio is shown, and the verdict is a tie. With no samples on either side
/// (or no resamples) the result is [`Interval::NAN`], whose verdict is a
/// tie too. A zero median of `theirs` gives an infinite or NaN
/// ratio, as IEEE division does.
pub fn ratio_interval(ours: &[f64], theirs: &[f64], resamples: usize, seed: u64) -> Interval {
    if ours.is_empty() || theirs.is_empty() {
        return Interval::NAN;
    }
    let ratio = median(ours) / median(theirs);
    if resamples == 0 {
        return Interval::NAN;
    }
    if ours.len() < MIN_SAMPLES || theirs.len() < MIN_SAMPLES {
        return Interval {
            low: 0.0,
            median: ratio,
            high: f64::INFINITY,
        };
    }
    let mut rng = Rng::new(seed);
    let (mut a, mut b) = (vec![0.0; ours.len()], vec![0.0; theirs.len()]);
    let mut ratios = Vec::with_capacity(resamples);
    for _ in 0..resamples {
        for x in a.iter_mut() {
            *x = ours[rng.below(ours.len() as u64) as usize];
        }
        for x in b.iter_mut() {
            *x = theirs[rng.below(theirs.len() as u64) as usize];
        }
        ratios.push(median_in_place(&mut a) / median_in_place(&mut b));
    }
    ratios.sort_unstable_by(f64::total_cmp);
    Interval {
        low: quantile(&ratios, 0.025),
        median: ratio,
        high: quantile(&ratios, 0.975),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_odd_even_and_unsorted() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), 2.5);
        assert_eq!(median(&[7.0]), 7.0);
        assert!(median(&[]).is_nan());
    }

    #[test]
    fn quantiles_interpolate_between_ranks() {
        let sorted = [0.0, 10.0, 20.0, 30.0, 40.0];
        assert_eq!(quantile(&sorted, 0.0), 0.0);
        assert_eq!(quantile(&sorted, 1.0), 40.0);
        assert_eq!(quantile(&sorted, 0.5), 20.0);
        assert!((quantile(&sorted, 0.1) - 4.0).abs() < 1e-12);
    }

    #[test]
    fn identical_samples_tie() {
        let runs = [100.0, 104.0, 97.0, 101.0, 99.0];
        let i = ratio_interval(&runs, &runs, DEFAULT_RESAMPLES, 1);
        assert_eq!(i.median, 1.0);
        assert!(i.low <= 1.0 && 1.0 <= i.high, "{i:?}");
        assert!(
            i.low < i.high,
            "spread samples give a spread interval: {i:?}"
        );
        assert_eq!(i.verdict(true), Verdict::Tie);
        assert_eq!(i.verdict(false), Verdict::Tie);
    }

    #[test]
    fn clearly_separated_samples_win_or_lose_by_direction() {
        let theirs = [100.0, 104.0, 97.0, 101.0, 99.0];
        let ours: Vec<f64> = theirs.iter().map(|x| x * 2.0).collect();
        let i = ratio_interval(&ours, &theirs, DEFAULT_RESAMPLES, 7);
        assert_eq!(i.median, 2.0);
        assert!(i.low > 1.0 && i.low <= 2.0 && i.high >= 2.0, "{i:?}");
        assert_eq!(i.verdict(true), Verdict::Win);
        assert_eq!(i.verdict(false), Verdict::Loss);
        let flipped = ratio_interval(&theirs, &ours, DEFAULT_RESAMPLES, 7);
        assert!(flipped.high < 1.0, "{flipped:?}");
        assert_eq!(flipped.verdict(true), Verdict::Loss);
        assert_eq!(flipped.verdict(false), Verdict::Win);
    }

    #[test]
    fn the_same_seed_gives_the_same_interval() {
        let ours = [90.0, 120.0, 101.0, 95.0];
        let theirs = [100.0, 80.0, 130.0];
        let a = ratio_interval(&ours, &theirs, 1000, 42);
        assert_eq!(a, ratio_interval(&ours, &theirs, 1000, 42));
        assert!(a.low <= a.median && a.median <= a.high, "{a:?}");
    }

    #[test]
    fn too_few_runs_give_the_ratio_and_no_verdict() {
        let i = ratio_interval(&[150.0], &[100.0], DEFAULT_RESAMPLES, 3);
        assert_eq!(i.median, 1.5);
        assert_eq!(i.verdict(true), Verdict::Tie);
        assert_eq!(i.to_string(), "1.50 [too few runs]");
        let ours = [150.0, 151.0, 152.0, 149.0, 150.5];
        let theirs = [90.0, 100.0, 110.0, 95.0, 105.0];
        let four = ratio_interval(&ours[..4], &theirs, 500, 3);
        assert_eq!(four.verdict(true), Verdict::Tie);
        let five = ratio_interval(&ours, &theirs, 500, 3);
        assert!(five.low < five.high && five.high.is_finite(), "{five:?}");
        assert_eq!(five.verdict(true), Verdict::Win);
    }

    #[test]
    fn no_samples_give_an_undefined_tie() {
        for i in [
            ratio_interval(&[], &[1.0], DEFAULT_RESAMPLES, 0),
            ratio_interval(&[1.0], &[], DEFAULT_RESAMPLES, 0),
            ratio_interval(&[], &[], DEFAULT_RESAMPLES, 0),
            ratio_interval(&[2.0], &[1.0], 0, 0),
        ] {
            assert!(!i.is_defined(), "{i:?}");
            assert!(i.low.is_nan() && i.median.is_nan() && i.high.is_nan());
            assert_eq!(i.verdict(true), Verdict::Tie);
            assert_eq!(i.verdict(false), Verdict::Tie);
            assert_eq!(i.to_string(), "—");
        }
    }

    #[test]
    fn intervals_and_verdicts_display() {
        let i = Interval {
            low: 1.049,
            median: 1.123,
            high: 1.2,
        };
        assert_eq!(i.to_string(), "1.12 [1.05, 1.20]");
        assert_eq!(Verdict::Loss.to_string(), "loss");
    }
}
