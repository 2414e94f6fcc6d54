//! `ferrisdb`: the administration tool for a whole database, RocksDB's `ldb`
//! for FerrisDB. `src/bin/ferrisdb.rs` parses the command line into a
//! [`Cli`] and calls [`run`]; everything it does is here, one file per kind
//! of command:
//!
//! - `data.rs`: `get`, `put`, `delete`, `scan`;
//! - `transfer.rs`: `dump` and `load`, as JSON lines;
//! - `admin.rs`: `keyspaces`, `manifest`, `verify`, `compact`,
//!   `checkpoint`, `stats`;
//! - `progress.rs`: the progress bar a long command shows on a terminal;
//! - `usage.rs`: a command line that does not parse;
//! - `stdout.rs`: standard output whose reader may go away (`| head`).
//!
//! Every command takes `--db`, `--keyspace`, `--hex` and `--json`. The
//! commands that only read open the database read-only
//! ([`StorageEngine::open_read_only`]), so they work while another process
//! has it open for writing; the others open it for writing, and refuse
//! while another process holds it.

mod admin;
mod data;
mod progress;
mod stdout;
mod transfer;
mod usage;

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use ferrisdb_core::unescape_bytes;
use ferrisdb_storage::{
    Error, Keyspace, StorageConfig, StorageEngine, MAX_KEY_SIZE, MAX_VALUE_SIZE,
};

use crate::render::render_bytes;

pub use data::ScanArgs;
pub use stdout::WatchedOutput;
pub use transfer::{DumpArgs, LoadArgs};
pub use usage::{parse_args, usage_error};

/// The exit code of a command that failed.
pub const EXIT_ERROR: u8 = 1;
/// The exit code of `verify` when it found damage.
pub const EXIT_DAMAGED: u8 = 2;

/// Inspects, changes, verifies and copies a FerrisDB database.
#[derive(Debug, Parser)]
#[command(name = "ferrisdb", version)]
pub struct Cli {
    /// What every command takes.
    #[command(flatten)]
    pub global: Global,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The options of every command.
#[derive(Debug, Args)]
pub struct Global {
    /// The database directory.
    #[arg(long, global = true, default_value = ".")]
    pub db: PathBuf,
    /// The keyspace the command reads or writes: `default` without it
    /// (`dump` and `manifest` show every keyspace without it). It must
    /// exist, except for `load` and `put --create-keyspace`, which make it.
    #[arg(long, global = true)]
    pub keyspace: Option<String>,
    /// Keys and values, given and shown, as hex instead of escaped text
    /// (printable ASCII as is, `\\` for a backslash, `\xNN` for any byte).
    #[arg(long, global = true)]
    pub hex: bool,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Prints the value of a key.
    Get {
        /// The key.
        key: String,
    },
    /// Writes a value.
    Put {
        /// The key.
        key: String,
        /// The value.
        value: String,
        /// Makes the keyspace of `--keyspace` if it is missing (without
        /// it a missing keyspace is refused, so a mistyped name writes
        /// nowhere).
        #[arg(long)]
        create_keyspace: bool,
    },
    /// Deletes a key.
    Delete {
        /// The key.
        key: String,
    },
    /// Prints the pairs of a range, in key order.
    Scan(ScanArgs),
    /// Lists the keyspaces.
    Keyspaces,
    /// Writes every pair as JSON lines, to stdout or a file.
    Dump(DumpArgs),
    /// Writes the pairs of JSON lines made by `dump`, making the database
    /// (in a missing or empty directory) and its keyspaces if missing.
    Load(LoadArgs),
    /// Prints the manifest: each keyspace's levels, tables, key ranges and
    /// sizes.
    Manifest,
    /// Reads every live table and log and checks every checksum and
    /// invariant. Exit code 0: intact; 2: damage found.
    Verify,
    /// Rebuilds a database that no longer opens (a lost or damaged
    /// manifest, a damaged table or log) from what is readable in its
    /// directory, moving every file it no longer uses into `lost/`; it
    /// deletes nothing. The database must be closed. Exit code 0: every
    /// file read whole; 2: repaired, but damage may have hidden newer
    /// versions or tombstones in the ranges it names.
    Repair {
        /// Refuse, changing nothing, if damage may have hidden newer
        /// versions or tombstones anywhere.
        #[arg(long)]
        strict: bool,
    },
    /// Compacts the whole database.
    Compact,
    /// Writes a consistent copy of the database to a new directory.
    Checkpoint {
        /// The directory of the copy (must not exist, or be empty).
        dir: PathBuf,
    },
    /// Prints the engine's statistics.
    Stats,
}

/// What a failed command reports: one line, without the program's name.
#[derive(Debug)]
pub struct Failure(pub String);

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Self {
        Failure(error.to_string())
    }
}

