//! `dump` and `load`: a database's pairs as JSON lines, a portable copy
//! that any version of FerrisDB (or another store) can read back.
//!
//! ```text
//! {"ferrisdb_dump":1,"encoding":"escaped","keyspaces":["default","logs"]}
//! {"keyspace":"default","key":"user:1","value":"alice"}
//! {"keyspace":"logs","key":"\\x00\\x01","value":"..."}
//! {"ferrisdb_dump_end":2}
//! ```
//!
//! The first line says how keys and values are written: `escaped` (printable
//! ASCII as is, `\\` for a backslash, `\xNN` for any other byte) or `hex`
//! (`--hex`), and names the keyspaces dumped, so a load makes the empty ones
//! too. `load` reads the encoding from it, so a dump loads whatever `--hex`
//! says then. The last line counts the pairs: a dump without it was cut
//! short, and `load` says so instead of taking it for a whole one.
//! A dump holds pairs and keyspace names, not the keyspaces' options: a
//! load makes missing keyspaces with the database's settings.

mod dump_lines;
mod loader;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use clap::Args;

use super::progress::Progress;
use super::{Failure, Global, Outcome};
use crate::render::render_bytes;
use dump_lines::{Encoding, End, Header, Pair, VERSION};
use loader::{read_header, Loader};

/// `dump`'s destination.
#[derive(Debug, Args)]
pub struct DumpArgs {
    /// The file to write (stdout without it).
    #[arg(long)]
    pub out: Option<PathBuf>,
}

/// `load`'s source.
#[derive(Debug, Args)]
pub struct LoadArgs {
    /// The dump to read (stdin without it).
    #[arg(long = "in")]
    pub input: Option<PathBuf>,
}

/// `dump`: every keyspace (or `--keyspace`'s), in key order.
pub fn dump(g: &Global, args: &DumpArgs, out: &mut dyn Write) -> Outcome {
    let db = g.read()?;
    let keyspaces = match &g.keyspace {
        Some(_) => vec![g.keyspace(&db)?.name().to_owned()],
        None => db.keyspaces(),
    };
    let mut file;
    let out: &mut dyn Write = match &args.out {
        Some(path) => {
            file = BufWriter::new(
                File::create(path)
                    .map_err(|e| Failure(format!("cannot create {}: {e}", path.display())))?,
            );
            &mut file
        }
        None => out,
    };
    let encoding = if g.hex {
        Encoding::Hex
    } else {
        Encoding::Escaped
    };
    let header = Header {
        ferrisdb_dump: VERSION,
        encoding,
        keyspaces,
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    // About as many pairs as the tables hold live entries: versions a
    // flush or compaction has not dropped yet count too, and MemTables not.
    let mut estimate = 0;
    for name in &header.keyspaces {
        for table in db.keyspace(name)?.live_tables() {
            estimate += table.entry_count.saturating_sub(table.tombstone_count);
        }
    }
    // Its pairs on the terminal, a bar there would redraw amid their lines.
    let progress = if args.out.is_none() && std::io::stdout().is_terminal() {
        Progress::hidden()
    } else {
        Progress::counting("dumped", "pairs", Some(estimate))
    };
    let mut pairs = 0;
    for name in &header.keyspaces {
        for item in db.keyspace(name)?.iter()? {
            let (key, value) = item?;
            let line = Pair {
                keyspace: name.clone(),
                key: render_bytes(&key, g.hex, true, false),
                value: render_bytes(&value, g.hex, true, false),
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            pairs += 1;
            progress.add(1);
        }
    }
    let end = End {
        ferrisdb_dump_end: pairs,
    };
    writeln!(out, "{}", serde_json::to_string(&end)?)?;
    out.flush()?;
    progress.finish();
    Ok(0)
}

/// `load`: writes every pair of a dump, in batches, making the database
/// (in a missing or empty directory) and its keyspaces if missing.
pub fn load(g: &Global, args: &LoadArgs) -> Outcome {
    let (input, size): (Box<dyn BufRead>, Option<u64>) = match &args.input {
        Some(path) => {
            let file = File::open(path)
                .map_err(|e| Failure(format!("cannot open {}: {e}", path.display())))?;
            let size = file.metadata().ok().map(|m| m.len());
            (Box::new(BufReader::new(file)), size)
        }
        None => (Box::new(std::io::stdin().lock()), None),
    };
    let mut lines = input.lines();
    let header = read_header(lines.next())?;
    may_make_a_database(&g.db)?;
    let db = g.write(true)?;
    let loaded = Loader::new(&db, Progress::bytes("loading", size)).load(header, lines)?;
    db.close()?;
    eprintln!("loaded {loaded} pairs");
    Ok(0)
}

/// Refuses to make a database in `dir` when it holds files but no database:
/// a `load` without `--db` (the current directory) or with a mistyped one
/// would otherwise scatter a database among someone else's files. A
/// missing or empty directory, or a database, is fine.
fn may_make_a_database(dir: &Path) -> Result<(), Failure> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        // Missing (or unreadable, which the open reports).
        return Ok(());
    };
    let names: Vec<_> = entries
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    if names.is_empty() || names.iter().any(|n| n == "MANIFEST") {
        return Ok(());
    }
    Err(Failure(format!(
        "{} holds files but no database: load makes a database only in a missing or empty \
         directory",
        dir.display()
    )))
}
