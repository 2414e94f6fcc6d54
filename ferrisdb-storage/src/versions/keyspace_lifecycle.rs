//! Creating a keyspace, changing its options and dropping it: the changes
//! to the set of keyspaces, each one durable manifest write made under the
//! manifest lock before anything else sees it.
//!
//! - **Create.** The manifest recording the keyspace (and so declaring the
//!   keyspaces feature, which its record needs) is durable before the
//!   keyspace is installed in the set and a handle to it exists: no byte
//!   that needs the feature is written before the feature is declared.
//! - **Options.** The manifest holding the new options is durable before
//!   MemTables and tables are made with them.
//! - **Drop.** The manifest without the keyspace is durable before the
//!   keyspace is marked dropped and leaves the set. Its id stays given out
//!   (`next_keyspace_id` keeps it), so its entries in old logs are never
//!   taken for a keyspace made later under the same name. Its tables leave
//!   every list; deleting their files is the engine's, in the background.
//! - **Catching up** (a read-only instance): the manifest the writer wrote
//!   last, read from the disk, replaces the set's, with no write.
//!
//! The engine calls these under its `write` mutex, which orders them with
//! every write: no write resolves a keyspace that is being created or
//! dropped.

use std::sync::Arc;

use super::version_set::record_log_numbers;
use super::{KeyspaceSet, KeyspaceSettings, KeyspaceVersions, VersionSet};
use crate::lock::lock;
use crate::manifest::{ManifestState, StoredOptions};
use crate::{Error, KeyspaceId, Result, DEFAULT_KEYSPACE_ID};

impl VersionSet {
    /// Creates the keyspace `name`, made with `settings`, whose options the
    /// manifest stores as `stored`, with no tables and its writes going to
    /// log `active_log` (the log being written), and returns it once the
    /// manifest recording it is durable and it is in the set.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a name the manifest refuses (see
    /// [`check_name`](crate::manifest::check_name)) or one in use, or when
    /// every id was given out; the I/O error of writing the manifest. Then
    /// nothing changes.
    pub(crate) fn create_keyspace(
        &self,
        name: &str,
        settings: KeyspaceSettings,
        stored: StoredOptions,
        active_log: u64,
    ) -> Result<Arc<KeyspaceVersions>> {
        let mut state = lock(&self.manifest);
        let mut keyspaces = state.keyspaces.clone();
        let id = keyspaces.create(name, stored, active_log)?;
        self.store(&mut state, |next| next.keyspaces = keyspaces)?;
        let ks = Arc::new(KeyspaceVersions::new(id, name, settings, active_log));
        self.install(|set| set.with_created(Arc::clone(&ks)));
        Ok(ks)
    }

    /// Stores `stored` as the options of keyspace `ks` and, once the
    /// manifest holding them is durable, makes its new MemTables and tables
    /// with `settings`.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`] for a keyspace dropped meanwhile;
    /// [`Error::InvalidArgument`] for `default`, whose options are the
    /// database's config; the I/O error of writing the manifest. Then
    /// nothing changes.
    pub(crate) fn set_options(
        &self,
        ks: &KeyspaceVersions,
        settings: KeyspaceSettings,
        stored: StoredOptions,
    ) -> Result<()> {
        let mut state = lock(&self.manifest);
        ks.check_live()?;
        let mut keyspaces = state.keyspaces.clone();
        let Some(record) = keyspaces.records.iter_mut().find(|r| r.id == ks.id()) else {
            return Err(Error::InvalidArgument(format!(
                "the options of keyspace {:?} are the database's: set them in StorageConfig",
                ks.name()
            )));
        };
        record.options = stored;
        self.store(&mut state, |next| next.keyspaces = keyspaces)?;
        ks.set_settings(settings);
        Ok(())
    }

    /// Drops keyspace `ks`: stores a manifest without it (its tables leave
    /// the lists, its id stays given out, and the oldest log the database
    /// needs is worked out without it), then marks it dropped and removes it
    /// from the set. Returns the oldest log the stored manifest needs: the
    /// logs below it may be deleted.
    ///
    /// Its super version is left as it is: scans and snapshots already
    /// reading it keep reading its MemTables and tables.
    ///
    /// # Errors
    ///
    /// [`Error::KeyspaceDropped`] if it was dropped already;
    /// [`Error::InvalidArgument`] for `default`, which is never dropped; the
    /// I/O error of writing the manifest. Then nothing changes.
    pub(crate) fn drop_keyspace(&self, ks: &KeyspaceVersions) -> Result<u64> {
        let mut state = lock(&self.manifest);
        ks.check_live()?;
        if ks.id() == DEFAULT_KEYSPACE_ID {
            return Err(Error::InvalidArgument(
                "the default keyspace cannot be dropped".into(),
            ));
        }
        // Under the manifest lock every keyspace's super version needs the
        // logs the manifest says it does (see `log_and_apply`).
        let logs: Vec<(KeyspaceId, u64)> = self
            .keyspaces()
            .log_numbers()
            .filter(|&(id, _)| id != ks.id())
            .collect();
        let mut keyspaces = state.keyspaces.clone();
        keyspaces.remove(ks.id());
        self.store(&mut state, |next| {
            next.keyspaces = keyspaces;
            record_log_numbers(next, &logs);
        })?;
        ks.mark_dropped();
        self.install(|set| set.with_dropped(ks.id()));
        Ok(state.log_number)
    }

    /// Makes `state`, a manifest newer than this set's, read from the disk,
    /// this set's, with `set` as its keyspaces: a read-only instance
    /// catching up with the writer (`engine/read_only.rs`). A keyspace of
    /// the current set that `set` lacks was dropped by the writer, and is
    /// marked so: its handles refuse what they would refuse after a drop
    /// here.
    pub(crate) fn catch_up(&self, state: ManifestState, set: KeyspaceSet) {
        let mut guard = lock(&self.manifest);
        for ks in self.keyspaces().iter() {
            if set.get(ks.id()).is_none() {
                ks.mark_dropped();
            }
        }
        *guard = state;
        self.install(|_| set);
    }

    /// Installs `change(current set)` as the set of keyspaces.
    ///
    /// REQUIRES: the manifest lock is held, and the manifest matches the
    /// new set.
    fn install(&self, change: impl FnOnce(&KeyspaceSet) -> KeyspaceSet) {
        let mut guard = self.keyspaces.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(change(&guard));
    }
}

#[cfg(test)]
mod tests;
