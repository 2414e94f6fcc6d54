//! `sstable-dump PATH`: prints a table's properties, index and filter, and
//! with `--entries` its entries; `--verify` checks it. Exit code 0: OK,
//! 1: damaged, 2: unreadable.

#![forbid(unsafe_code)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use ferrisdb_storage::fs::os_file_system;
use ferrisdb_tools::sstable_dump::{run, DumpArgs, EXIT_ERROR};

/// Prints what an SSTable holds and checks it.
#[derive(Debug, Parser)]
#[command(name = "sstable-dump", version)]
struct Cli {
    /// The table file (NNNNNN.sst).
    path: PathBuf,
    /// Print every entry (key@timestamp, operation, value).
    #[arg(long)]
    entries: bool,
    /// Print values whole instead of shortened.
    #[arg(long)]
    full: bool,
    /// Print keys and values as hex.
    #[arg(long)]
    hex: bool,
    /// Check every checksum and the key order. Exit code 0: OK, 1: damaged.
    #[arg(long)]
    verify: bool,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let args = DumpArgs {
        path: cli.path,
        entries: cli.entries,
        full: cli.full,
        hex: cli.hex,
        verify: cli.verify,
        json: cli.json,
    };
    let stdout = std::io::stdout();
    let code = match run(&os_file_system(), &args, &mut stdout.lock()) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("sstable-dump: cannot write the report: {e}");
            EXIT_ERROR
        }
    };
    ExitCode::from(u8::try_from(code).unwrap_or(2))
}
