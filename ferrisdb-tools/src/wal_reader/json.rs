//! `wal-reader --json`: the shapes of its lines, one JSON object per record
//! and one for the summary, and writing one.

use std::io::Write;

/// `--json`: one record.
#[derive(Debug, serde::Serialize)]
pub(super) struct RecordJson {
    pub(super) file: String,
    pub(super) offset: u64,
    pub(super) timestamp: u64,
    pub(super) count: usize,
    pub(super) entries: Vec<EntryJson>,
}

/// `--json`: one entry of a record; a delete has no value. The keyspace's
/// name is `null` when the manifest does not name its id. A range delete
/// (`"op":"DELETE_RANGE"`) has its start as `key` and its end as `end`,
/// `null` when it has none.
#[derive(Debug, serde::Serialize)]
pub(super) struct EntryJson {
    pub(super) op: String,
    pub(super) keyspace: u32,
    pub(super) keyspace_name: Option<String>,
    pub(super) keyspace_dropped: bool,
    pub(super) key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) value: Option<String>,
    /// Range deletes only: `Some(None)` is written as `null`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) end: Option<Option<String>>,
}

/// `--json`: the last line.
#[derive(Debug, serde::Serialize)]
pub(super) struct SummaryLineJson {
    pub(super) summary: SummaryJson,
}

#[derive(Debug, serde::Serialize)]
pub(super) struct SummaryJson {
    pub(super) files: u64,
    pub(super) bytes: u64,
    pub(super) records: u64,
    pub(super) puts: u64,
    pub(super) deletes: u64,
    pub(super) range_deletes: u64,
    /// Of `bytes`, the zeros past the records that end logs.
    pub(super) zero_tail_bytes: u64,
    pub(super) key_sizes: SizesJson,
    pub(super) value_sizes: SizesJson,
    pub(super) damage: Vec<DamageJson>,
}

#[derive(Debug, serde::Serialize)]
pub(super) struct SizesJson {
    pub(super) count: u64,
    pub(super) min: u64,
    pub(super) avg: f64,
    pub(super) max: u64,
    pub(super) total: u64,
}

#[derive(Debug, serde::Serialize)]
pub(super) struct DamageJson {
    pub(super) file: String,
    pub(super) offset: u64,
    pub(super) kind: &'static str,
    pub(super) reason: String,
    pub(super) dropped_bytes: u64,
}

/// One JSON object on a line of its own.
pub(super) fn json_line(out: &mut dyn Write, value: &impl serde::Serialize) -> std::io::Result<()> {
    serde_json::to_writer(&mut *out, value).map_err(std::io::Error::from)?;
    writeln!(out)
}
