//! `wal-reader`: prints the records of write-ahead log files for humans or
//! scripts.
//!
//! Exit codes: [`EXIT_OK`] when every file was read to its end,
//! [`EXIT_ERROR`] when a file could not be read at all (missing, not a WAL,
//! an I/O error), [`EXIT_TORN_TAIL`] when a log ends in a torn tail (what a
//! crash leaves; the engine recovers from it), [`EXIT_CORRUPTION`] when a log
//! is damaged in the middle.
//!
//! Each entry shows its keyspace, named by the MANIFEST of the directory the
//! logs are in (see `keyspace_names.rs`); a range delete shows its range,
//! `["a", "c")`, with `∞` for no end.

use std::io::Write;
use std::path::{Path, PathBuf};

use ferrisdb_core::Operation;
use ferrisdb_storage::fs::{os_file_system, FileSystem};
use ferrisdb_storage::internals::write_batch::{decode_logged, error_in_log, iter_in, Entry};
use ferrisdb_storage::wal::{
    wal_files, DamageKind, PayloadKind, RecoveryMode, WalDamage, WalReader,
};

use crate::render::render_bytes;
use json::{json_line, EntryJson, RecordJson};
use keyspace_names::{KeyspaceLabel, KeyspaceNames};
use summary::{print_summary, Summary};

mod json;
mod keyspace_names;
mod summary;

/// How a range delete's entry is named, in text and in JSON.
const DELETE_RANGE: &str = "DELETE_RANGE";

/// Every file was read to its end.
pub const EXIT_OK: i32 = 0;
/// A file could not be read: missing, not a WAL file, an I/O error.
pub const EXIT_ERROR: i32 = 1;
/// A log ends in a torn tail, as a crash leaves it.
pub const EXIT_TORN_TAIL: i32 = 2;
/// A log is damaged in the middle.
pub const EXIT_CORRUPTION: i32 = 3;

/// Prints the records of FerrisDB write-ahead log files.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "wal-reader",
    about = "Print the records of FerrisDB write-ahead log (.wal) files",
    after_help = "Exit status: 0 clean, 1 unreadable file, 2 torn tail, 3 corruption."
)]
pub struct WalReaderArgs {
    /// A WAL file, or a data directory whose WAL files are read in order.
    #[arg(default_value = "./data")]
    pub path: PathBuf,
    /// Print keys and values as hex instead of escaped text.
    #[arg(long)]
    pub hex: bool,
    /// Print values whole instead of shortening long ones.
    #[arg(long)]
    pub full: bool,
    /// Print one JSON object per record, then one for the summary.
    #[arg(long)]
    pub json: bool,
}

/// Runs the tool: prints to `out`, reports fatal errors as one line on `err`,
/// and returns the exit code.
pub fn run(args: &WalReaderArgs, out: &mut dyn Write, err: &mut dyn Write) -> i32 {
    let fs = os_file_system();
    match run_inner(&*fs, args, out, err) {
        Ok(summary) => match summary
            .damage
            .iter()
            .map(|(_, d, _)| d.kind)
            .max_by_key(|k| matches!(k, DamageKind::Corruption))
        {
            None => EXIT_OK,
            Some(DamageKind::TornTail) => EXIT_TORN_TAIL,
            Some(DamageKind::Corruption) => EXIT_CORRUPTION,
        },
        Err(message) => {
            let _ = writeln!(err, "wal-reader: {message}");
            EXIT_ERROR
        }
    }
}

fn run_inner(
    fs: &dyn FileSystem,
    args: &WalReaderArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, String> {
    let dir = if args.path.is_dir() {
        args.path.as_path()
    } else {
        match args.path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        }
    };
    let (names, warning) = KeyspaceNames::load(fs, dir);
    if let Some(warning) = warning {
        let _ = writeln!(err, "wal-reader: warning: {warning}");
    }
    let files = if args.path.is_dir() {
        let files = wal_files(fs, &args.path).map_err(|e| e.to_string())?;
        if files.is_empty() {
            return Err(format!(
                "no WAL files (NNNNNN.wal) in {}",
                args.path.display()
            ));
        }
        files.into_iter().map(|(_, path)| path).collect()
    } else {
        vec![args.path.clone()]
    };
    let mut summary = Summary::default();
    for path in &files {
        read_file(fs, path, args, &names, out, &mut summary)?;
    }
    print_summary(args, out, &summary).map_err(|e| format!("cannot write output: {e}"))?;
    Ok(summary)
}

