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
//! logs are in (see `keyspace_names.rs`).

use std::io::Write;
use std::path::{Path, PathBuf};

use ferrisdb_core::Operation;
use ferrisdb_storage::fs::{os_file_system, FileSystem};
use ferrisdb_storage::internals::write_batch::{decode_logged, error_in_log, iter_in};
use ferrisdb_storage::wal::{
    wal_files, DamageKind, PayloadKind, RecoveryMode, WalDamage, WalReader,
};

use crate::render::render_bytes;
use json::{json_line, DamageJson, EntryJson, RecordJson, SizesJson, SummaryJson, SummaryLineJson};
use keyspace_names::KeyspaceNames;

mod json;
mod keyspace_names;

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

/// What was seen across all files.
#[derive(Debug, Default)]
struct Summary {
    files: u64,
    bytes: u64,
    records: u64,
    puts: u64,
    deletes: u64,
    keys: SizeStats,
    values: SizeStats,
    /// `(file, damage, dropped bytes)` of every damaged file.
    damage: Vec<(PathBuf, WalDamage, u64)>,
}

#[derive(Debug, Default)]
struct SizeStats {
    count: u64,
    total: u64,
    min: u64,
    max: u64,
}

impl SizeStats {
    fn add(&mut self, size: usize) {
        let size = size as u64;
        self.min = if self.count == 0 {
            size
        } else {
            self.min.min(size)
        };
        self.max = self.max.max(size);
        self.total += size;
        self.count += 1;
    }

    fn text(&self) -> String {
        if self.count == 0 {
            return "none".to_string();
        }
        let avg = self.total as f64 / self.count as f64;
        format!("min {} avg {avg:.1} max {} bytes", self.min, self.max)
    }

    fn json(&self) -> SizesJson {
        let avg = if self.count == 0 {
            0.0
        } else {
            self.total as f64 / self.count as f64
        };
        SizesJson {
            count: self.count,
            min: self.min,
            // One decimal, as the text output prints it.
            avg: (avg * 10.0).round() / 10.0,
            max: self.max,
            total: self.total,
        }
    }
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
                let dropped = reader.file_len() - record.offset;
                summary.damage.push((path.to_path_buf(), damage, dropped));
                return finish_file(&reader, args, out);
            }
        };
        summary.records += 1;
        let mut entries = Vec::new();
        for (keyspace, op, key, value) in iter_in(batch.entries()) {
            summary.keys.add(key.len());
            match op {
                Operation::Put => {
                    summary.puts += 1;
                    summary.values.add(value.len());
                }
                Operation::Delete => summary.deletes += 1,
            }
            // Text output quotes escaped bytes; JSON strings are quoted anyway.
            let quote = !args.json;
            let key = render_bytes(key, args.hex, true, quote);
            let value =
                (op == Operation::Put).then(|| render_bytes(value, args.hex, args.full, quote));
            entries.push((names.label(keyspace), op, key, value));
        }
        if args.json {
            let line = RecordJson {
                file: path.display().to_string(),
                offset: record.offset,
                timestamp,
                count: batch.entries().len(),
                entries: entries
                    .into_iter()
                    .map(|(keyspace, op, key, value)| EntryJson {
                        op: op.to_string(),
                        keyspace: keyspace.id,
                        keyspace_name: keyspace.name.map(str::to_string),
                        keyspace_dropped: keyspace.dropped,
                        key,
                        value,
                    })
                    .collect(),
            };
            json_line(out, &line).map_err(io_err)?;
        } else {
            for (keyspace, op, key, value) in &entries {
                let value = value
                    .as_ref()
                    .map_or(String::new(), |v| format!(" value={v}"));
                writeln!(
                    out,
                    "@{} ts={timestamp} {op} ks={keyspace} key={key}{value}",
                    record.offset
                )
                .map_err(io_err)?;
            }
        }
    }
    if let Some(damage) = reader.damage() {
        summary
            .damage
            .push((path.to_path_buf(), damage.clone(), reader.dropped_bytes()));
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
    writeln!(
        out,
        "-- {state}; durable length {} bytes",
        reader.durable_len()
    )
    .map_err(|e| format!("cannot write output: {e}"))
}

fn print_summary(args: &WalReaderArgs, out: &mut dyn Write, s: &Summary) -> std::io::Result<()> {
    if args.json {
        let damage = s
            .damage
            .iter()
            .map(|(file, d, dropped)| DamageJson {
                file: file.display().to_string(),
                offset: d.offset,
                kind: match d.kind {
                    DamageKind::TornTail => "torn_tail",
                    DamageKind::Corruption => "corruption",
                },
                reason: d.reason.clone(),
                dropped_bytes: *dropped,
            })
            .collect();
        let line = SummaryLineJson {
            summary: SummaryJson {
                files: s.files,
                bytes: s.bytes,
                records: s.records,
                puts: s.puts,
                deletes: s.deletes,
                key_sizes: s.keys.json(),
                value_sizes: s.values.json(),
                damage,
            },
        };
        return json_line(out, &line);
    }
    writeln!(out, "-- summary")?;
    writeln!(
        out,
        "files: {}, bytes: {}, records: {}, puts: {}, deletes: {}",
        s.files, s.bytes, s.records, s.puts, s.deletes
    )?;
    writeln!(out, "key sizes: {}", s.keys.text())?;
    writeln!(out, "value sizes: {}", s.values.text())?;
    if s.damage.is_empty() {
        writeln!(out, "damage: none")?;
    }
    for (file, damage, dropped) in &s.damage {
        writeln!(
            out,
            "damage: {}: {damage} ({dropped} bytes dropped)",
            file.display()
        )?;
    }
    Ok(())
}
