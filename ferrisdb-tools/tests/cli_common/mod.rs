//! Running the `ferrisdb` binary, for the CLI scenario tests.

// Each scenario uses the helpers it needs.
#![allow(dead_code)]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

/// Runs `ferrisdb --db DB ARGS`, with `stdin` as its standard input.
pub fn ferrisdb_with(db: &Path, args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ferrisdb"))
        .arg("--db")
        .arg(db)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // A command that fails early may not read it all.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

/// Runs `ferrisdb --db DB ARGS` with an empty standard input.
pub fn ferrisdb(db: &Path, args: &[&str]) -> Output {
    ferrisdb_with(db, args, b"")
}

/// Runs it and returns its stdout, which it must print with exit code 0.
pub fn ok(db: &Path, args: &[&str]) -> String {
    let output = ferrisdb(db, args);
    assert!(output.status.success(), "ferrisdb {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The one line `output` printed on stderr, `ferrisdb: ...`, which it must
/// print with exit code `code` and nothing on stdout.
pub fn one_line_failure(output: &Output, code: i32) -> String {
    assert_eq!(output.status.code(), Some(code), "{output:?}");
    assert!(output.stdout.is_empty(), "{output:?}");
    let stderr = String::from_utf8(output.stderr.clone()).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("ferrisdb: "), "{stderr}");
    stderr
}

/// Runs it and returns its one line of stderr, with exit code 1.
pub fn fails(db: &Path, args: &[&str]) -> String {
    one_line_failure(&ferrisdb(db, args), 1)
}

/// Dumps the database `from` into the file `dump` (`--hex` if `hex`) and
/// loads that dump into the new database `to`; both must succeed.
pub fn dump_and_load(from: &Path, dump: &Path, to: &Path, hex: bool) {
    let dump = dump.to_str().unwrap();
    let mut args = vec!["dump", "--out", dump];
    if hex {
        args.insert(0, "--hex");
    }
    ok(from, &args);
    ok(to, &["load", "--in", dump]);
}
