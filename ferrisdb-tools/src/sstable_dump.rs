//! `sstable-dump`: prints what a table holds and checks it.
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

use crate::render::{json_string, render_bytes};
use ferrisdb_storage::fs::SharedFileSystem;
use ferrisdb_storage::sstable::TableReader;

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
        format!("{}@{timestamp}", self.bytes(user_key, false))
    }

    /// Reports `err` as the run's outcome and returns its exit code.
    fn failure(&mut self, err: &Error, first_field: bool) -> io::Result<i32> {
        let (status, code) = if err.is_corruption() {
            ("damaged", EXIT_DAMAGED)
        } else {
            ("error", EXIT_ERROR)
        };
        if self.args.json {
            let sep = if first_field { "" } else { "," };
            writeln!(
                self.out,
                "{sep}\"status\":{},\"error\":{}}}",
                json_string(status),
                json_string(&err.to_string())
            )?;
        } else {
            writeln!(self.out, "{}: {err}", status.to_uppercase())?;
        }
        Ok(code)
    }
}

/// Prints the table at `args.path` read through `fs` to `out`; returns the
/// exit code. Only a failure to write `out` is an `Err`.
pub fn run(fs: &SharedFileSystem, args: &DumpArgs, out: &mut dyn Write) -> io::Result<i32> {
    let mut p = Printer { args, out };
    if args.json {
        write!(
            p.out,
            "{{\"path\":{},",
            json_string(&args.path.display().to_string())
        )?;
    } else {
        writeln!(p.out, "table: {}", args.path.display())?;
    }
    let table = match TableReader::open(fs, &args.path, None) {
        Ok(t) => t,
        Err(e) => return p.failure(&e, true),
    };
    print_metadata(&mut p, &table)?;
    if args.entries {
        if let Err(e) = print_entries(&mut p, &table)? {
            return p.failure(&e, false);
        }
    }
    if args.verify {
        match table.verify() {
            Ok(n) if args.json => write!(p.out, ",\"verify\":{{\"ok\":true,\"entries\":{n}}}")?,
            Ok(n) => writeln!(
                p.out,
                "verify: OK ({n} entries, every checksum and the key order checked)"
            )?,
            Err(e) => return p.failure(&e, false),
        }
    }
    if args.json {
        writeln!(p.out, ",\"status\":\"ok\"}}")?;
    }
    Ok(EXIT_OK)
}

fn print_metadata(p: &mut Printer<'_>, table: &Arc<TableReader>) -> io::Result<()> {
    let props = table.properties();
    let filter = table.filter();
    let fp_rate = filter.estimated_false_positive_rate(props.key_count);
    let filter_bytes = filter.bit_count() / 8;
    let numbers = [
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
    ];
    let smallest = p.key(&props.smallest_key.user_key, props.smallest_key.timestamp);
    let largest = p.key(&props.largest_key.user_key, props.largest_key.timestamp);
    if p.args.json {
        write!(p.out, "\"properties\":{{")?;
        for (name, value) in numbers {
            write!(p.out, "\"{name}\":{value},")?;
        }
        write!(
            p.out,
            "\"smallest_key\":{},\"largest_key\":{}}},\"index\":[",
            json_string(&smallest),
            json_string(&largest)
        )?;
        for (i, e) in table.index().iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            let last = p.key(&e.last_key.user_key, e.last_key.timestamp);
            write!(
                p.out,
                "{sep}{{\"offset\":{},\"size\":{},\"last_key\":{}}}",
                e.handle.offset,
                e.handle.size,
                json_string(&last)
            )?;
        }
        write!(
            p.out,
            "],\"filter\":{{\"bytes\":{filter_bytes},\"hashes\":{},\"estimated_false_positive_rate\":{fp_rate:.6}}}",
            filter.num_hashes()
        )?;
    } else {
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
            "filter: {filter_bytes} bytes, {} hashes, estimated false-positive rate {:.3}%",
            filter.num_hashes(),
            fp_rate * 100.0
        )?;
    }
    Ok(())
}

/// Prints every entry; the inner `Err` is damage met on the way.
fn print_entries(p: &mut Printer<'_>, table: &Arc<TableReader>) -> io::Result<Result<(), Error>> {
    if p.args.json {
        write!(p.out, ",\"entries\":[")?;
    } else {
        writeln!(p.out, "entries:")?;
    }
    let mut it = table.iter();
    let mut step = it.seek_to_first();
    let mut first = true;
    while step.is_ok() && it.valid() {
        let key = p.key(it.user_key(), it.timestamp());
        let value = p.bytes(it.value(), true);
        if p.args.json {
            let sep = if first { "" } else { "," };
            let op = match it.operation() {
                Operation::Put => "PUT",
                Operation::Delete => "DELETE",
            };
            write!(
                p.out,
                "{sep}{{\"key\":{},\"op\":\"{op}\",\"value\":{}}}",
                json_string(&key),
                json_string(&value)
            )?;
        } else if it.operation() == Operation::Delete {
            writeln!(p.out, "  {key} DELETE")?;
        } else {
            writeln!(p.out, "  {key} PUT {value}")?;
        }
        first = false;
        step = it.next();
    }
    if p.args.json {
        write!(p.out, "]")?;
    }
    Ok(step)
}
