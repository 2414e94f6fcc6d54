//! The Markdown summary of the comparison ([`summary_markdown`]): per scale
//! and profile, medians of every engine, ours over the faster peer with a
//! confidence interval and a verdict, and the largest gaps ([`largest_gaps`]).

use std::fmt::Write as _;

use super::record::Record;
use super::report::{distinct, group_digits, ops, select, values, verdict, SEED};
use super::stats::{median, ratio_interval, Interval, Verdict, DEFAULT_RESAMPLES};

/// How many rows [`summary_markdown`] lists under "Largest gaps".
pub const GAPS_LISTED: usize = 10;

/// A row of the summary where ours loses: ours over the faster peer.
#[derive(Debug, Clone, PartialEq)]
pub struct Gap {
    /// Scale of the row.
    pub scale: String,
    /// Profile of the row.
    pub profile: String,
    /// Workload of the row.
    pub workload: String,
    /// The faster peer (highest median ops/s of the row).
    pub peer: String,
    /// Ours / peer, median ops/s, with its 95% confidence interval.
    pub interval: Interval,
}

/// The losses of ours against the faster peer, over every scale and
/// profile, the `n` largest first: ordered by the upper bound of their
/// interval, so the first are the gaps the runs show most surely large.
pub fn largest_gaps(records: &[Record], ours: &str, n: usize) -> Vec<Gap> {
    let mut gaps: Vec<Gap> = groups(records, ours)
        .iter()
        .flat_map(|g| g.rows.iter())
        .filter_map(|row| {
            let (peer, interval) = row.versus?;
            (interval.verdict(true) == Verdict::Loss).then(|| Gap {
                scale: row.scale.to_string(),
                profile: row.profile.to_string(),
                workload: row.workload.to_string(),
                peer: peer.to_string(),
                interval,
            })
        })
        .collect();
    // The largest gap first: the smallest median ratio, whatever its spread.
    gaps.sort_by(|a, b| a.interval.median.total_cmp(&b.interval.median));
    gaps.truncate(n);
    gaps
}

/// The Markdown summary: per scale, then per profile (in order of first
/// appearance), a throughput table (median ops/s per engine, ours over the
/// faster peer with its 95% confidence interval and verdict, runs per
/// engine) and a table of the other figures' medians per workload and
/// engine; then the [`GAPS_LISTED`] [`largest_gaps`].
pub fn summary_markdown(records: &[Record], ours: &str) -> String {
    let mut md = format!(
        "# Peer comparison\n\nMedians over runs. The ratio is {ours} over the faster peer \
         (the peer with the highest median ops/s of the row), with a 95% percentile bootstrap \
         confidence interval; a win or a loss only when the interval excludes 1.0. \
         `runs` counts each engine's runs in column order; `—` marks what was not run.\n"
    );
    for g in groups(records, ours) {
        let _ = write!(
            md,
            "\n## Scale `{}`, profile `{}`\n\n### Throughput (median ops/s)\n\n| workload |",
            g.scale, g.profile
        );
        for e in &g.engines {
            let _ = write!(md, " {e} |");
        }
        let _ = write!(
            md,
            " faster peer | {ours} / peer [95% CI] | verdict | runs |\n|---|"
        );
        md.push_str(&"---:|".repeat(g.engines.len()));
        md.push_str("---|---:|---|---:|\n");
        for row in &g.rows {
            let _ = write!(md, "| {} |", row.workload);
            for m in &row.medians {
                let _ = write!(md, " {} |", ops(*m));
            }
            let (peer, ratio, verdict) = match row.versus {
                Some((peer, i)) => (peer, i.to_string(), verdict(&i)),
                None => ("—", "—".to_string(), "—"),
            };
            let runs: Vec<String> = row.runs.iter().map(usize::to_string).collect();
            let _ = writeln!(md, " {peer} | {ratio} | {verdict} | {} |", runs.join("/"));
        }
        md.push_str("\n### Latency and resources (medians)\n\n| workload | engine |");
        for (name, _) in METRICS {
            let _ = write!(md, " {name} |");
        }
        let _ = writeln!(md, "\n|---|---|{}", "---:|".repeat(METRICS.len()));
        for row in &g.rows {
            for e in &g.engines {
                let cell = select(&g.records, e, row.workload);
                if cell.is_empty() {
                    continue;
                }
                let _ = write!(md, "| {} | {e} |", row.workload);
                for (_, metric) in METRICS {
                    let _ = write!(md, " {} |", figure(median(&values(&cell, metric))));
                }
                md.push('\n');
            }
        }
    }
    md.push_str("\n## Largest gaps\n\n");
    let gaps = largest_gaps(records, ours, GAPS_LISTED);
    if gaps.is_empty() {
        md.push_str("No losses.\n");
    }
    for (i, g) in gaps.iter().enumerate() {
        let _ = writeln!(
            md,
            "{}. `{}` `{}` {}: {ours} / {} = {}",
            i + 1,
            g.scale,
            g.profile,
            g.workload,
            g.peer,
            g.interval
        );
    }
    md
}

