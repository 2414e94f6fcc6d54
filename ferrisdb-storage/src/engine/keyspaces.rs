//! Creating, changing and dropping keyspaces, and deleting a dropped one's
//! files in the background.
//!
//! ```text
//! keyspace(name, options)              drop_keyspace(name)
//!   check the name and the options       lock `write`, then `manifest`:
//!   lock `write`, then `manifest`:         a manifest without it, durable
//!     a manifest recording it, durable     mark it dropped, out of the set
//!     (declaring the feature)            hand it to the flush thread
//!     install it in the set                (purge_dropped): its tables are
//!   hand out the handle                    obsolete, the logs it held go
//! ```
//!
//! Both hold `write`, so they are ordered with every write: a batch resolves
//! its keyspaces under the same mutex (`routing.rs`), and never writes to a
//! keyspace dropped before it, nor one whose create is not yet durable. A
//! drop touches no file on the caller's thread: one manifest write, whatever
//! the keyspace holds. Its files go when the last reader lets go of them
//! (scans and snapshots already open keep reading), or at the next open
//! after a crash, since no manifest lists them.

use std::sync::Arc;

use super::{lock, Inner};
use crate::config::KeyspaceOptions;
use crate::manifest::{check_name, StoredOptions};
use crate::versions::{KeyspaceSettings, KeyspaceVersions};
use crate::{Error, KeyspaceId, Result, DEFAULT_KEYSPACE_ID};

/// The name of the keyspace that always exists.
const DEFAULT_NAME: &str = "default";

impl Inner {
    /// The keyspace `name`: the live one of that name, or a new one made
    /// with `options` (the database's own settings when `None`). With
    /// `options`, an existing keyspace's options become them: stored in the
    /// manifest, then used for its MemTables and tables made after.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for a name
    /// [`check_name`] refuses (with its reason), for options of `default`
    /// (those are the database's config), or for options the database does
    /// not accept ([`KeyspaceOptions::layer_options`]); the background error
    /// once the engine stopped, or when writing the manifest failed, which
    /// stops the engine (the manifest in place may be the old or the new
    /// one until a reopen).
    pub(crate) fn keyspace(
        &self,
        name: &str,
        options: Option<&KeyspaceOptions>,
    ) -> Result<Arc<KeyspaceVersions>> {
        check_name(name).map_err(Error::InvalidArgument)?;
        if name == DEFAULT_NAME {
            if options.is_some() {
                return Err(Error::InvalidArgument(
                    "the options of the default keyspace are the database's: set them in \
                     StorageConfig"
                        .into(),
                ));
            }
            return Ok(Arc::clone(&self.default));
        }
        if options.is_none() {
            if let Some(ks) = self.versions.keyspaces().named(name) {
                return Ok(Arc::clone(ks));
            }
            // It would be made here: a read-only instance only finds.
            self.refuse_if_read_only("making a missing keyspace")?;
        }
        self.refuse_if_read_only("changing a keyspace's options")?;
        let given = options.is_some();
        let options = options
            .cloned()
            .unwrap_or_else(|| KeyspaceOptions::from(&self.config));
        let settings = self.keyspace_settings(&options)?;
        self.check_background()?;
        let mut write = lock(&self.write);
        let stored = StoredOptions::from(&options);
        // Looked up again under `write`: a create or a drop may have run
        // since, and none runs now. A keyspace another caller made meanwhile
        // keeps the options it was made with unless new ones are given.
        if let Some(ks) = self.versions.keyspaces().named(name).cloned() {
            if !given {
                return Ok(ks);
            }
            let changed = self.versions.set_options(&ks, settings, stored);
            self.stop_if_manifest_failed(changed)?;
            // The compaction threads and `wait_for_compactions` judge by
            // the keyspace's strategy, which these options may change: wake
            // them, or work the new options give waits for the next flush.
            self.notify_background();
            return Ok(ks);
        }
        // The log being written: only writers, under `write`, rotate it.
        let active_log = self.wal("creating a keyspace")?.current_file_number();
        let created = self
            .versions
            .create_keyspace(name, settings, stored, active_log);
        let ks = self.stop_if_manifest_failed(created)?;
        write.keyspaces = self.versions.keyspaces();
        tracing::info!(name, id = ks.id(), "created a keyspace");
        Ok(ks)
    }

