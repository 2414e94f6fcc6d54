//! `sstable-dump`: prints what a table holds and checks it: its properties,
//! index, filter, range tombstones (the fragments of its range-delete block,
//! each with the timestamps of the tombstones over it) and, with
//! `--entries`, every entry.
//!
//! The binary parses flags into [`DumpArgs`] and calls [`run`], which writes
//! the report to any [`Write`] and returns the exit code:
//! [`EXIT_OK`], [`EXIT_DAMAGED`] (the table is corrupt; the report names the
//! first damage and its offset) or [`EXIT_ERROR`] (it could not be read at
//! all, e.g. it does not exist).

use std::io::{self, Write};
use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_core::{Error, Operation};

mod json;

use crate::render::render_bytes;
use ferrisdb_storage::fs::SharedFileSystem;
use ferrisdb_storage::internals::sstable::format::{RANGE_END_TS, RANGE_START_TS};
use ferrisdb_storage::sstable::{Cursor, FilterKind, TableReader};

/// The table is readable (and, with `--verify`, every check passed).
pub const EXIT_OK: i32 = 0;
/// The table is damaged: a checksum, length, offset or key order is wrong.
pub const EXIT_DAMAGED: i32 = 1;
/// The table could not be read (missing file, permission, I/O error).
pub const EXIT_ERROR: i32 = 2;

/// What to print.
#[derive(Debug, Clone, Default)]
pub struct DumpArgs {
    /// The table file.
    pub path: PathBuf,
    /// Print every entry.
    pub entries: bool,
    /// Print values whole instead of shortened.
    pub full: bool,
    /// Print keys and values as hex instead of escaped text.
    pub hex: bool,
    /// Check every checksum and the key order; the exit code tells the result.
    pub verify: bool,
    /// Print one JSON object instead of text.
    pub json: bool,
}

struct Printer<'a> {
    args: &'a DumpArgs,
    out: &'a mut dyn Write,
}

impl Printer<'_> {
    fn bytes(&self, bytes: &[u8], shorten: bool) -> String {
        render_bytes(bytes, self.args.hex, !shorten || self.args.full, false)
    }

    fn key(&self, user_key: &[u8], timestamp: u64) -> String {
        format!(
            "{}@{}",
            self.bytes(user_key, false),
            timestamp_text(timestamp)
        )
    }

    /// A range tombstone's start or end, whole, in quotes unless in hex.
    fn bound(&self, bytes: &[u8]) -> String {
        render_bytes(bytes, self.args.hex, true, true)
    }

    /// Reports `err` as the run's outcome and returns its exit code.
    fn failure(&mut self, err: &Error) -> io::Result<i32> {
        let (status, code) = outcome(err);
        writeln!(self.out, "{}: {err}", status.to_uppercase())?;
        Ok(code)
    }
}

/// Prints the table at `args.path` read through `fs` to `out`; returns the
/// exit code. Only a failure to write `out` is an `Err`.
pub fn run(fs: &SharedFileSystem, args: &DumpArgs, out: &mut dyn Write) -> io::Result<i32> {
    if args.json {
        return json::run(fs, args, out);
    }
    let mut p = Printer { args, out };
    writeln!(p.out, "table: {}", args.path.display())?;
    let table = match TableReader::open(fs, &args.path, None) {
        Ok(t) => t,
        Err(e) => return p.failure(&e),
    };
    print_metadata(&mut p, &table)?;
    print_range_tombstones(&mut p, &table)?;
    if args.entries {
        if let Err(e) = print_entries(&mut p, &table)? {
            return p.failure(&e);
        }
    }
    if args.verify {
        match table.verify() {
            Ok(n) => writeln!(
                p.out,
                "verify: OK ({n} entries, every checksum and the key order checked)"
            )?,
            Err(e) => return p.failure(&e),
        }
    }
    Ok(EXIT_OK)
}

/// A timestamp as printed after a key: a number, or the name of the
/// sentinel a table's bounds carry when they are a range tombstone's
/// (`RANGE_START_TS`: from the start; `RANGE_END_TS`: the keys below).
fn timestamp_text(timestamp: u64) -> String {
    match timestamp {
        RANGE_START_TS => "RANGE_START_TS".to_string(),
        RANGE_END_TS => "RANGE_END_TS".to_string(),
        ts => ts.to_string(),
    }
}

