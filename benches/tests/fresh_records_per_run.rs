//! Regression: `ferrisdb-compare run` run twice into one results directory
//! (what `benches/run-comparison.sh` does on every invocation) mixed both
//! invocations' records in one median.

use std::collections::HashSet;
use std::process::Command;

fn run(out: &str) {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb-compare"))
        .args([
            "run",
            "--scale",
            "tiny",
            "--runs",
            "1",
            "--engines",
            "ferrisdb",
            "--profiles",
            "equal",
            "--groups",
            "fillseq",
            "--out",
            out,
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `records.jsonl` is opened in append mode and never cleared by `run`, and
/// every invocation numbers its runs from 1 again: the second invocation's
/// "run 1" lands next to the first's, and the summary takes the median over
/// both. Nothing in a record tells the invocations (or the commits they
/// measured: `version` is the crate version, `env.txt` is overwritten with
/// the last commit) apart. `run-comparison.sh` says records "add up over
/// invocations"; then at least each row must stay identifiable.
#[test]
fn two_invocations_never_give_two_records_of_the_same_run() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let out = out.to_str().unwrap();
    run(out);
    run(out);
    let csv = std::fs::read_to_string(dir.path().join("out/runs.csv")).unwrap();
    let mut seen = HashSet::new();
    for row in csv.lines().skip(1) {
        let f: Vec<&str> = row.split(',').collect();
        // scale, engine, version, profile, run, _, workload
        let key = (f[0], f[1], f[2], f[3], f[4], f[6]);
        assert!(seen.insert(key), "two records of {key:?}:\n{csv}");
    }
}