/// The outcome of a command that ran: its exit code.
pub type Outcome = Result<u8, Failure>;

/// Runs `cli`, printing to `out`.
///
/// # Errors
///
/// The [`Failure`] of the command, which the binary prints as one line
/// and exits with [`EXIT_ERROR`].
pub fn run(cli: &Cli, out: &mut dyn Write) -> Outcome {
    let g = &cli.global;
    match &cli.command {
        Command::Get { key } => data::get(g, key, out),
        Command::Put {
            key,
            value,
            create_keyspace,
        } => data::put(g, key, value, *create_keyspace),
        Command::Delete { key } => data::delete(g, key),
        Command::Scan(args) => data::scan(g, args, out),
        Command::Keyspaces => admin::keyspaces(g, out),
        Command::Dump(args) => transfer::dump(g, args, out),
        Command::Load(args) => transfer::load(g, args),
        Command::Manifest => admin::manifest(g, out),
        Command::Verify => admin::verify(g, out),
        Command::Repair { strict } => admin::repair(g, *strict, out),
        Command::Compact => admin::compact(g),
        Command::Checkpoint { dir } => admin::checkpoint(g, dir),
        Command::Stats => admin::stats(g, out),
    }
}

impl Global {
    /// The database, opened read-only.
    fn read(&self) -> Result<StorageEngine, Failure> {
        Ok(self.read_only()?)
    }

    /// [`read`](Self::read), with the engine's own error.
    fn read_only(&self) -> Result<StorageEngine, Error> {
        StorageEngine::open_read_only(self.config())
    }

    /// The database, opened for writing; made if `create` and missing.
    fn write(&self, create: bool) -> Result<StorageEngine, Failure> {
        let config = StorageConfig {
            create_if_missing: create,
            // What any database may hold, not the default limits: a dump of
            // one whose application allows longer keys or values loads.
            max_key_size: MAX_KEY_SIZE,
            max_value_size: MAX_VALUE_SIZE,
            ..self.config()
        };
        Ok(StorageEngine::open(config)?)
    }

    fn config(&self) -> StorageConfig {
        StorageConfig::new(&self.db)
    }

    /// The name `--keyspace` gives: `default` without it.
    fn keyspace_name(&self) -> &str {
        self.keyspace.as_deref().unwrap_or("default")
    }

    /// The keyspace of `--keyspace` in `db`, which must exist: a mistyped
    /// name is refused with the names there are, never made (nor, read
    /// only, refused as a write).
    fn keyspace(&self, db: &StorageEngine) -> Result<Keyspace, Failure> {
        let name = self.keyspace_name();
        let names = db.keyspaces();
        if !names.iter().any(|n| n == name) {
            return Err(Failure(format!(
                "{} has no keyspace {name:?}; its keyspaces: {}",
                self.db.display(),
                names.join(", ")
            )));
        }
        Ok(db.keyspace(name)?)
    }

    /// The bytes `text` gives: hex with `--hex`, escaped text otherwise.
    fn bytes(&self, text: &str) -> Result<Vec<u8>, Failure> {
        if self.hex {
            return from_hex(text).map_err(Failure);
        }
        unescape_bytes(text).map_err(Failure)
    }

    /// `bytes` shown whole, as `bytes` reads them back.
    fn show(&self, bytes: &[u8]) -> String {
        render_bytes(bytes, self.hex, true, false)
    }
}

/// The bytes of hex text: two digits (either case) per byte.
/// An error names the place, not the whole text, which may be a value of
/// megabytes.
fn from_hex(text: &str) -> Result<Vec<u8>, String> {
    if let Some((at, c)) = text.char_indices().find(|(_, c)| !c.is_ascii_hexdigit()) {
        return Err(format!(
            "not hex: {c:?} at byte {at}; give two hex digits (0-9, a-f) per byte"
        ));
    }
    if !text.len().is_multiple_of(2) {
        return Err(format!(
            "not hex: an odd number of digits ({}); give two per byte",
            text.len()
        ));
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).map_err(|e| e.to_string()))
        .collect()
}

/// Writes `line` and a newline to `out`.
fn say(out: &mut dyn Write, line: impl std::fmt::Display) -> io::Result<()> {
    writeln!(out, "{line}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_reads_back_what_it_shows() {
        let bytes = [0u8, 0xab, 0x7f];
        assert_eq!(from_hex(&crate::render::hex(&bytes)).unwrap(), bytes);
        assert_eq!(from_hex("ABcd").unwrap(), [0xab, 0xcd]);
        for bad in ["a", "zz", "+1", "0x00"] {
            assert!(from_hex(bad).is_err(), "{bad}");
        }
    }
}
