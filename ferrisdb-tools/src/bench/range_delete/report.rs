//! The lines `deleterange` prints: `db_bench`'s result line, one operation
//! per key deleted, so the two modes' micros/op compare, then one indented
//! line per measurement, named for it (here `--num=200000
//! --target_file_size_base=2097152`):
//!
//! ```text
//! deleterange  :       0.000 micros/op 16105653084 ops/sec; (100000 keys 0000000000050000 ..= 0000000000149999 by 1 range delete in 1 write, 0.006 ms)
//!   first          : 2.468 ms for a range delete below every key before the timed one (the first of a database declares the feature in the manifest)
//!   written        : WAL 56 bytes, user 50 bytes
//!   scan before    : 2779 blocks read, 100000 entries; a never-written range: 1 blocks read
//!   scan memtable  : 2 blocks read, 0 entries; a never-written range: 1 blocks read
//!   scan flushed   : 2 blocks read, 0 entries; a never-written range: 1 blocks read
//!   scan compacted : 1 blocks read, 0 entries; a never-written range: 1 blocks read
//!   tables         : before 11 of 23445636 bytes, flushed 12 of 23445852 bytes, compacted 6 of 11722718 bytes; 11722918 bytes reclaimed
//!   compact        : 0.093 s, read 12750949 bytes and wrote 11722718 bytes of tables; flush 0.008 s
//! ```

use super::super::report::format_line;
use super::{DeleteRangeResult, Tables};
use crate::bench::args::DeleteRangeMode;

impl DeleteRangeResult {
    /// The report, one line per element, without newlines.
    pub fn lines(&self) -> Vec<String> {
        let mut lines = vec![format_line(
            "deleterange",
            self.delete_time,
            self.keys,
            0,
            &self.summary(),
        )];
        let mut line = |label: &str, text: String| lines.push(format!("  {label:<14} : {text}"));
        if let Some(time) = self.first_range_delete {
            line(
                "first",
                format!(
                    "{:.3} ms for a range delete below every key before the timed one \
                     (the first of a database declares the feature in the manifest)",
                    time.as_secs_f64() * 1e3
                ),
            );
        }
        line(
            "written",
            format!(
                "WAL {} bytes, user {} bytes",
                self.wal_bytes, self.user_bytes
            ),
        );
        for scan in &self.scans {
            line(
                &format!("scan {}", scan.phase.name()),
                format!(
                    "{} blocks read, {} entries; a never-written range: {} blocks read",
                    scan.blocks, scan.entries, scan.empty_range_blocks
                ),
            );
        }
        line(
            "tables",
            format!(
                "before {}, flushed {}, compacted {}; {} bytes reclaimed",
                tables(self.tables_before),
                tables(self.tables_flushed),
                tables(self.tables_compacted),
                self.reclaimed_bytes()
            ),
        );
        line(
            "compact",
            format!(
                "{:.3} s, read {} bytes and wrote {} bytes of tables; flush {:.3} s",
                self.compact_time.as_secs_f64(),
                self.compaction_bytes_read,
                self.compaction_bytes_written,
                self.flush_time.as_secs_f64()
            ),
        );
        lines
    }

    /// The result line's note: the range, how it was deleted, the time.
    fn summary(&self) -> String {
        let what = match self.mode {
            DeleteRangeMode::Range => "range delete",
            DeleteRangeMode::Points => "point delete",
        };
        format!(
            "({} keys {} ..= {} by {} {what}{} in {} write{}, {:.3} ms)",
            self.keys,
            String::from_utf8_lossy(&self.first_key),
            String::from_utf8_lossy(&self.last_key),
            self.deletes,
            plural(self.deletes),
            self.writes,
            plural(self.writes),
            self.delete_time.as_secs_f64() * 1e3
        )
    }
}

fn tables(tables: Tables) -> String {
    format!("{} of {} bytes", tables.count, tables.bytes)
}

fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::{Phase, ScanCost};
    use super::*;

    fn result(mode: DeleteRangeMode) -> DeleteRangeResult {
        let scan = |phase, blocks, entries| ScanCost {
            phase,
            blocks,
            entries,
            empty_range_blocks: 1,
        };
        DeleteRangeResult {
            mode,
            keys: 100_000,
            first_key: b"0000000000050000".to_vec(),
            last_key: b"0000000000149999".to_vec(),
            writes: 1,
            deletes: 1,
            delete_time: Duration::from_micros(25),
            first_range_delete: Some(Duration::from_micros(16_762)),
            wal_bytes: 64,
            user_bytes: 45,
            scans: vec![
                scan(Phase::Before, 2857, 100_000),
                scan(Phase::MemTable, 2, 0),
                scan(Phase::Flushed, 3, 0),
                scan(Phase::Compacted, 0, 0),
            ],
            tables_before: Tables {
                count: 10,
                bytes: 2000,
            },
            tables_flushed: Tables {
                count: 11,
                bytes: 2100,
            },
            tables_compacted: Tables {
                count: 6,
                bytes: 1200,
            },
            flush_time: Duration::from_millis(1),
            compact_time: Duration::from_millis(412),
            compaction_bytes_read: 600,
            compaction_bytes_written: 500,
        }
    }

    #[test]
    fn each_measurement_has_a_named_line() {
        let lines = result(DeleteRangeMode::Range).lines();
        assert_eq!(
            lines,
            [
                "deleterange  :       0.000 micros/op 4000000000 ops/sec; (100000 keys \
                 0000000000050000 ..= 0000000000149999 by 1 range delete in 1 write, 0.025 ms)",
                "  first          : 16.762 ms for a range delete below every key before the timed \
                 one (the first of a database declares the feature in the manifest)",
                "  written        : WAL 64 bytes, user 45 bytes",
                "  scan before    : 2857 blocks read, 100000 entries; a never-written range: 1 \
                 blocks read",
                "  scan memtable  : 2 blocks read, 0 entries; a never-written range: 1 blocks read",
                "  scan flushed   : 3 blocks read, 0 entries; a never-written range: 1 blocks read",
                "  scan compacted : 0 blocks read, 0 entries; a never-written range: 1 blocks read",
                "  tables         : before 10 of 2000 bytes, flushed 11 of 2100 bytes, compacted 6 \
                 of 1200 bytes; 800 bytes reclaimed",
                "  compact        : 0.412 s, read 600 bytes and wrote 500 bytes of tables; flush \
                 0.001 s",
            ]
        );
    }

    #[test]
    fn points_mode_counts_deletes_and_writes_and_growth_is_negative() {
        let mut points = result(DeleteRangeMode::Points);
        points.deletes = 100_000;
        points.writes = 100;
        points.tables_compacted.bytes = 2500;
        points.first_range_delete = None;
        let lines = points.lines();
        assert!(
            lines[0].ends_with("by 100000 point deletes in 100 writes, 0.025 ms)"),
            "{}",
            lines[0]
        );
        assert!(lines[6].ends_with("; -500 bytes reclaimed"), "{}", lines[6]);
    }
}
