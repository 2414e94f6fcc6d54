//! The report of the comparison, from the records the runs printed
//! ([`read_records`]): the raw and timeline CSVs, the Markdown summary
//! (from [`summary`](super::summary), re-exported here) and the terminal
//! table of an A/B check ([`ab_summary`]).

use std::fmt::Write as _;

use super::record::Record;
use super::stats::{median, ratio_interval, Interval, DEFAULT_RESAMPLES};

pub use super::summary::{largest_gaps, summary_markdown, Gap, GAPS_LISTED};

/// Seed of every bootstrap of the report, so the same records always give
/// the same text.
pub(super) const SEED: u64 = 0x5EED_0016;

/// The header of [`timeline_csv`].
pub const TIMELINE_CSV_HEADER: &str = "scale,engine,profile,run,workload,second,ops";

/// The records of a JSON Lines text (one [`Record`] per line), skipping
/// blank lines; an error names the first line that is not a record.
pub fn read_records(jsonl: &str) -> Result<Vec<Record>, String> {
    jsonl
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| serde_json::from_str(line).map_err(|e| format!("line {}: {e}", i + 1)))
        .collect()
}

/// Every record as a row of CSV under [`Record::CSV_HEADER`].
pub fn raw_csv(records: &[Record]) -> String {
    let mut csv = format!("{}\n", Record::CSV_HEADER);
    for r in records {
        csv.push_str(&r.csv_row());
        csv.push('\n');
    }
    csv
}

/// One CSV row per second of every timeline, under [`TIMELINE_CSV_HEADER`];
/// `second` counts from 1 (the row of second 1 holds the operations done in
/// the first second). Records without a timeline give no rows.
pub fn timeline_csv(records: &[Record]) -> String {
    let mut csv = format!("{TIMELINE_CSV_HEADER}\n");
    for r in records {
        for (i, ops) in r.timeline.iter().enumerate() {
            let _ = writeln!(
                csv,
                "{},{},{},{},{},{},{ops}",
                r.scale,
                r.engine,
                r.profile,
                r.run,
                r.workload,
                i + 1
            );
        }
    }
    csv
}
/// The A/B check as an aligned plain-text table: per workload of the
/// records of engines `a` and `b`, the median ops/s of each, B over A with
/// its 95% confidence interval, and the verdict for B (a win when B is
/// faster).
pub fn ab_summary(records: &[Record]) -> String {
    let ab: Vec<&Record> = records
        .iter()
        .filter(|r| r.engine == "a" || r.engine == "b")
        .collect();
    if ab.is_empty() {
        return "no records of engines a and b\n".to_string();
    }
    let mut table = vec![[
        "workload",
        "A ops/s",
        "B ops/s",
        "B/A [95% CI]",
        "verdict",
        "runs A/B",
    ]
    .map(String::from)];
    for workload in distinct(ab.iter().map(|r| r.workload.as_str())) {
        let a = values(&select(&ab, "a", workload), |r| r.ops_per_sec);
        let b = values(&select(&ab, "b", workload), |r| r.ops_per_sec);
        let interval = ratio_interval(&b, &a, DEFAULT_RESAMPLES, SEED);
        table.push([
            workload.to_string(),
            ops(median(&a)),
            ops(median(&b)),
            interval.to_string(),
            verdict(&interval).to_string(),
            format!("{}/{}", a.len(), b.len()),
        ]);
    }
    let widths: Vec<usize> = (0..6)
        .map(|c| {
            table
                .iter()
                .map(|row| row[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut text = String::new();
    for (i, row) in table.iter().enumerate() {
        let _ = write!(text, "{:<w$}", row[0], w = widths[0]);
        for c in 1..6 {
            let _ = write!(text, "  {:>w$}", row[c], w = widths[c]);
        }
        text.push('\n');
        if i == 0 {
            let total = widths.iter().sum::<usize>() + 2 * (widths.len() - 1);
            let _ = writeln!(text, "{}", "-".repeat(total));
        }
    }
    text
}

/// The distinct values, in order of first appearance.
pub(super) fn distinct<'a>(items: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

/// The records of one engine and workload.
pub(super) fn select<'a>(records: &[&'a Record], engine: &str, workload: &str) -> Vec<&'a Record> {
    records
        .iter()
        .copied()
        .filter(|r| r.engine == engine && r.workload == workload)
        .collect()
}

/// One figure of each record.
pub(super) fn values(records: &[&Record], metric: impl Fn(&Record) -> f64) -> Vec<f64> {
    records.iter().map(|r| metric(r)).collect()
}

/// The verdict of a higher-is-better ratio; `—` when nothing was compared.
pub(super) fn verdict(interval: &Interval) -> &'static str {
    if interval.is_defined() {
        interval.verdict(true).name()
    } else {
        "—"
    }
}

