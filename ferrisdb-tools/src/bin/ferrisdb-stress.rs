//! `ferrisdb-stress [--crash-test] ...`: db_stress-style stress and SIGKILL
//! crash test of FerrisDB. See `ferrisdb_tools::stress`.

use clap::Parser;
use ferrisdb_tools::stress::{run, StressArgs};

fn main() {
    let args = StressArgs::parse();
    let code = run(&args, &mut std::io::stdout().lock());
    std::process::exit(code);
}
