//! `ferrisdb-bench` end to end on a tiny database: every benchmark runs and
//! prints a db_bench-shaped line; `--keyspaces` spreads the keys; bad flags
//! fail with one line.

mod common;

use std::process::Command;

use ferrisdb_storage::{StorageConfig, StorageEngine};

/// Every benchmark but the transaction ones (`bench_transactions.rs`);
/// fillsync first, since it starts a fresh database of `num / 1000` entries.
const ALL: &str = "fillsync,fillseq,fillrandom,overwrite,readrandom,readseq,readreverse,\
readmissing,seekrandom,deleterandom,readwhilewriting,compact,waitforcompaction,stats";

fn is_result_line(line: &str, name: &str) -> bool {
    // "name         :       1.234 micros/op 810372 ops/sec;..."
    let Some((head, rest)) = line.split_once(" : ") else {
        return false;
    };
    head.trim_end() == name
        && head.len() >= 12
        && rest.len() > 11
        && rest[11..].starts_with(" micros/op ")
        && rest[..11].trim().parse::<f64>().is_ok()
        && rest.contains(" ops/sec;")
}

#[test]
fn every_benchmark_runs_on_a_tiny_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (code, out, err) = common::run_bench(&[
        format!("--benchmarks={ALL}"),
        "--num=1000".into(),
        "--threads=2".into(),
        "--histogram=1".into(),
        "--compaction_style=level".into(),
        format!("--db={}", db.display()),
    ]);
    assert_eq!(code, 0, "{err}\n{out}");
    for name in ALL.split(',') {
        if name == "stats" {
            continue;
        }
        assert!(
            out.lines().any(|l| is_result_line(l, name)),
            "no line for {name}:\n{out}"
        );
    }
    // fillrandom and overwrite drew 4000 keys of 1000: about 98% exist.
    let readrandom = out.lines().find(|l| l.starts_with("readrandom ")).unwrap();
    assert!(readrandom.contains(" of 2000 found)"), "{readrandom}");
    let readseq = out.lines().find(|l| l.starts_with("readseq ")).unwrap();
    assert!(readseq.contains(" MB/s"), "{readseq}");
    assert!(out.contains("(0 of 2000 found)"), "{out}");
    assert!(out.contains("Percentiles: P50:"), "{out}");
    assert!(out.contains("Write amplification:"), "{out}");
    assert!(out.contains("L0"), "{out}");
    // `compact` merged everything below level 0.
    let level0 = out.lines().find(|l| l.starts_with("L0 ")).unwrap();
    assert!(level0.split_whitespace().nth(1) == Some("0"), "{level0}");
    assert!(!err.contains("ignored"), "{err}");
}

#[test]
fn an_existing_database_is_kept_and_read() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("--db={}", dir.path().join("db").display());
    let (code, _, err) = common::run_bench(&[
        "--benchmarks=fillseq".into(),
        "--num=500".into(),
        db.clone(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, out, err) = common::run_bench(&[
        "--benchmarks=fillrandom,readrandom,readseq".into(),
        "--num=500".into(),
        "--use_existing_db=true".into(),
        db,
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("fillrandom   : skipped (--use_existing_db is true)"),
        "{out}"
    );
    assert!(out.contains("(500 of 500 found)"), "{out}");
}

#[test]
fn readrandom_does_not_replay_fillrandom_keys() {
    // A random fill of N draws from N keys writes about 63% of them; a
    // readrandom that reused fillrandom's seed would find all it looks for.
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = common::run_bench(&[
        "--benchmarks=fillrandom,readrandom".into(),
        "--num=2000".into(),
        format!("--db={}", dir.path().join("db").display()),
    ]);
    assert_eq!(code, 0, "{err}");
    let line = out.lines().find(|l| l.starts_with("readrandom")).unwrap();
    let found: u64 = line
        .rsplit_once('(')
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap();
    assert!((1000..1600).contains(&found), "{line}");
}

#[test]
fn the_binary_rejects_unknown_flags_in_one_line() {
    let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb-bench"))
        .arg("--no_such_flag=1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        err,
        "ferrisdb-bench: unknown flag '--no_such_flag' (see --help)\n"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn the_binary_prints_no_progress_when_not_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb-bench"))
        .arg("--benchmarks=fillseq,readseq")
        .arg("--num=2000")
        .arg(format!("--db={}", dir.path().join("db").display()))
        .output()
        .unwrap();
    assert!(output.status.success());
    assert!(
        output.stderr.is_empty(),
        "{:?}",
        String::from_utf8_lossy(&output.stderr)
    );
    let out = String::from_utf8(output.stdout).unwrap();
    assert!(!out.contains("finished"), "{out}");
    assert!(out.lines().any(|l| is_result_line(l, "fillseq")), "{out}");
}

#[test]
fn keys_are_spread_over_the_keyspaces_and_read_back_from_them() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (code, out, err) = common::run_bench(&[
        "--benchmarks=fillseq,readrandom,readseq,readreverse,seekrandom,readmissing,stats".into(),
        "--num=100".into(),
        "--keyspaces=2".into(),
        format!("--db={}", db.display()),
    ]);
    assert_eq!(code, 0, "{err}\n{out}");
    assert!(
        out.contains("Keyspaces:  2 (key i in ks{i mod 2})"),
        "{out}"
    );
    // Every key is found where it was put: gets and seeks look in the
    // right keyspace.
    let line = |name: &str| out.lines().find(|l| l.starts_with(name)).unwrap();
    assert!(line("readrandom ").contains("(100 of 100 found)"), "{out}");
    assert!(line("seekrandom ").contains("(100 of 100 found)"), "{out}");
    assert!(line("readmissing ").contains("(0 of 100 found)"), "{out}");
    assert!(out.contains("keyspaces x memtable_size"), "{out}");

    // The bench leaves its database: even keys in ks0, odd ones in ks1.
    let db = StorageEngine::open(StorageConfig::new(&db)).unwrap();
    assert_eq!(db.keyspaces(), ["default", "ks0", "ks1"]);
    assert_eq!(db.iter().unwrap().count(), 0, "nothing in default");
    for (name, parity) in [("ks0", 0), ("ks1", 1)] {
        let keys: Vec<u64> = db
            .keyspace(name)
            .unwrap()
            .iter()
            .unwrap()
            .map(|e| std::str::from_utf8(&e.unwrap().0).unwrap().parse().unwrap())
            .collect();
        let expected: Vec<u64> = (0..100).filter(|i| i % 2 == parity).collect();
        assert_eq!(keys, expected, "{name}");
    }
    db.close().unwrap();
}

#[test]
fn one_keyspace_is_the_default_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let (code, out, err) = common::run_bench(&[
        "--benchmarks=fillseq".into(),
        "--num=10".into(),
        format!("--db={}", db.display()),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Keyspaces:  1 (default)"), "{out}");
    let db = StorageEngine::open(StorageConfig::new(&db)).unwrap();
    assert_eq!(db.keyspaces(), ["default"]);
    assert_eq!(db.iter().unwrap().count(), 10);
    db.close().unwrap();
}
