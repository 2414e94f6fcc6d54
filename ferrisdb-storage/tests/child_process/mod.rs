//! Tests that run their own test binary again as a child process, which
//! acts out a role instead of the test: how the parent starts the child
//! and hears what it says.
//!
//! The child is the same test run alone, with an environment variable set
//! that the test checks first. It says each line meant for the parent
//! after [`MARK`] ([`say`]), since the test harness prints text of its own,
//! and the parent reads those lines back ([`said`]).

// Each scenario uses the helpers it needs.
#![allow(dead_code)]

use std::fmt::Display;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Command, Stdio};

/// What starts each line a child says to its parent.
pub const MARK: &str = "child says: ";

/// The test binary, set to run the test `test_name` alone, its standard
/// error discarded; the caller sets the environment that makes it the
/// child, and the pipes it needs.
pub fn command(test_name: &str) -> Command {
    let mut command = Command::new(std::env::current_exe().unwrap());
    command
        .args(["--exact", test_name, "--nocapture", "--test-threads=1"])
        .stderr(Stdio::null());
    command
}

/// Says `line` to the parent on `out`, flushed, on a line of its own: the
/// harness may have left its own line unfinished.
pub fn say(out: &mut impl Write, line: impl Display) {
    writeln!(out, "\n{MARK}{line}").unwrap();
    out.flush().unwrap();
}

/// What a child said on `out`, line by line, until it closes it.
pub fn said(out: impl Read) -> impl Iterator<Item = String> {
    BufReader::new(out)
        .lines()
        .map_while(Result::ok)
        .filter_map(|l| l.strip_prefix(MARK).map(str::to_owned))
}
