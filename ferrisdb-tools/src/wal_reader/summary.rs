//! `wal-reader`'s summary: what was seen across all files, and printing it
//! after the records.

use std::io::Write;
use std::path::PathBuf;

use ferrisdb_storage::wal::{DamageKind, WalDamage};

use super::json::{json_line, DamageJson, SizesJson, SummaryJson, SummaryLineJson};
use super::WalReaderArgs;

/// What was seen across all files.
#[derive(Debug, Default)]
pub(super) struct Summary {
    pub(super) files: u64,
    pub(super) bytes: u64,
    pub(super) records: u64,
    pub(super) puts: u64,
    pub(super) deletes: u64,
    pub(super) range_deletes: u64,
    /// Bytes of zeros past the records that end logs (room preallocated,
    /// never written): part of `bytes`.
    pub(super) zero_tail_bytes: u64,
    /// The sizes of the keys of puts and deletes.
    pub(super) keys: SizeStats,
    pub(super) values: SizeStats,
    /// `(file, damage, dropped bytes)` of every damaged file.
    pub(super) damage: Vec<(PathBuf, WalDamage, u64)>,
}

#[derive(Debug, Default)]
pub(super) struct SizeStats {
    count: u64,
    total: u64,
    min: u64,
    max: u64,
}

impl SizeStats {
    pub(super) fn add(&mut self, size: usize) {
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

/// Prints the summary: one JSON line with `--json`, a few lines of text
/// otherwise.
pub(super) fn print_summary(
    args: &WalReaderArgs,
    out: &mut dyn Write,
    s: &Summary,
) -> std::io::Result<()> {
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
                range_deletes: s.range_deletes,
                zero_tail_bytes: s.zero_tail_bytes,
                key_sizes: s.keys.json(),
                value_sizes: s.values.json(),
                damage,
            },
        };
        return json_line(out, &line);
    }
    writeln!(out, "-- summary")?;
    // Range deletes are counted only in logs that hold some, so the summary
    // of every other log reads as it always did.
    let range_deletes = match s.range_deletes {
        0 => String::new(),
        n => format!(", range deletes: {n}"),
    };
    // Likewise the zeros that end logs a crash (or a drop) left open.
    let zeros = match s.zero_tail_bytes {
        0 => String::new(),
        n => format!(" ({n} of them zeros past the records)"),
    };
    writeln!(
        out,
        "files: {}, bytes: {}{zeros}, records: {}, puts: {}, deletes: {}{range_deletes}",
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
