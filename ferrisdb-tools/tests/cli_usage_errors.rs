//! Regression: a command line clap refused exited with clap's code 2 and
//! printed several lines (the error, tips, the usage), so `ferrisdb verify
//! --bogus` in a health check read as "damage found". A usage error is one
//! line and exit code 1, as every other failure; `--help` is not an error.

mod cli_common;

use cli_common::{fails, ferrisdb};

#[test]
fn a_usage_error_exits_with_1_in_one_line_never_with_verifys_2() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    let unknown = fails(db, &["verify", "--bogus"]);
    assert!(unknown.contains("--bogus"), "{unknown}");
    let bad = fails(db, &["scan", "--limit", "ten"]);
    assert!(bad.contains("ten"), "{bad}");
    let missing = fails(db, &["get"]);
    assert!(missing.contains("<KEY>"), "{missing}");
    fails(db, &["frobnicate"]);

    let help = ferrisdb(db, &["--help"]);
    assert_eq!(help.status.code(), Some(0), "{help:?}");
    assert!(String::from_utf8(help.stdout).unwrap().contains("verify"));
    // Nothing was made where --db pointed.
    assert_eq!(std::fs::read_dir(db).unwrap().count(), 0);
}
