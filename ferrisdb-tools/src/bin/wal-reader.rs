//! `wal-reader [PATH] [--hex] [--full] [--json]`: prints the records of
//! FerrisDB write-ahead log files. See `ferrisdb_tools::wal_reader`.

use clap::Parser;
use ferrisdb_tools::wal_reader::{run, WalReaderArgs};

fn main() {
    let args = WalReaderArgs::parse();
    let code = run(&args, &mut std::io::stdout().lock(), &mut std::io::stderr());
    std::process::exit(code);
}
