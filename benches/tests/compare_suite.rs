//! `ferrisdb-compare` end to end at the tiny scale: `run` writes every
//! workload of every engine and profile for each run, the raw CSV, the
//! summary and the charts; `ab` prints a ratio per workload; `report`
//! rewrites the summary from the records. Speed is not checked here.

use std::path::Path;
use std::process::Command;

use ferrisdb_benches::compare::workloads::WORKLOADS;

fn compare(args: &[&str]) -> std::process::Output {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb-compare"))
        .args(args)
        .output()
        .expect("ferrisdb-compare runs");
    assert!(
        output.status.success(),
        "ferrisdb-compare {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn run_measures_every_cell_of_every_run_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out_arg = out.to_str().unwrap();
    compare(&[
        "run",
        "--scale",
        "tiny",
        "--runs",
        "3",
        "--engines",
        "ferrisdb,fjall",
        "--out",
        out_arg,
    ]);
    let csv = read(&out.join("runs.csv"));
    let rows: Vec<&str> = csv.lines().skip(1).collect();
    // Per engine, profile and run: fillseq 1, random 12, fillsync 4,
    // ycsb 7, compressible 2.
    assert_eq!(rows.len(), 2 * 2 * 3 * 26, "{csv}");
    for workload in [
        "fillseq",
        "fillrandom",
        "overwrite",
        "readrandom/8t",
        "readmissing",
        "seekrandom/100",
        "readseq",
        "readwhilewriting",
        "deleterandom",
        "fillsync/16t",
        "ycsb-e",
        "readrandom-lz4",
    ] {
        let cell = format!(",{workload},");
        assert_eq!(
            rows.iter().filter(|r| r.contains(&cell)).count(),
            12,
            "{workload}"
        );
    }
    let summary = read(&out.join("summary.md"));
    assert!(
        summary.contains("## Scale `tiny`, profile `defaults`"),
        "{summary}"
    );
    assert!(
        summary.contains("## Scale `tiny`, profile `equal`"),
        "{summary}"
    );
    assert!(summary.contains("| readwhilewriting |"), "{summary}");
    // The summary lists workloads in a fixed order, defaults first, and
    // that order names every workload the suite runs.
    let defaults = summary.find("profile `defaults`").unwrap();
    let equal = summary.find("profile `equal`").unwrap();
    assert!(defaults < equal);
    let at = |w: &str| summary[defaults..equal].find(&format!("| {w} |")).unwrap();
    assert!(at("fillseq") < at("fillrandom") && at("deleterandom") < at("ycsb-e"));
    for row in &rows {
        let workload = row.split(',').nth(6).unwrap();
        assert!(
            WORKLOADS.contains(&workload),
            "{workload} is not in WORKLOADS"
        );
    }
    let order = read(&out.join("order.txt"));
    assert_eq!(order.lines().count(), 2 * 2 * 5 * 3);
    for file in [
        "timelines.csv",
        "timeline-tiny-equal-overwrite.svg",
        "settings/ferrisdb-equal.txt",
        "settings/fjall-defaults-lz4.txt",
        "settings/fjall-equal-sync.txt",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    assert!(
        !out.join("failures.txt").exists(),
        "{}",
        read(&out.join("failures.txt"))
    );
    // The databases are gone; the results stay.
    assert_eq!(std::fs::read_dir(out.join("db")).unwrap().count(), 0);

    std::fs::remove_file(out.join("summary.md")).unwrap();
    compare(&["report", "--out", out_arg]);
    assert_eq!(read(&out.join("summary.md")), summary);
}

#[test]
fn ab_prints_a_ratio_per_workload() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("ab");
    let bin = env!("CARGO_BIN_EXE_ferrisdb-compare");
    let output = compare(&[
        "ab",
        "--a",
        bin,
        "--b",
        bin,
        "--pairs",
        "3",
        "--groups",
        "fillseq,fillsync",
        "--scale",
        "tiny",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    for workload in ["fillseq", "fillsync/1t", "fillsync/16t"] {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(workload))
            .unwrap_or_else(|| panic!("no line for {workload}: {text}"));
        assert!(line.contains('['), "{line}");
    }
    assert_eq!(read(&out.join("runs.csv")).lines().count(), 1 + 2 * 3 * 5);
}

#[test]
fn bad_names_are_one_line_errors() {
    for args in [
        &["run", "--engines", "leveldb"][..],
        &["run", "--groups", "fillall"][..],
        &["run", "--profiles", "fast"][..],
    ] {
        let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb-compare"))
            .args(args)
            .output()
            .unwrap();
        assert!(!output.status.success(), "{args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
        assert!(stderr.starts_with("ferrisdb-compare: unknown"), "{stderr}");
    }
}
