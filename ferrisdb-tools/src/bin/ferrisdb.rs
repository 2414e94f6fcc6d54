//! `ferrisdb`: inspects, changes, verifies and copies a database (see
//! `ferrisdb --help` and `ferrisdb_tools::cli`). A failure prints one line,
//! `ferrisdb: <what went wrong>`, and exits with 1 (a command line it does
//! not understand too); `verify` exits with 2 when it finds damage. Output
//! whose reader goes away (`ferrisdb scan | head`) ends it quietly.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use ferrisdb_tools::cli::{parse_args, run, WatchedOutput, EXIT_ERROR};

fn main() -> ExitCode {
    let cli = match parse_args() {
        Ok(cli) => cli,
        Err(code) => return ExitCode::from(code),
    };
    let mut out = WatchedOutput::new(std::io::stdout().lock());
    match run(&cli, &mut out) {
        Ok(code) => ExitCode::from(code),
        // Its reader has what it wanted (`ferrisdb scan | head`).
        Err(_) if out.reader_gone() => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("ferrisdb: {}", failure.0);
            ExitCode::from(EXIT_ERROR)
        }
    }
}
