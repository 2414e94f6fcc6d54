//! `ferrisdb`: inspects, changes, verifies and copies a database (see
//! `ferrisdb --help` and `ferrisdb_tools::cli`). A failure prints one line,
//! `ferrisdb: <what went wrong>`, and exits with 1; `verify` exits with 2
//! when it finds damage.

#![forbid(unsafe_code)]

use std::process::ExitCode;

use clap::Parser;
use ferrisdb_tools::cli::{run, Cli, EXIT_ERROR};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let stdout = std::io::stdout();
    match run(&cli, &mut stdout.lock()) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("ferrisdb: {}", failure.0);
            ExitCode::from(EXIT_ERROR)
        }
    }
}