/// Ops/s as a whole number with thousands separators; `—` for NaN.
pub(super) fn ops(v: f64) -> String {
    if v.is_nan() {
        "—".to_string()
    } else {
        group_digits(v.round() as u64)
    }
}

/// `1234567` as `1,234,567`.
pub fn group_digits(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A record with the given cell and throughput, every other figure 0, for
/// the tests of the report and the chart.
#[cfg(test)]
pub(crate) fn test_record(
    scale: &str,
    engine: &str,
    profile: &str,
    run: u32,
    workload: &str,
    ops_per_sec: f64,
) -> Record {
    Record {
        scale: scale.into(),
        engine: engine.into(),
        version: "1.0".into(),
        profile: profile.into(),
        run,
        slot: run,
        workload: workload.into(),
        threads: 1,
        ops: ops_per_sec as u64,
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

/// [`MIN_SAMPLES`](super::stats::MIN_SAMPLES) runs of one engine and cell at
/// the same figure (so intervals are exact), for the tests of the report,
/// the summary and the chart.
#[cfg(test)]
pub(crate) fn test_runs(
    scale: &str,
    engine: &str,
    profile: &str,
    workload: &str,
    ops: f64,
) -> Vec<Record> {
    (1..=super::stats::MIN_SAMPLES as u32)
        .map(|run| test_record(scale, engine, profile, run, workload, ops))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::test_runs as runs;
    use super::*;

    #[test]
    fn records_are_read_from_json_lines() {
        let mut records = runs("small", "fjall", "equal", "fillseq", 10.0);
        records[1].timeline = vec![1, 2];
        let mut text = String::new();
        for r in &records[..2] {
            text.push_str(&serde_json::to_string(r).unwrap());
            text.push_str("\n\n");
        }
        assert_eq!(read_records(&text).unwrap(), records[..2].to_vec());
        text.push_str("{\"scale\": \"small\"}\n");
        let error = read_records(&text).unwrap_err();
        assert!(error.starts_with("line 5: "), "{error}");
    }

    #[test]
    fn the_csvs_hold_a_row_per_record_and_per_second() {
        let mut records = runs("small", "fjall", "equal", "fillseq", 10.0);
        records[1].timeline = vec![4, 6];
        let raw = raw_csv(&records);
        assert_eq!(raw.lines().count(), 1 + records.len());
        assert_eq!(raw.lines().next(), Some(Record::CSV_HEADER));
        assert_eq!(raw.lines().nth(2), Some(records[1].csv_row().as_str()));
        assert_eq!(
            timeline_csv(&records),
            "scale,engine,profile,run,workload,second,ops\n\
             small,fjall,equal,2,fillseq,1,4\nsmall,fjall,equal,2,fillseq,2,6\n"
        );
    }

    #[test]
    fn the_ab_table_is_aligned_and_compares_b_with_a() {
        let mut records = runs("ab", "a", "defaults", "fillseq", 1000.0);
        records.extend(runs("ab", "b", "defaults", "fillseq", 2000.0));
        records.extend(runs("ab", "a", "defaults", "readrandom/4t", 10.0));
        records.extend(runs("small", "fjall", "defaults", "fillseq", 1.0));
        let text = ab_summary(&records);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4, "{text}");
        let width = lines[0].chars().count();
        assert!(lines.iter().all(|l| l.chars().count() == width), "{text}");
        assert!(lines[1].chars().all(|c| c == '-'), "{text}");
        let cells: Vec<&str> = lines[2].split("  ").filter(|c| !c.is_empty()).collect();
        let cells: Vec<&str> = cells.iter().map(|c| c.trim()).collect();
        assert_eq!(
            cells,
            [
                "fillseq",
                "1,000",
                "2,000",
                "2.00 [2.00, 2.00]",
                "win",
                "5/5"
            ]
        );
        assert!(lines[3].starts_with("readrandom/4t"), "{text}");
        assert!(lines[3].contains("—"), "{text}");
        assert_eq!(
            ab_summary(&runs("small", "fjall", "defaults", "fillseq", 1.0)),
            "no records of engines a and b\n"
        );
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234_567), "1,234,567");
    }
}
