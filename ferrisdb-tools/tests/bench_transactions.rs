//! `ferrisdb-bench`'s transaction workloads end to end on a tiny database:
//! `txn_transfer`, `fetch_update`, `txn_put` and `txn_readput` each print a
//! db_bench line with their note, the checks they make hold (read back
//! here from the database the bench leaves), the attempts they count are at
//! least their operations, and their flags are checked.

mod common;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use ferrisdb_tools::bench::args::BenchArgs;
use ferrisdb_tools::bench::data::make_key;
use ferrisdb_tools::bench::transactions::INITIAL_BALANCE;

/// The result line of `name`, and its note (the text in its last
/// parentheses, empty when it has none).
fn line_and_note<'o>(out: &'o str, name: &str) -> (&'o str, &'o str) {
    let line = out
        .lines()
        .find(|l| l.split(" : ").next().map(str::trim_end) == Some(name))
        .unwrap_or_else(|| panic!("no line for {name}:\n{out}"));
    assert!(
        line.contains(" micros/op ") && line.contains(" ops/sec;"),
        "{line}"
    );
    let note = line
        .split_once(" (")
        .map_or("", |(_, note)| note.trim_end_matches(')'));
    (line, note)
}

/// "C conflicts in A attempts, P%": C and A.
fn conflicts_and_attempts(note: &str) -> (u64, u64) {
    let words: Vec<&str> = note.split_whitespace().collect();
    let at = words.iter().position(|&w| w == "conflicts").unwrap();
    assert_eq!(words[at + 1], "in", "{note}");
    (
        words[at - 1].parse().unwrap(),
        words[at + 2].parse().unwrap(),
    )
}

fn number(value: &[u8]) -> u64 {
    u64::from_le_bytes(value.try_into().unwrap())
}

#[test]
fn each_transaction_workload_runs_and_its_checks_hold() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let out = common::run_ok(&[
        "--benchmarks=fillrandom,txn_put,txn_readput,txn_transfer,fetch_update".into(),
        "--num=300".into(),
        "--threads=3".into(),
        "--txn_accounts=4".into(),
        "--txn_counters=2".into(),
        format!("--db={}", db.display()),
    ]);

    // txn_put writes what fillrandom writes, through transactions.
    let (fill, _) = line_and_note(&out, "fillrandom");
    let (put, note) = line_and_note(&out, "txn_put");
    assert!(fill.contains(" MB/s") && put.contains(" MB/s"), "{out}");
    assert_eq!(note, "", "{put}");

    // txn_readput reads keys txn_put wrote (about 95% of 300 by 3 x 300
    // random draws) and its blind reads and writes of random keys commit.
    let (_, note) = line_and_note(&out, "txn_readput");
    let found: u64 = note.split_whitespace().next().unwrap().parse().unwrap();
    assert!(note.contains(" of 900 found; "), "{note}");
    assert!((800..900).contains(&found), "{note}");
    let (conflicts, attempts) = conflicts_and_attempts(note);
    assert_eq!(attempts - conflicts, 900, "{note}");

    // txn_transfer: every transaction committed once, after its retries;
    // the total held.
    let (_, note) = line_and_note(&out, "txn_transfer");
    let (conflicts, attempts) = conflicts_and_attempts(note);
    assert_eq!(attempts - conflicts, 900, "{note}");
    assert!(
        note.ends_with(&format!(
            "; 4 accounts, total {} unchanged",
            4 * INITIAL_BALANCE
        )),
        "{note}"
    );

    // fetch_update: 3 threads x 300 increments over 2 counters.
    let (_, note) = line_and_note(&out, "fetch_update");
    let (conflicts, attempts) = conflicts_and_attempts(note);
    assert_eq!(attempts - conflicts, 900, "{note}");
    let per_op: f64 = note.split_whitespace().next().unwrap().parse().unwrap();
    assert!((per_op - attempts as f64 / 900.0).abs() < 0.01, "{note}");
    assert!(
        note.ends_with("; 2 counters adding up to 900 = 3 threads x 300"),
        "{note}"
    );

    // What the bench left agrees: the counters, keys 0 and 1 (set to 0
    // over the accounts 0 and 1), hold every increment.
    let db = StorageEngine::open(StorageConfig::new(&db)).unwrap();
    let get = |i: u64| number(&db.get(make_key(i, 16)).unwrap().unwrap());
    assert_eq!(get(0) + get(1), 900);
    db.close().unwrap();
}

#[test]
fn accounts_spread_over_keyspaces_and_one_counter_takes_every_increment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let out = common::run_ok(&[
        "--benchmarks=txn_transfer,fetch_update".into(),
        "--num=200".into(),
        "--threads=2".into(),
        "--txn_accounts=6".into(),
        "--keyspaces=3".into(),
        format!("--db={}", db.display()),
    ]);
    let (_, note) = line_and_note(&out, "txn_transfer");
    assert!(
        note.ends_with(&format!(
            "; 6 accounts, total {} unchanged",
            6 * INITIAL_BALANCE
        )),
        "{note}"
    );
    let (_, note) = line_and_note(&out, "fetch_update");
    assert!(
        note.ends_with("; 1 counter adding up to 400 = 2 threads x 200"),
        "{note}"
    );

    // Account i is in keyspace ks{i mod 3}; the counter in default.
    let db = StorageEngine::open(StorageConfig::new(&db)).unwrap();
    let mut total = 0;
    for i in 0..6u64 {
        let ks = db.keyspace(&format!("ks{}", i % 3)).unwrap();
        total += number(&ks.get(make_key(i, 16)).unwrap().unwrap());
    }
    assert_eq!(total, 6 * INITIAL_BALANCE);
    assert_eq!(number(&db.get(make_key(0, 16)).unwrap().unwrap()), 400);
    db.close().unwrap();
}

#[test]
fn transaction_flags_are_checked() {
    let parse = |flags: &[&str]| {
        BenchArgs::try_parse_args(std::iter::once("ferrisdb-bench").chain(flags.iter().copied()))
    };
    let args = parse(&["--benchmarks=txn_transfer,fetch_update"]).unwrap();
    assert_eq!((args.txn_accounts, args.txn_counters), (1000, 1));
    let (code, message) = parse(&["--txn_accounts=1"]).unwrap_err();
    assert_eq!(code, 1);
    assert!(
        message.contains("--txn_accounts must be at least 2"),
        "{message}"
    );
    let (_, message) = parse(&["--txn_counters=0"]).unwrap_err();
    assert!(
        message.contains("--txn_counters must be at least 1"),
        "{message}"
    );
    let (_, message) = parse(&["--key_size=3", "--num=10", "--txn_accounts=5000"]).unwrap_err();
    assert!(
        message.contains("--key_size=3 is too short for --txn_accounts=5000: keys are 4 digits"),
        "{message}"
    );
    let (code, help) = parse(&["--help"]).unwrap_err();
    assert_eq!(code, 0);
    for flag in [
        "--txn_accounts",
        "--txn_counters",
        "txn_transfer",
        "txn_readput",
    ] {
        assert!(help.contains(flag), "{flag} not in --help");
    }
}