/// The A/B check as an aligned plain-text table: per workload of the
/// A column of the second table: its header and its figure of a record.
type Metric = (&'static str, fn(&Record) -> f64);

/// The figures of the second table of each scale and profile.
const METRICS: [Metric; 9] = [
    ("p99 µs", |r| r.p99_us),
    ("p99.9 µs", |r| r.p999_us),
    ("max µs", |r| r.max_us),
    ("CPU µs/op", |r| r.cpu_us_per_op),
    ("device write amp", |r| r.device_write_amp),
    ("space amp", |r| r.space_amp),
    ("settle s", |r| r.settle_secs),
    ("stall s", |r| r.stall_secs),
    ("peak RSS MiB", |r| {
        r.peak_rss_bytes as f64 / (1024.0 * 1024.0)
    }),
];

/// The records of one scale and profile, with its throughput rows.
struct Group<'a> {
    scale: &'a str,
    profile: &'a str,
    /// Ours first, then the others alphabetically.
    engines: Vec<&'a str>,
    records: Vec<&'a Record>,
    rows: Vec<Row<'a>>,
}

/// One workload of a [`Group`].
struct Row<'a> {
    scale: &'a str,
    profile: &'a str,
    workload: &'a str,
    /// Median ops/s per engine of the group (NaN where it did not run).
    medians: Vec<f64>,
    /// Runs per engine of the group.
    runs: Vec<usize>,
    /// The faster peer, when a peer ran the workload, and ours over it
    /// ([`Interval::NAN`] when ours did not run it).
    versus: Option<(&'a str, Interval)>,
}

fn groups<'a>(records: &'a [Record], ours: &'a str) -> Vec<Group<'a>> {
    let mut groups = Vec::new();
    for scale in distinct(records.iter().map(|r| r.scale.as_str())) {
        let in_scale: Vec<&Record> = records.iter().filter(|r| r.scale == scale).collect();
        for profile in distinct(in_scale.iter().map(|r| r.profile.as_str())) {
            let group: Vec<&Record> = in_scale
                .iter()
                .copied()
                .filter(|r| r.profile == profile)
                .collect();
            let mut engines = distinct(group.iter().map(|r| r.engine.as_str()));
            engines.retain(|e| *e != ours);
            engines.sort_unstable();
            engines.insert(0, ours);
            let rows = distinct(group.iter().map(|r| r.workload.as_str()))
                .into_iter()
                .map(|workload| {
                    let samples: Vec<Vec<f64>> = engines
                        .iter()
                        .map(|e| values(&select(&group, e, workload), |r| r.ops_per_sec))
                        .collect();
                    let medians: Vec<f64> = samples.iter().map(|s| median(s)).collect();
                    let peer = (1..engines.len())
                        .filter(|&i| !samples[i].is_empty())
                        .max_by(|&i, &j| medians[i].total_cmp(&medians[j]));
                    let versus = peer.map(|i| {
                        let interval =
                            ratio_interval(&samples[0], &samples[i], DEFAULT_RESAMPLES, SEED);
                        (engines[i], interval)
                    });
                    Row {
                        scale,
                        profile,
                        workload,
                        medians,
                        runs: samples.iter().map(Vec::len).collect(),
                        versus,
                    }
                })
                .collect();
            groups.push(Group {
                scale,
                profile,
                engines,
                records: group,
                rows,
            });
        }
    }
    groups
}