fn read_file(
    fs: &dyn FileSystem,
    path: &Path,
    args: &WalReaderArgs,
    names: &KeyspaceNames,
    out: &mut dyn Write,
    summary: &mut Summary,
) -> Result<(), String> {
    let io_err = |e: std::io::Error| format!("cannot write output: {e}");
    // Point-in-time recovery prints everything before the first damage and
    // reports the damage instead of failing.
    let mut reader =
        WalReader::open(fs, path, RecoveryMode::PointInTimeRecovery).map_err(|e| e.to_string())?;
    summary.files += 1;
    summary.bytes += reader.file_len();
    if !args.json {
        let number = reader
            .header()
            .map_or("unknown".to_string(), |h| h.file_number.to_string());
        writeln!(
            out,
            "== {} (file number {number}, {} bytes)",
            path.display(),
            reader.file_len()
        )
        .map_err(io_err)?;
    }
    while let Some(record) = reader.next() {
        let record = record.map_err(|e| e.to_string())?;
        let legacy = record.kind == PayloadKind::LegacyBatch;
        let (timestamp, batch) = match decode_logged(&record.payload, legacy) {
            Ok(decoded) => decoded,
            Err(e) if e.is_unsupported() => {
                return Err(error_in_log(path, record.offset, e).to_string());
            }
            Err(e) => {
                // Its fragments checked out, so the bytes are as written and
                // are not a batch: corruption, which ends the file as
                // point-in-time recovery ends it.
                let damage = WalDamage {
                    offset: record.offset,
                    reason: format!("the record's payload is not a valid batch: {e}"),
                    kind: DamageKind::Corruption,
                };
                // To the end of the log's bytes, not of the file: the zeros
                // a writer preallocated past them hold nothing to drop.
                reader.by_ref().for_each(drop);
                let dropped = reader.data_len().saturating_sub(record.offset);
                summary.damage.push((path.to_path_buf(), damage, dropped));
                return finish_file(&reader, args, out);
            }
        };
        summary.records += 1;
        // Text output quotes escaped bytes; JSON strings are quoted anyway.
        let quote = !args.json;
        let bytes = |bytes: &[u8], whole: bool| render_bytes(bytes, args.hex, whole, quote);
        let mut entries = Vec::new();
        for entry in iter_in(batch.entries()) {
            entries.push(match entry {
                Entry::Point {
                    keyspace,
                    operation,
                    key,
                    value,
                } => {
                    summary.keys.add(key.len());
                    match operation {
                        Operation::Put => {
                            summary.puts += 1;
                            summary.values.add(value.len());
                        }
                        Operation::Delete => summary.deletes += 1,
                    }
                    let value = (operation == Operation::Put).then(|| bytes(value, args.full));
                    Shown {
                        keyspace: names.label(keyspace),
                        op: operation.to_string(),
                        key: bytes(key, true),
                        value,
                        end: None,
                    }
                }
                Entry::RangeDelete {
                    keyspace,
                    start,
                    end,
                } => {
                    summary.range_deletes += 1;
                    Shown {
                        keyspace: names.label(keyspace),
                        op: DELETE_RANGE.to_string(),
                        key: bytes(start, true),
                        value: None,
                        end: Some(end.map(|end| bytes(end, true))),
                    }
                }
            });
        }
        if args.json {
            let line = RecordJson {
                file: path.display().to_string(),
                offset: record.offset,
                timestamp,
                count: batch.entries().len(),
                entries: entries.into_iter().map(Shown::json).collect(),
            };
            json_line(out, &line).map_err(io_err)?;
        } else {
            for entry in &entries {
                writeln!(out, "@{} ts={timestamp} {}", record.offset, entry.text())
                    .map_err(io_err)?;
            }
        }
    }
    if let Some(damage) = reader.damage() {
        summary
            .damage
            .push((path.to_path_buf(), damage.clone(), reader.dropped_bytes()));
    }
    if let Some(start) = reader.zero_tail() {
        summary.zero_tail_bytes += reader.file_len() - start;
    }
    finish_file(&reader, args, out)
}

/// The line after a file's records: whether it is sealed, and its durable
/// length.
fn finish_file(
    reader: &WalReader,
    args: &WalReaderArgs,
    out: &mut dyn Write,
) -> Result<(), String> {
    if args.json {
        return Ok(());
    }
    // A sealed log was finished by its writer; the durable length is how
    // much of it a completed sync covered, so damage before it is
    // corruption, and after it what a crash leaves.
    let state = if reader.is_sealed() {
        "sealed"
    } else {
        "not sealed"
    };
    let io_err = |e: std::io::Error| format!("cannot write output: {e}");
    writeln!(
        out,
        "-- {state}; durable length {} bytes",
        reader.durable_len()
    )
    .map_err(io_err)?;
    // The bytes of the file the header line counted, past the records.
    if let Some(start) = reader.zero_tail() {
        writeln!(
            out,
            "-- zero tail: {} bytes of zeros from byte {start} to the end: room preallocated \
             past the records, never written",
            reader.file_len() - start
        )
        .map_err(io_err)?;
    }
    Ok(())
}

/// One entry as the output shows it: its bytes rendered.
struct Shown<'a> {
    keyspace: KeyspaceLabel<'a>,
    op: String,
    /// The key, or a range delete's start.
    key: String,
    /// A put's value.
    value: Option<String>,
    /// A range delete's end: `Some(None)` when it has none.
    end: Option<Option<String>>,
}

impl Shown<'_> {
    /// The entry on a line of text, after its record's offset and timestamp.
    fn text(&self) -> String {
        let Shown {
            keyspace, op, key, ..
        } = self;
        match (&self.value, &self.end) {
            (_, Some(end)) => {
                let end = end.as_deref().unwrap_or("∞");
                format!("{op} ks={keyspace} range=[{key}, {end})")
            }
            (Some(value), None) => format!("{op} ks={keyspace} key={key} value={value}"),
            (None, None) => format!("{op} ks={keyspace} key={key}"),
        }
    }

    /// The entry in a record's JSON line.
    fn json(self) -> EntryJson {
        EntryJson {
            op: self.op,
            keyspace: self.keyspace.id,
            keyspace_name: self.keyspace.name.map(str::to_string),
            keyspace_dropped: self.keyspace.dropped,
            key: self.key,
            value: self.value,
            end: self.end,
        }
    }
}
