//! The super version: everything a read needs, swapped whole when it changes.
//!
//! A read needs the active MemTable, the frozen ones waiting for their
//! flush, and the [`Version`] of tables. They change at different times
//! (writers freeze MemTables, flushes turn them into tables, compactions
//! replace tables), so each change builds a new super version from the one
//! it replaces, with one of the builders here, and its keyspace
//! ([`KeyspaceVersions`](super::KeyspaceVersions)) installs it as one step.
//! Each keyspace has its own.

use std::sync::Arc;

use super::Version;
use crate::memtable::MemTable;

/// A frozen MemTable waiting for its flush, and the first log holding its
/// writes.
#[derive(Debug, Clone)]
pub(crate) struct Frozen {
    pub(crate) memtable: Arc<MemTable>,
    pub(crate) log_number: u64,
}

/// Everything a read needs, at one moment.
#[derive(Debug)]
pub(crate) struct SuperVersion {
    pub(crate) active: Arc<MemTable>,
    /// The first log that holds writes of `active`.
    pub(crate) active_log: u64,
    /// Frozen MemTables, newest first.
    pub(crate) frozen: Vec<Frozen>,
    pub(crate) version: Arc<Version>,
}

impl SuperVersion {
    /// A super version with no frozen MemTables.
    pub(crate) fn new(active: Arc<MemTable>, active_log: u64, version: Arc<Version>) -> Self {
        SuperVersion {
            active,
            active_log,
            frozen: Vec::new(),
            version,
        }
    }

    /// This one with `active` frozen, newest of the frozen, and `next`,
    /// whose writes go to log `next_log`, active in its place.
    pub(crate) fn with_frozen_active(&self, next: Arc<MemTable>, next_log: u64) -> Self {
        let mut frozen = Vec::with_capacity(self.frozen.len() + 1);
        frozen.push(Frozen {
            memtable: Arc::clone(&self.active),
            log_number: self.active_log,
        });
        frozen.extend(self.frozen.iter().cloned());
        SuperVersion {
            active: next,
            active_log: next_log,
            frozen,
            version: Arc::clone(&self.version),
        }
    }

    /// This one with `active` replacing the (empty) active MemTable, in the
    /// same log.
    pub(crate) fn with_active(&self, active: Arc<MemTable>) -> Self {
        debug_assert!(self.active.is_empty(), "replaced a MemTable holding writes");
        SuperVersion {
            active,
            active_log: self.active_log,
            frozen: self.frozen.clone(),
            version: Arc::clone(&self.version),
        }
    }

    /// This one with its (empty) active MemTable taking writes in log
    /// `log`, a newer one.
    pub(crate) fn with_active_log(&self, log: u64) -> Self {
        debug_assert!(self.active.is_empty(), "moved a MemTable holding writes");
        debug_assert!(log >= self.active_log, "moved a MemTable to an older log");
        SuperVersion {
            active: Arc::clone(&self.active),
            active_log: log,
            frozen: self.frozen.clone(),
            version: Arc::clone(&self.version),
        }
    }

    /// This one with `version` for its tables, and without the frozen
    /// MemTables in `flushed`, whose data `version` now holds.
    pub(crate) fn with_version(&self, version: Arc<Version>, flushed: &[Arc<MemTable>]) -> Self {
        SuperVersion {
            active: Arc::clone(&self.active),
            active_log: self.active_log,
            frozen: self
                .frozen
                .iter()
                .filter(|f| !flushed.iter().any(|m| Arc::ptr_eq(m, &f.memtable)))
                .cloned()
                .collect(),
            version,
        }
    }

    /// The oldest log holding writes that no table holds yet: the first log
    /// of the oldest MemTable, frozen or active.
    pub(crate) fn log_needed(&self) -> u64 {
        self.log_needed_after(&[])
    }

    /// The oldest log still needed once the frozen MemTables in `flushed`
    /// are in tables: the first log of the oldest MemTable that is not.
    ///
    /// REQUIRES: `flushed` are the oldest frozen MemTables (flushes go oldest
    /// first, so the logs below the result hold only flushed writes).
    pub(crate) fn log_needed_after(&self, flushed: &[Arc<MemTable>]) -> u64 {
        self.frozen
            .iter()
            .rev()
            .find(|f| !flushed.iter().any(|m| Arc::ptr_eq(m, &f.memtable)))
            .map_or(self.active_log, |f| f.log_number)
    }
}
