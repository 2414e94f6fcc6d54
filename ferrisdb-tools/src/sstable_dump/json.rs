//! `sstable-dump --json`: the report as one JSON object, built as the table
//! is read and written by `serde_json` once, with the outcome last:
//!
//! ```text
//! {"path":..,"properties":{..},"index":[..],"filter":{..},
//!  "range_tombstones":{"offset":..,"size":..,"fragments":[{"start":..,"end":..,"timestamps":[..]}]},
//!  "entries":[..],"verify":{..},"status":"ok"|"damaged"|"error","error":".."}
//! ```
//!
//! Fields the run did not reach (the table would not open, `--entries` or
//! `--verify` not given) are left out, as are the range tombstones of a table
//! without any; entries read before damage are kept.

use std::io::{self, Write};

use ferrisdb_core::{Error, Operation};
use ferrisdb_storage::fs::SharedFileSystem;
use ferrisdb_storage::sstable::{Cursor, TableReader};
use serde::Serialize;

use super::{filter_kind_name, outcome, property_numbers, timestamp_text, DumpArgs, EXIT_OK};
use crate::render::render_bytes;

#[derive(Debug, Default, Serialize)]
struct Dump {
    path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<serde_json::Map<String, serde_json::Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    index: Option<Vec<IndexBlock>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filter: Option<Filter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    range_tombstones: Option<RangeTombstones>,
    #[serde(skip_serializing_if = "Option::is_none")]
    entries: Option<Vec<Entry>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    verify: Option<Verify>,
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

#[derive(Debug, Serialize)]
struct IndexBlock {
    offset: u64,
    size: u64,
    last_key: String,
}

#[derive(Debug, Serialize)]
struct Filter {
    bytes: u64,
    kind: &'static str,
    hashes: u8,
    estimated_false_positive_rate: f64,
}

#[derive(Debug, Serialize)]
struct RangeTombstones {
    offset: u64,
    size: u64,
    fragments: Vec<RangeFragment>,
}

/// One fragment: `[start, end)` (`end` null when unbounded, which no table
/// holds) and the timestamps over it, newest first.
#[derive(Debug, Serialize)]
struct RangeFragment {
    start: String,
    end: Option<String>,
    timestamps: Vec<u64>,
}

#[derive(Debug, Serialize)]
struct Entry {
    key: String,
    op: &'static str,
    value: String,
}

#[derive(Debug, Serialize)]
struct Verify {
    ok: bool,
    entries: u64,
}

/// Writes the JSON report of the table at `args.path` to `out`; returns the
/// exit code. Only a failure to write `out` is an `Err`.
pub(super) fn run(fs: &SharedFileSystem, args: &DumpArgs, out: &mut dyn Write) -> io::Result<i32> {
    let mut dump = Dump {
        path: args.path.display().to_string(),
        ..Dump::default()
    };
    let code = match fill(fs, args, &mut dump) {
        Ok(()) => {
            dump.status = "ok";
            EXIT_OK
        }
        Err(err) => {
            let (status, code) = outcome(&err);
            dump.status = status;
            dump.error = Some(err.to_string());
            code
        }
    };
    serde_json::to_writer(&mut *out, &dump).map_err(io::Error::from)?;
    writeln!(out)?;
    Ok(code)
}

/// Reads the table into `dump`, as far as it can be read.
fn fill(fs: &SharedFileSystem, args: &DumpArgs, dump: &mut Dump) -> Result<(), Error> {
    let table = TableReader::open(fs, &args.path, None)?;
    let props = table.properties();
    let key = |user_key: &[u8], timestamp: u64| {
        format!(
            "{}@{}",
            render_bytes(user_key, args.hex, true, false),
            timestamp_text(timestamp)
        )
    };
    let mut properties = serde_json::Map::new();
    for (name, value) in property_numbers(&table) {
        properties.insert(name.into(), value.into());
    }
    let smallest = key(&props.smallest_key.user_key, props.smallest_key.timestamp);
    let largest = key(&props.largest_key.user_key, props.largest_key.timestamp);
    properties.insert("smallest_key".into(), smallest.into());
    properties.insert("largest_key".into(), largest.into());
    dump.properties = Some(properties);
    dump.index = Some(
        table
            .index()
            .iter()
            .map(|e| IndexBlock {
                offset: e.handle.offset,
                size: e.handle.size,
                last_key: key(&e.last_key.user_key, e.last_key.timestamp),
            })
            .collect(),
    );
    let filter = table.filter();
    dump.filter = Some(Filter {
        bytes: filter.bit_count() / 8,
        kind: filter_kind_name(filter.kind()),
        hashes: filter.num_hashes(),
        estimated_false_positive_rate: filter.estimated_false_positive_rate(props.key_count),
    });
    if let Some(block) = props.range_deletes {
        let bound = |bytes: &[u8]| render_bytes(bytes, args.hex, true, false);
        dump.range_tombstones = Some(RangeTombstones {
            offset: block.handle.offset,
            size: block.handle.size,
            fragments: table
                .range_tombstones()
                .fragments()
                .iter()
                .map(|f| RangeFragment {
                    start: bound(&f.start),
                    end: f.end.as_deref().map(bound),
                    timestamps: f.timestamps.clone(),
                })
                .collect(),
        });
    }
    if args.entries {
        let entries = dump.entries.insert(Vec::new());
        let mut it = table.iter();
        it.seek_to_first()?;
        while it.valid() {
            entries.push(Entry {
                key: key(it.user_key(), it.timestamp()),
                op: match it.operation() {
                    Operation::Put => "PUT",
                    Operation::Delete => "DELETE",
                },
                value: render_bytes(it.value(), args.hex, args.full, false),
            });
            it.next()?;
        }
    }
    if args.verify {
        let entries = table.verify()?;
        dump.verify = Some(Verify { ok: true, entries });
    }
    Ok(())
}
