//! `ferrisdb-compare`: FerrisDB against fjall and RocksDB, each engine in
//! its own process, in a shuffled and interleaved order. See
//! `docs/performance.md` and `benches/run-comparison.sh`.

use clap::Parser;

fn main() {
    let cli = ferrisdb_benches::compare::cli::Cli::parse();
    std::process::exit(ferrisdb_benches::compare::cli::main_with(cli));
}