    /// Passes `result`, of a keyspace change (or of declaring a feature), on;
    /// when writing the manifest failed, stops the engine first, as a failed
    /// flush does, and returns the background error every later call gets.
    ///
    /// A manifest write that fails may have failed after its rename, so the
    /// `MANIFEST` in place is the old one or the new one, and only a reopen
    /// tells which. Going on as if nothing changed could acknowledge writes
    /// into a keyspace whose drop is on disk (replay then skips them as a
    /// dropped keyspace's), so every write is refused until the reopen.
    /// Refusals made before any file was touched (a name in use, every id
    /// given out, a keyspace dropped meanwhile) change nothing and stop
    /// nothing.
    pub(super) fn stop_if_manifest_failed<T>(&self, result: Result<T>) -> Result<T> {
        match result {
            Err(
                error @ (Error::InvalidArgument(_)
                | Error::KeyspaceDropped { .. }
                | Error::ReadOnly { .. }),
            ) => Err(error),
            Err(error) => {
                self.set_background_error(error);
                Err(self.background_error().unwrap_or(Error::Closed))
            }
            ok => ok,
        }
    }

    /// What a keyspace with `options` is made with, in this database.
    fn keyspace_settings(&self, options: &KeyspaceOptions) -> Result<KeyspaceSettings> {
        let layers = options.layer_options(&self.config)?;
        options.fits_budget(&self.config)?;
        Ok(KeyspaceSettings {
            table: layers.table,
            memtable_size: options.memtable_size,
            memtable_filter: options.memtable_filter,
            strategy: layers.strategy,
        })
    }

    /// Drops the keyspace `name` (see the module docs). Waits for a writer
    /// stalled under the `write` mutex.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for `default`; [`Error::KeyspaceNotFound`]
    /// for a name no live keyspace has; the background error once the
    /// engine stopped, or when writing the manifest failed, which stops the
    /// engine: the drop may or may not be on disk until a reopen, so no
    /// write is acknowledged into the keyspace meanwhile.
    pub(crate) fn drop_keyspace(&self, name: &str) -> Result<()> {
        self.refuse_if_read_only("dropping a keyspace")?;
        if name == DEFAULT_NAME {
            return Err(Error::InvalidArgument(
                "the default keyspace cannot be dropped".into(),
            ));
        }
        self.check_background()?;
        let ks = {
            let mut write = lock(&self.write);
            let Some(ks) = self.versions.keyspaces().named(name).cloned() else {
                return Err(Error::KeyspaceNotFound { name: name.into() });
            };
            debug_assert_ne!(ks.id(), DEFAULT_KEYSPACE_ID);
            let dropped = self.versions.drop_keyspace(&ks);
            self.stop_if_manifest_failed(dropped)?;
            write.keyspaces = self.versions.keyspaces();
            ks
        };
        tracing::info!(name, id = ks.id(), "dropped a keyspace");
        let mut background = lock(&self.background);
        background.dropped.push(ks);
        self.background_changed.notify_all();
        Ok(())
    }

    /// Lets go of the keyspaces dropped since the last call (the flush
    /// thread's work): their tables become obsolete, so each file goes when
    /// its last reader lets go, and the logs only they held are deleted.
    pub(crate) fn purge_dropped(&self) {
        let dropped = lock(&self.background).dropped.clone();
        if dropped.is_empty() {
            return;
        }
        for ks in &dropped {
            // The drop is durable and no change to its tables is accepted
            // since, so this version is its last.
            for table in ks.current().version.tables() {
                table.mark_obsolete();
            }
        }
        // The durable manifest's: the drop worked it out without them.
        let log_number = self.versions.manifest().log_number;
        self.delete_logs_below(log_number);
        // Let go of them before anyone is told they are gone: a caller of
        // `wait_for_compactions` that then drops the last scan of one must
        // see its files deleted with the scan, not after this returns.
        // Ids are never given out again, so they name these keyspaces.
        let ids: Vec<KeyspaceId> = dropped.iter().map(|ks| ks.id()).collect();
        drop(dropped);
        let mut background = lock(&self.background);
        background.dropped.retain(|ks| !ids.contains(&ks.id()));
        for id in &ids {
            background.strategies.remove(id);
        }
        self.background_changed.notify_all();
    }
}
