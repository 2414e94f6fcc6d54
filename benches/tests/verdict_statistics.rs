//! The statistics of the comparison (`stats.rs`, `summary.rs`): how often
//! two engines of the same speed get a verdict, and the order of the
//! largest gaps. Regressions: verdicts from 3 runs a side (9% false
//! verdicts), and gaps ranked by their interval's upper bound.

use ferrisdb_benches::compare::report::largest_gaps;
use ferrisdb_benches::compare::stats::{ratio_interval, Verdict};
use ferrisdb_benches::compare::Record;
use ferrisdb_tools::bench::data::Rng;

/// A standard normal draw (Box-Muller), from the seeded generator.
fn normal(rng: &mut Rng) -> f64 {
    let u1 = ((rng.next_u64() >> 11) as f64 + 1.0) / (1u64 << 53) as f64;
    let u2 = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

/// `n` runs of a throughput of 100 with a 10% run-to-run spread (the
/// issue reports 10-25% between runs).
fn runs(rng: &mut Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| 100.0 * (1.0 + 0.10 * normal(rng))).collect()
}

/// How often two engines of the same speed get a win or a loss, out of
/// `trials` cells of `n` runs a side.
fn false_verdicts(n: usize, trials: usize) -> usize {
    let mut rng = Rng::new(16);
    (0..trials)
        .filter(|&t| {
            let (ours, theirs) = (runs(&mut rng, n), runs(&mut rng, n));
            ratio_interval(&ours, &theirs, 2_000, t as u64).verdict(true) != Verdict::Tie
        })
        .count()
}

/// The summary reads an interval that excludes 1.0 as a win or a loss "at
/// 95%": between two engines of the same speed that should happen in about
/// 5% of cells (1 in 20). With 5 runs a side (the default `--runs`) the
/// percentile bootstrap of a median is far too narrow (a median of 5
/// resampled values takes only a few distinct values), so equal engines get
/// a verdict much more often. Measured here: see the assertion message.
#[test]
fn equal_engines_get_a_verdict_in_about_5_percent_of_cells_at_5_runs() {
    let trials = 1_000;
    let wrong = false_verdicts(5, trials);
    let rate = wrong as f64 / trials as f64;
    assert!(
        rate <= 0.075,
        "{wrong} of {trials} cells of equal engines ({:.1}%) got a win or a loss at 5 runs a side",
        rate * 100.0
    );
}

/// At 3 runs a side the percentile bootstrap is too narrow (9% of such
/// cells got a verdict when the report gave verdicts from 3 runs); with
/// `MIN_SAMPLES` at 5 the report gives none there.
#[test]
fn equal_engines_get_a_verdict_in_about_5_percent_of_cells_at_3_runs() {
    let trials = 1_000;
    let wrong = false_verdicts(3, trials);
    let rate = wrong as f64 / trials as f64;
    assert!(
        rate <= 0.075,
        "{wrong} of {trials} cells of equal engines ({:.1}%) got a win or a loss at 3 runs a side",
        rate * 100.0
    );
}

/// A record of one run of one cell, every figure but ops/s zero.
fn record(engine: &str, run: u32, workload: &str, ops_per_sec: f64) -> Record {
    Record {
        scale: "small".into(),
        engine: engine.into(),
        version: "1".into(),
        profile: "equal".into(),
        run,
        slot: run,
        workload: workload.into(),
        threads: 1,
        ops: 1,
        secs: 1.0,
        ops_per_sec,
        p50_us: 0.0,
        p99_us: 0.0,
        p999_us: 0.0,
        max_us: 0.0,
        cpu_us_per_op: 0.0,
        peak_rss_bytes: 0,
        device_write_amp: 0.0,
        space_amp: 0.0,
        settle_secs: 0.0,
        stall_secs: 0.0,
        timeline: Vec::new(),
        note: String::new(),
    }
}

/// The issue asks for "the five largest gaps to the faster peer" as the
/// targets of the performance work. `largest_gaps` orders losses by the
/// upper bound of their interval, so a tight 8% loss outranks a 2x loss
/// whose runs spread more: here FerrisDB runs at half fjall's speed in
/// `readrandom/1t` (ratio 0.50, upper bound about 0.93) and at 92% of it
/// in `fillseq` (upper bound 0.92), and `fillseq` is listed first.
#[test]
fn the_largest_gap_is_listed_first() {
    let mut records = Vec::new();
    for (run, (ours, peer)) in [
        (60.0, 100.0),
        (40.0, 100.0),
        (50.0, 100.0),
        (93.0, 100.0),
        (45.0, 100.0),
    ]
    .into_iter()
    .enumerate()
    {
        records.push(record("ferrisdb", run as u32 + 1, "readrandom/1t", ours));
        records.push(record("fjall", run as u32 + 1, "readrandom/1t", peer));
    }
    for run in 1..=5 {
        records.push(record("ferrisdb", run, "fillseq", 92.0));
        records.push(record("fjall", run, "fillseq", 100.0));
    }
    let gaps = largest_gaps(&records, "ferrisdb", 5);
    let listed: Vec<String> = gaps
        .iter()
        .map(|g| format!("{} {}", g.workload, g.interval))
        .collect();
    assert_eq!(gaps.len(), 2, "both are losses: {listed:?}");
    assert_eq!(
        gaps[0].workload, "readrandom/1t",
        "the 2x gap is not listed first: {listed:?}"
    );
}
