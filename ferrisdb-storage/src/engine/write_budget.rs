//! The budgets the keyspaces of a database share on the write path, and the
//! pure decisions that keep them:
//!
//! - `max_total_wal_size` ([`pick_for_wal_size`]): the live logs may hold so
//!   many bytes. Past it, the keyspaces whose active MemTables hold writes
//!   in the oldest live log are frozen, so their flushes let it go (RocksDB's
//!   `SwitchWAL`, fjall's `max_journaling_size`). A keyspace written rarely
//!   would otherwise keep every log since its first unflushed write.
//! - `db_write_buffer_size` ([`pick_for_budget`]): the active MemTables of
//!   all keyspaces may hold so many bytes together. Past it, the keyspace
//!   whose active MemTable is the oldest is frozen (RocksDB's write buffer
//!   manager); past twice it, counting the frozen MemTables, writers stall.
//!
//! [`LiveLogs`] counts the logs no flush has retired yet. It sits behind a
//! mutex of its own in `Inner`, a leaf, not in `WriteState`: the flush
//! thread retires logs, and must never take the `write` mutex, which a
//! writer stalled on that very flush holds.
//!
//! A database with only `default` checks neither (`routing.rs`,
//! `make_rooms`): each of its logs holds one MemTable's writes and goes with
//! its flush, and `memtable_size` and `max_immutable_memtables` bound its
//! MemTables, so a write pays nothing for budgets it cannot pass.

use std::collections::BTreeMap;

use super::{lock, Inner};
use crate::versions::SuperVersion;
use crate::KeyspaceId;

/// The sealed logs that are still live (no flush has retired them), by
/// number, with their lengths. The log being written is not among them: its
/// length is the writer's (`WriteState::log_len`).
#[derive(Debug, Default)]
pub(crate) struct LiveLogs {
    sizes: BTreeMap<u64, u64>,
    total: u64,
}

impl LiveLogs {
    /// Records log `number`, just sealed at `len` bytes (a rotation).
    pub(crate) fn sealed(&mut self, number: u64, len: u64) {
        if let Some(old) = self.sizes.insert(number, len) {
            self.total -= old;
        }
        self.total = self.total.saturating_add(len);
    }

    /// Forgets every log numbered below `number`: the durable manifest
    /// needs none of them, and they are being deleted.
    pub(crate) fn retire_below(&mut self, number: u64) {
        let kept = self.sizes.split_off(&number);
        let retired: u64 = self.sizes.values().sum();
        self.total -= retired;
        self.sizes = kept;
    }

    /// The bytes of the sealed live logs.
    pub(crate) fn total(&self) -> u64 {
        self.total
    }

    /// The oldest sealed live log.
    pub(crate) fn oldest(&self) -> Option<u64> {
        self.sizes.keys().next().copied()
    }

    /// The numbers of the sealed live logs, oldest first.
    pub(crate) fn numbers(&self) -> impl Iterator<Item = u64> + '_ {
        self.sizes.keys().copied()
    }

    /// How many sealed logs are live.
    pub(crate) fn len(&self) -> usize {
        self.sizes.len()
    }
}

/// What the budgets decide with of one keyspace: its current super
/// version's MemTables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyspaceLoad {
    pub(crate) id: KeyspaceId,
    /// The first log holding writes of the active MemTable.
    pub(crate) active_log: u64,
    /// Bytes of the active MemTable (0: it holds no writes).
    pub(crate) active_bytes: usize,
    /// Bytes of the frozen MemTables waiting for their flush.
    pub(crate) frozen_bytes: usize,
    /// How many frozen MemTables wait.
    pub(crate) frozen: usize,
}

impl KeyspaceLoad {
    /// The load of keyspace `id`, whose super version is `current`.
    pub(crate) fn of(id: KeyspaceId, current: &SuperVersion) -> Self {
        let active_bytes = if current.active.is_empty() {
            0
        } else {
            current.active.memory_usage().max(1)
        };
        KeyspaceLoad {
            id,
            active_log: current.active_log,
            active_bytes,
            frozen_bytes: current
                .frozen
                .iter()
                .map(|f| f.memtable.memory_usage())
                .sum(),
            frozen: current.frozen.len(),
        }
    }
}

/// Where the logs stand, for [`pick_for_wal_size`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogsNow {
    /// Bytes of every live log, the one being written included.
    pub(crate) total: u64,
    /// `max_total_wal_size`, its default worked out.
    pub(crate) limit: u64,
    /// The oldest sealed live log.
    pub(crate) oldest: Option<u64>,
    /// The oldest log whose keyspaces were already frozen for it.
    pub(crate) requested: Option<u64>,
}

