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

use std::path::Path;

use crate::manifest::format::INCOMPAT_RANGE_DELETES_BIT;
use crate::manifest::ManifestState;
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
