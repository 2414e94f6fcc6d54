//! `dump` and `load`: a database's pairs as JSON lines, a portable copy
//! that any version of FerrisDB (or another store) can read back.
//!
//! ```text
//! {"ferrisdb_dump":1,"encoding":"escaped"}
//! {"keyspace":"default","key":"user:1","value":"alice"}
//! {"keyspace":"logs","key":"\\x00\\x01","value":"..."}
//! ```
//!
//! The first line says how keys and values are written: `escaped` (printable
//! ASCII as is, `\\` for a backslash, `\xNN` for any other byte) or `hex`
//! (`--hex`). `load` reads the encoding from it, so a dump loads whatever
//! `--hex` says then.

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::PathBuf;

use clap::Args;
use ferrisdb_core::unescape_bytes;
use ferrisdb_storage::{StorageEngine, WriteBatch};
use serde::{Deserialize, Serialize};

use super::progress::Progress;
use super::{from_hex, Failure, Global, Outcome};
use crate::render::render_bytes;

/// The dump format's version, in its first line.
const VERSION: u32 = 1;
/// Pairs `load` writes in one batch.
const BATCH_PAIRS: usize = 1000;

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

/// The first line of a dump.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    ferrisdb_dump: u32,
    encoding: Encoding,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Encoding {
    Escaped,
    Hex,
}

/// Every other line.
#[derive(Debug, Serialize, Deserialize)]
struct Line {
    keyspace: String,
    key: String,
    value: String,
}

/// `dump`: every keyspace (or `--keyspace`'s), in key order.
pub fn dump(g: &Global, args: &DumpArgs, out: &mut dyn Write) -> Outcome {
    let db = g.read()?;
    let names = match &g.keyspace {
        Some(name) => vec![name.clone()],
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
    };
    writeln!(out, "{}", serde_json::to_string(&header)?)?;
    let progress = Progress::counting("dumped", "pairs");
    for name in names {
        for item in db.keyspace(&name)?.iter()? {
            let (key, value) = item?;
            let line = Line {
                keyspace: name.clone(),
                key: render_bytes(&key, g.hex, true, false),
                value: render_bytes(&value, g.hex, true, false),
            };
            writeln!(out, "{}", serde_json::to_string(&line)?)?;
            progress.add(1);
        }
    }
    out.flush()?;
    progress.finish();
    Ok(0)
}

/// `load`: writes every pair of a dump, in batches, making the database
/// and its keyspaces if missing.
pub fn load(g: &Global, args: &LoadArgs) -> Outcome {
    let input: Box<dyn BufRead> = match &args.input {
        Some(path) => {
            Box::new(BufReader::new(File::open(path).map_err(|e| {
                Failure(format!("cannot open {}: {e}", path.display()))
            })?))
        }
        None => Box::new(std::io::stdin().lock()),
    };
    let db = g.write(true)?;
    let loaded = load_lines(&db, input)?;
    db.close()?;
    eprintln!("loaded {loaded} pairs");
    Ok(0)
}

/// Writes the pairs of the dump `input` to `db`; returns how many.
fn load_lines(db: &StorageEngine, input: Box<dyn BufRead>) -> Result<u64, Failure> {
    let mut lines = input.lines().enumerate();
    let header: Header = match lines.next() {
        Some((_, line)) => serde_json::from_str(&line?)
            .map_err(|e| Failure(format!("line 1 is not a ferrisdb dump header: {e}")))?,
        None => return Err(Failure("the dump is empty: it has no header line".into())),
    };
    if header.ferrisdb_dump != VERSION {
        return Err(Failure(format!(
            "the dump is of format {}, this ferrisdb reads format {VERSION}",
            header.ferrisdb_dump
        )));
    }
    let decode = |text: &str| match header.encoding {
        Encoding::Hex => from_hex(text),
        Encoding::Escaped => unescape_bytes(text),
    };
    let progress = Progress::counting("loaded", "pairs");
    let mut batch = WriteBatch::new();
    let mut loaded = 0u64;
    for (index, line) in lines {
        let at = |e: String| Failure(format!("line {}: {e}", index + 1));
        let line: Line = serde_json::from_str(&line?).map_err(|e| at(e.to_string()))?;
        let key = decode(&line.key).map_err(at)?;
        let value = decode(&line.value).map_err(at)?;
        batch.put_in(&db.keyspace(&line.keyspace)?, key, value);
        if batch.len() >= BATCH_PAIRS {
            db.write(std::mem::replace(&mut batch, WriteBatch::new()))?;
        }
        loaded += 1;
        progress.add(1);
    }
    db.write(batch)?;
    progress.finish();
    Ok(loaded)
}