/// The keyspaces to freeze so the oldest live log can go.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct WalFlush {
    /// The oldest live log.
    pub(crate) oldest: u64,
    /// The keyspaces to freeze (none when only frozen MemTables, already
    /// queued for their flush, hold writes in it).
    pub(crate) freeze: Vec<KeyspaceId>,
    /// Whether `freeze` is every keyspace holding the log in its active
    /// MemTable: then the request is made for good, and not again for this
    /// log. A keyspace with every frozen MemTable slot taken waits for its
    /// flush, and is asked again at a later write.
    pub(crate) complete: bool,
}

/// Which keyspaces to freeze when the live logs pass `max_total_wal_size`:
/// those whose active MemTable holds writes and began in the oldest live
/// log or before it (`active_log <= oldest`), with a free frozen MemTable
/// slot (fewer than `max_frozen`). `None` when the logs are within the
/// limit, no log is sealed, the request for the oldest log was made
/// already, or there is nothing to do now.
///
/// At most one complete request per oldest log (risk R13): while frozen
/// MemTables wait for their flush, the oldest log stays, and asking again
/// at every write would freeze the keyspaces again and again into tiny
/// tables. A keyspace whose active MemTable began after the oldest log
/// holds none of its writes, so freezing it would not let the log go.
pub(crate) fn pick_for_wal_size(
    logs: LogsNow,
    keyspaces: impl IntoIterator<Item = KeyspaceLoad>,
    max_frozen: usize,
) -> Option<WalFlush> {
    if logs.total <= logs.limit {
        return None;
    }
    let oldest = logs.oldest?;
    if logs.requested == Some(oldest) {
        return None;
    }
    let mut freeze = Vec::new();
    let mut complete = true;
    for ks in keyspaces {
        if ks.active_bytes == 0 || ks.active_log > oldest {
            continue;
        }
        if ks.frozen >= max_frozen {
            complete = false;
        } else {
            freeze.push(ks.id);
        }
    }
    (complete || !freeze.is_empty()).then_some(WalFlush {
        oldest,
        freeze,
        complete,
    })
}

/// What keeping `db_write_buffer_size` asks of a write.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BudgetStep {
    /// Nothing: the MemTables are within the budget.
    Within,
    /// Freeze this keyspace's active MemTable.
    Freeze(KeyspaceId),
    /// Wait for a flush: active and frozen MemTables hold more than the
    /// stall threshold (twice the budget, or more).
    Stall,
}

/// What a write of `charge` MemTable bytes must do first to keep the
/// active MemTables within `budget` bytes together:
///
/// - when they would pass it, freeze the oldest non-empty active MemTable
///   (the smallest `active_log`, then the largest), among the keyspaces with
///   a free frozen MemTable slot (fewer than `max_frozen`); RocksDB's write
///   buffer manager also picks the earliest-created MemTable;
/// - otherwise, while the active and frozen MemTables hold more than
///   `stall_at` bytes (twice the budget, or more: see
///   `WriteBudgets::stall_at`) and some frozen one waits, stall until a
///   flush is done.
pub(crate) fn pick_for_budget(
    keyspaces: impl IntoIterator<Item = KeyspaceLoad>,
    charge: usize,
    budget: usize,
    stall_at: usize,
    max_frozen: usize,
) -> BudgetStep {
    let mut active = 0usize;
    let mut frozen = 0usize;
    let mut oldest: Option<KeyspaceLoad> = None;
    for ks in keyspaces {
        active = active.saturating_add(ks.active_bytes);
        frozen = frozen.saturating_add(ks.frozen_bytes);
        if ks.active_bytes == 0 || ks.frozen >= max_frozen {
            continue;
        }
        let older = |than: &KeyspaceLoad| {
            (ks.active_log, std::cmp::Reverse(ks.active_bytes))
                < (than.active_log, std::cmp::Reverse(than.active_bytes))
        };
        if oldest.as_ref().is_none_or(older) {
            oldest = Some(ks);
        }
    }
    if active.saturating_add(charge) > budget {
        if let Some(ks) = oldest {
            return BudgetStep::Freeze(ks.id);
        }
    }
    if frozen > 0 && active.saturating_add(frozen) > stall_at {
        return BudgetStep::Stall;
    }
    BudgetStep::Within
}

impl Inner {
    /// How many log files are live (no flush retired them), the one being
    /// written included, and their bytes: for `stats()`, which takes no
    /// lock a stalled writer holds.
    pub(crate) fn live_wal(&self) -> (usize, u64) {
        let live = lock(&self.live_logs);
        // A report, not a limit: at the instant of a rotation, the log just
        // sealed may be missing from both. A read-only instance writes no
        // log: it counts none.
        let Some(log) = &self.wal else {
            return (0, 0);
        };
        let end = log.end();
        (live.len() + 1, live.total().saturating_add(end.offset))
    }
}

#[cfg(test)]
mod tests;
