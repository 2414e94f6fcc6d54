//! `get`, `put`, `delete` and `scan`: one keyspace's pairs.

use std::io::Write;
use std::ops::Bound;

use clap::Args;
use ferrisdb_storage::Scan;
use serde_json::json;

use super::{say, Failure, Global, Outcome};

/// `scan`'s range and order.
#[derive(Debug, Args)]
pub struct ScanArgs {
    /// The first key (inclusive); from the first key of the keyspace
    /// without it.
    #[arg(long, conflicts_with = "prefix")]
    pub start: Option<String>,
    /// The key the scan stops before (exclusive); to the last key without
    /// it.
    #[arg(long, conflicts_with = "prefix")]
    pub end: Option<String>,
    /// Only the keys starting with this.
    #[arg(long)]
    pub prefix: Option<String>,
    /// At most this many pairs.
    #[arg(long)]
    pub limit: Option<usize>,
    /// From the last key to the first.
    #[arg(long)]
    pub reverse: bool,
}

/// `get KEY`: prints the value, or says the key is missing (exit code 1).
pub fn get(g: &Global, key: &str, out: &mut dyn Write) -> Outcome {
    let key = g.bytes(key)?;
    let db = g.read()?;
    let value = g.keyspace(&db)?.get(&key)?;
    match (value, g.json) {
        (Some(value), false) => say(out, g.show(&value))?,
        (Some(value), true) => say(out, pair(g, &key, &value))?,
        (None, _) => return Err(Failure(format!("key {} not found", g.show(&key)))),
    }
    Ok(0)
}

/// `put KEY VALUE`, into a keyspace made first if `create_keyspace`.
pub fn put(g: &Global, key: &str, value: &str, create_keyspace: bool) -> Outcome {
    let (key, value) = (g.bytes(key)?, g.bytes(value)?);
    let db = g.write(false)?;
    let keyspace = if create_keyspace {
        db.keyspace(g.keyspace_name())?
    } else {
        g.keyspace(&db)?
    };
    keyspace.put(key, value)?;
    db.close()?;
    Ok(0)
}

/// `delete KEY`.
pub fn delete(g: &Global, key: &str) -> Outcome {
    let key = g.bytes(key)?;
    let db = g.write(false)?;
    g.keyspace(&db)?.delete(key)?;
    db.close()?;
    Ok(0)
}

/// `scan`: one pair per line, `key => value` (or a JSON object).
pub fn scan(g: &Global, args: &ScanArgs, out: &mut dyn Write) -> Outcome {
    let db = g.read()?;
    let keyspace = g.keyspace(&db)?;
    let scan: Scan = match &args.prefix {
        Some(prefix) => keyspace.scan_prefix(g.bytes(prefix)?)?,
        None => {
            let start = bound(g, args.start.as_deref(), Bound::Included)?;
            let end = bound(g, args.end.as_deref(), Bound::Excluded)?;
            keyspace.scan::<Vec<u8>, _>((start, end))?
        }
    };
    let pairs: Box<dyn Iterator<Item = _>> = if args.reverse {
        Box::new(scan.rev())
    } else {
        Box::new(scan)
    };
    for item in pairs.take(args.limit.unwrap_or(usize::MAX)) {
        let (key, value) = item?;
        if g.json {
            say(out, pair(g, &key, &value))?;
        } else {
            say(out, format!("{} => {}", g.show(&key), g.show(&value)))?;
        }
    }
    Ok(0)
}

/// The bound `text` gives, of `kind`, or unbounded without one.
fn bound(
    g: &Global,
    text: Option<&str>,
    kind: fn(Vec<u8>) -> Bound<Vec<u8>>,
) -> Result<Bound<Vec<u8>>, Failure> {
    Ok(match text {
        Some(text) => kind(g.bytes(text)?),
        None => Bound::Unbounded,
    })
}

/// A pair as one JSON object, keys and values shown as `--hex` says.
fn pair(g: &Global, key: &[u8], value: &[u8]) -> serde_json::Value {
    json!({ "key": g.show(key), "value": g.show(value) })
}