/// A figure with two decimals below 100, whole with separators above.
fn figure(v: f64) -> String {
    if v.is_nan() {
        "—".to_string()
    } else if v.abs() >= 100.0 {
        group_digits(v.round() as u64)
    } else {
        format!("{v:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::report::test_runs as runs;

    /// Three workloads of three engines at one scale and profile, one
    /// workload of one engine, and a tie at another scale and profile.
    fn suite() -> Vec<Record> {
        let mut records = Vec::new();
        for (workload, ours, fjall, rocks) in [
            ("fillseq", 300.0, 100.0, 200.0),
            ("readrandom", 50.0, 100.0, 80.0),
            ("seekrandom", 90.0, 100.0, 20.0),
        ] {
            records.extend(runs("small", "ferrisdb", "defaults", workload, ours));
            records.extend(runs("small", "rocksdb", "defaults", workload, rocks));
            records.extend(runs("small", "fjall", "defaults", workload, fjall));
        }
        records.extend(runs("small", "fjall", "defaults", "readseq", 1_234_567.0));
        records.extend(runs("large", "ferrisdb", "equal", "fillseq", 100.0));
        records.extend(runs("large", "fjall", "equal", "fillseq", 100.0));
        records
    }

    #[test]
    fn the_summary_compares_ours_with_the_faster_peer() {
        let md = summary_markdown(&suite(), "ferrisdb");
        let small = md.find("## Scale `small`, profile `defaults`").unwrap();
        let large = md.find("## Scale `large`, profile `equal`").unwrap();
        assert!(small < large, "{md}");
        assert!(
            md.contains("| workload | ferrisdb | fjall | rocksdb | faster peer |"),
            "{md}"
        );
        for row in [
            "| fillseq | 300 | 100 | 200 | rocksdb | 1.50 [1.50, 1.50] | win | 5/5/5 |",
            "| readrandom | 50 | 100 | 80 | fjall | 0.50 [0.50, 0.50] | loss | 5/5/5 |",
            "| seekrandom | 90 | 100 | 20 | fjall | 0.90 [0.90, 0.90] | loss | 5/5/5 |",
            "| readseq | — | 1,234,567 | — | fjall | — | — | 0/5/0 |",
            "| fillseq | 100 | 100 | fjall | 1.00 [1.00, 1.00] | tie | 5/5 |",
        ] {
            assert!(md.contains(row), "{row} missing from\n{md}");
        }
    }

    #[test]
    fn a_workload_of_one_engine_shows_dashes() {
        let md = summary_markdown(
            &runs("small", "ferrisdb", "equal", "fillseq", 5.0),
            "ferrisdb",
        );
        assert!(md.contains("| fillseq | 5 | — | — | — | 5 |"), "{md}");
        let md = summary_markdown(&runs("small", "fjall", "equal", "fillseq", 5.0), "ferrisdb");
        assert!(
            md.contains("| fillseq | — | 5 | fjall | — | — | 0/5 |"),
            "{md}"
        );
        assert!(md.contains("No losses."), "{md}");
        assert!(largest_gaps(&[], "ferrisdb", 3).is_empty());
    }

    #[test]
    fn the_details_table_holds_medians_per_engine() {
        let mut records = runs("small", "ferrisdb", "equal", "fillseq", 5.0);
        for (r, p99) in records.iter_mut().zip([30.0, 10.0, 20.0, 20.0, 25.0]) {
            r.p99_us = p99;
            r.peak_rss_bytes = 3 << 20;
            r.device_write_amp = 2.5;
            r.max_us = 12_345.0;
        }
        let md = summary_markdown(&records, "ferrisdb");
        assert!(
            md.contains(
                "| fillseq | ferrisdb | 20.00 | 0.00 | 12,345 | 0.00 | 2.50 | 0.00 | 0.00 | 0.00 | 3.00 |"
            ),
            "{md}"
        );
    }

    #[test]
    fn the_largest_gaps_are_the_smallest_ratios_first() {
        let gaps = largest_gaps(&suite(), "ferrisdb", 10);
        let names: Vec<(&str, &str)> = gaps
            .iter()
            .map(|g| (g.workload.as_str(), g.peer.as_str()))
            .collect();
        assert_eq!(names, [("readrandom", "fjall"), ("seekrandom", "fjall")]);
        assert_eq!(gaps[0].interval.high, 0.5);
        assert_eq!(
            (gaps[0].scale.as_str(), gaps[0].profile.as_str()),
            ("small", "defaults")
        );
        assert_eq!(largest_gaps(&suite(), "ferrisdb", 1).len(), 1);
        let md = summary_markdown(&suite(), "ferrisdb");
        assert!(
            md.contains(
                "1. `small` `defaults` readrandom: ferrisdb / fjall = 0.50 [0.50, 0.50]\n2. "
            ),
            "{md}"
        );
    }
}