/// The status word and exit code of a run that failed with `err`.
fn outcome(err: &Error) -> (&'static str, i32) {
    if err.is_corruption() {
        ("damaged", EXIT_DAMAGED)
    } else {
        ("error", EXIT_ERROR)
    }
}

/// The table's numeric properties, named as both outputs print them, in
/// the order of the properties block (the keyspace, 0 for `default`, last).
fn property_numbers(table: &TableReader) -> [(&'static str, u64); 13] {
    let props = table.properties();
    [
        ("file_size", table.file_size()),
        ("entry_count", props.entry_count),
        ("tombstone_count", props.tombstone_count),
        ("key_count", props.key_count),
        ("min_timestamp", props.min_timestamp),
        ("max_timestamp", props.max_timestamp),
        ("raw_key_size", props.raw_key_size),
        ("raw_value_size", props.raw_value_size),
        ("data_block_count", props.data_block_count),
        ("data_size", props.data_size),
        ("index_size", props.index_size),
        ("filter_size", props.filter_size),
        ("keyspace", u64::from(props.keyspace)),
    ]
}

fn print_metadata(p: &mut Printer<'_>, table: &Arc<TableReader>) -> io::Result<()> {
    let props = table.properties();
    let filter = table.filter();
    let fp_rate = filter.estimated_false_positive_rate(props.key_count);
    let filter_bytes = filter.bit_count() / 8;
    let numbers = property_numbers(table);
    let smallest = p.key(&props.smallest_key.user_key, props.smallest_key.timestamp);
    let largest = p.key(&props.largest_key.user_key, props.largest_key.timestamp);
    writeln!(p.out, "properties:")?;
    for (name, value) in numbers {
        writeln!(p.out, "  {name}: {value}")?;
    }
    writeln!(p.out, "  smallest_key: {smallest}")?;
    writeln!(p.out, "  largest_key: {largest}")?;
    writeln!(p.out, "index: {} data blocks", table.index().len())?;
    for (i, e) in table.index().iter().enumerate() {
        let last = p.key(&e.last_key.user_key, e.last_key.timestamp);
        writeln!(
            p.out,
            "  block {i}: offset {} size {} last_key {last}",
            e.handle.offset, e.handle.size
        )?;
    }
    writeln!(
        p.out,
        "filter: {filter_bytes} bytes, {}, {} hashes, estimated false-positive rate {:.3}%",
        filter_kind_name(filter.kind()),
        filter.num_hashes(),
        fp_rate * 100.0
    )?;
    Ok(())
}

/// What the dump calls a filter of `kind`.
fn filter_kind_name(kind: FilterKind) -> &'static str {
    match kind {
        FilterKind::Standard => "standard",
        FilterKind::CacheLocal => "cache-local",
    }
}

/// Prints the range tombstones, if the table has any: one line per
/// fragment, `["start", "end") @newest ... @oldest`.
fn print_range_tombstones(p: &mut Printer<'_>, table: &Arc<TableReader>) -> io::Result<()> {
    let Some(block) = table.properties().range_deletes else {
        return Ok(());
    };
    writeln!(
        p.out,
        "range tombstones: {} fragments, {} tombstones, block at offset {} size {}",
        block.fragment_count, block.timestamp_count, block.handle.offset, block.handle.size
    )?;
    for f in table.range_tombstones().fragments() {
        let end = f.end.as_deref().map_or("∞".to_string(), |e| p.bound(e));
        let timestamps: Vec<String> = f.timestamps.iter().map(|ts| format!("@{ts}")).collect();
        writeln!(
            p.out,
            "  [{}, {end}) {}",
            p.bound(&f.start),
            timestamps.join(" ")
        )?;
    }
    Ok(())
}

/// Prints every entry; the inner `Err` is damage met on the way.
fn print_entries(p: &mut Printer<'_>, table: &Arc<TableReader>) -> io::Result<Result<(), Error>> {
    writeln!(p.out, "entries:")?;
    let mut it = table.iter();
    let mut step = it.seek_to_first();
    while step.is_ok() && it.valid() {
        let key = p.key(it.user_key(), it.timestamp());
        if it.operation() == Operation::Delete {
            writeln!(p.out, "  {key} DELETE")?;
        } else {
            let value = p.bytes(it.value(), true);
            writeln!(p.out, "  {key} PUT {value}")?;
        }
        step = it.next();
    }
    Ok(step)
}
