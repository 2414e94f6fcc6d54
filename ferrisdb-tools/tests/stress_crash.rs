//! `ferrisdb-stress --crash-test`: a short run of start, SIGKILL, verify;
//! and proof that verification notices a lost write.

use std::process::Command;

use ferrisdb_tools::stress::expected::{make_value, ExpectedState};

fn stress() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ferrisdb-stress"))
}

#[test]
fn a_short_crash_test_loses_no_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let output = stress()
        .arg("--db")
        .arg(&db)
        .args(["--crash-test", "--iterations", "3", "--duration", "3"])
        .args([
            "--keys",
            "1000",
            "--threads",
            "3",
            "--memtable-size",
            "65536",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("3 iterations") && stdout.contains("lost acknowledged writes: 0"),
        "{stdout}"
    );
}

#[test]
fn verification_reports_a_key_that_lost_its_acknowledged_write() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("db");
    let args = ["--keys", "200", "--threads", "2", "--ops-per-thread", "500"];
    let status = stress().arg("--db").arg(&db).args(args).status().unwrap();
    assert!(status.success());
    // Pretend key 7 had a newer acknowledged write the database does not hold.
    let mut expected_path = db.clone().into_os_string();
    expected_path.push(".expected");
    let expected = ExpectedState::open(expected_path.as_ref(), 200).unwrap();
    expected.set_both(7, make_value(1_000_000, true)).unwrap();
    drop(expected);
    let output = stress()
        .arg("--db")
        .arg(&db)
        .args(args)
        .arg("--verify-only")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("lost acknowledged writes: 1"), "{stdout}");
}
