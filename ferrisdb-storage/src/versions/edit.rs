//! A version edit: one change to the set of live tables, as a flush, a
//! compaction or recovery asks for it.
//!
//! An edit is applied to the current [`Version`] by
//! [`VersionSet::log_and_apply`](super::VersionSet::log_and_apply), which
//! records the result in the manifest before readers see it.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Table, Version};
use crate::memtable::MemTable;

/// One change to the live tables.
#[derive(Debug)]
pub(crate) enum VersionEdit {
    /// Frozen MemTables became level-0 tables: `tables` go to the front of
    /// level 0, oldest first (so the newest ends up in front), and the
    /// `memtables` leave the super version (so the logs only they needed
    /// are no longer needed: `log_and_apply` works that out).
    Flushed {
        tables: Vec<Arc<Table>>,
        memtables: Vec<Arc<MemTable>>,
    },
    /// A merge replaced the tables numbered `inputs` by `outputs` at
    /// `level` (a merge of tables with nothing to keep has no outputs).
    Replaced {
        inputs: HashSet<u64>,
        outputs: Vec<Arc<Table>>,
        level: u32,
    },
    /// Table `table` moved to `level`, its file unchanged.
    Moved { table: u64, level: u32 },
}

impl VersionEdit {
    /// `version` with this edit applied.
    pub(crate) fn apply(&self, version: &Version) -> Version {
        match self {
            VersionEdit::Flushed { tables, .. } => tables
                .iter()
                .fold(version.clone(), |v, t| v.with_flushed(Arc::clone(t))),
            VersionEdit::Replaced {
                inputs,
                outputs,
                level,
            } => version.replace(inputs, outputs.clone(), *level),
            VersionEdit::Moved { table, level } => version.with_move(*table, *level),
        }
    }

    /// The frozen MemTables whose data this edit puts in tables.
    pub(crate) fn flushed(&self) -> &[Arc<MemTable>] {
        match self {
            VersionEdit::Flushed { memtables, .. } => memtables,
            VersionEdit::Replaced { .. } | VersionEdit::Moved { .. } => &[],
        }
    }
}
