//! What the manifest lets a log record hold, checked by every reader of the
//! logs (`open`'s replay, a read-only instance's, and `verify`), so that
//! `verify` calls whole exactly the logs `open` replays.
//!
//! - No entry of a keyspace the manifest never gave out: the keyspace is
//!   durable in the manifest before its handle exists, so no FerrisDB logs
//!   one. (A dropped keyspace's entries, below `next_keyspace_id`, are
//!   skipped by replay, not refused.)
//! - No range delete unless the manifest declares the feature
//!   `range_deletes`: the declaration is durable before the first range
//!   delete is logged.
//! - The log a clean close sealed is exactly as long as the manifest
//!   recorded ([`ClosedLogBreach`]): the close synced the seal before it
//!   recorded the length, and the next writer's `open` replays the log and
//!   writes a manifest that no longer records it before it writes anything,
//!   so while a manifest records it no writer appends to it. Cut at a
//!   record boundary, seal and all, it shows no damage of its own, and cut
//!   inside a record it looks like a torn tail, which the newest log may
//!   end in: only the recorded length tells that its end is lost.

use std::path::Path;

use crate::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use crate::manifest::{ClosedLog, ManifestState};
use crate::write_batch::Entries;
use crate::{Error, FeatureClass, KeyspaceId, Result, DEFAULT_KEYSPACE_ID};

/// What a manifest lets its logs' records hold.
#[derive(Debug, Clone, Copy)]
pub(crate) struct LogRules {
    /// Keyspace ids below it were given out.
    pub(crate) next_keyspace_id: KeyspaceId,
    /// Whether the manifest declares the feature `range_deletes`.
    pub(crate) range_deletes_declared: bool,
}

impl LogRules {
    /// The rules of the manifest `state`.
    pub(crate) fn of(state: &ManifestState) -> Self {
        LogRules {
            next_keyspace_id: state.keyspaces.next_keyspace_id,
            range_deletes_declared: state
                .features
                .declares(FeatureClass::Incompatible, INCOMPAT_RANGE_DELETES_BIT),
        }
    }

    /// Refuses `entries`, those of the record at `offset` of the log at
    /// `path`, if they break a rule.
    ///
    /// # Errors
    ///
    /// [`Error::Corruption`] naming the log, the record and the payload
    /// byte of the entry that breaks it.
    pub(crate) fn check(&self, path: &Path, offset: u64, entries: Entries<'_>) -> Result<()> {
        self.check_ids(path, offset, entries)?;
        self.check_range_deletes(path, offset, entries)
    }

    /// Refuses an entry of a keyspace the manifest never gave out.
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check).
    pub(crate) fn check_ids(&self, path: &Path, offset: u64, entries: Entries<'_>) -> Result<()> {
        let next = self.next_keyspace_id;
        match entries.find_keyspace(|id| id != DEFAULT_KEYSPACE_ID && id >= next) {
            None => Ok(()),
            Some((id, at)) => Err(Error::corruption(
                path,
                offset,
                format!(
                    "the record holds an entry of keyspace {id}, at byte {at} of its payload, \
                     but the manifest gave out only keyspace ids below {next}: no FerrisDB logs \
                     an entry of a keyspace its manifest never declared; restore the newest \
                     MANIFEST, or the database, from a backup"
                ),
            )),
        }
    }

    /// Refuses a range delete the manifest does not declare.
    ///
    /// # Errors
    ///
    /// As [`check`](Self::check).
    pub(crate) fn check_range_deletes(
        &self,
        path: &Path,
        offset: u64,
        entries: Entries<'_>,
    ) -> Result<()> {
        if self.range_deletes_declared {
            return Ok(());
        }
        match entries.find_range_delete() {
            None => Ok(()),
            Some(at) => Err(Error::corruption(
                path,
                offset,
                format!(
                    "the record holds a range delete, at byte {at} of its payload, but the \
                     manifest does not declare the feature range_deletes: no FerrisDB logs a \
                     range delete before its manifest declares it; restore the newest \
                     MANIFEST, or the database, from a backup"
                ),
            )),
        }
    }
}

/// The log a clean close sealed, read back not as long as the manifest
/// recorded: shorter (its end is lost), or longer (bytes were added after
/// its seal). See the module docs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClosedLogBreach {
    /// The log and the length the manifest recorded.
    pub(crate) closed: ClosedLog,
    /// What the file holds: where its bytes end when that is short of the
    /// recorded length (0 for a missing file), else the file's length.
    pub(crate) held: u64,
}

impl ClosedLogBreach {
    /// Checks log `number`, read to its end, against `closed`, the log the
    /// manifest records a clean close sealed: `data_len` is where its bytes
    /// end (the zeros that end the file left out: zeros over its end are a
    /// lost end too), `file_len` the file's length. `None` when it is some
    /// other log, or as long as recorded.
    pub(crate) fn of(
        closed: Option<ClosedLog>,
        number: u64,
        data_len: u64,
        file_len: u64,
    ) -> Option<Self> {
        let closed = closed.filter(|c| c.number == number)?;
        let held = if data_len < closed.length {
            data_len
        } else if file_len > closed.length {
            file_len
        } else {
            return None;
        };
        Some(ClosedLogBreach { closed, held })
    }

    /// The closed log's file is missing: all of it is lost.
    pub(crate) fn missing(closed: ClosedLog) -> Self {
        ClosedLogBreach { closed, held: 0 }
    }

    /// Whether the log lost its end, rather than gained bytes.
    pub(crate) fn lost_end(&self) -> bool {
        self.held < self.closed.length
    }

    /// The corruption error of the log at `path`, at the offset where it
    /// parts from what the close left: where a lost end begins, or where
    /// added bytes do.
    pub(crate) fn error(&self, path: &Path) -> Error {
        let length = self.closed.length;
        let held = self.held;
        if self.lost_end() {
            let reason = format!(
                "this log was closed cleanly at {length} bytes but holds {held}: its end is lost"
            );
            Error::corruption(path, held, reason)
        } else {
            let reason = format!(
                "this log was closed cleanly at {length} bytes but holds {held}: bytes were \
                 added after its seal"
            );
            Error::corruption(path, length, reason)
        }
    }

    /// Refuses log `number` at `path` if it is the closed log and not as
    /// long as recorded ([`of`](Self::of)).
    ///
    /// # Errors
    ///
    /// [`Error::Corruption`] naming the log and the offset
    /// ([`error`](Self::error)).
    pub(crate) fn check(
        closed: Option<ClosedLog>,
        number: u64,
        path: &Path,
        data_len: u64,
        file_len: u64,
    ) -> Result<()> {
        match Self::of(closed, number, data_len, file_len) {
            Some(breach) => Err(breach.error(path)),
            None => Ok(()),
        }
    }
}
