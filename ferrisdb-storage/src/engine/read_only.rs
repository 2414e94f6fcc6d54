//! Opening a database read-only, beside the process that writes it, and
//! catching up with that process's writes (RocksDB's secondary instance).
//!
//! A read-only instance takes no lock and writes nothing: no log, no table,
//! no manifest, no cleanup, and no background thread runs in it. Every path
//! that would write refuses first, with [`Error::ReadOnly`]
//! ([`Inner::wal`], [`Inner::refuse_if_read_only`]; the version set refuses
//! to store a manifest as a last guard).
//!
//! It serves reads from a *view* (`read_only/load.rs`): the manifest the
//! writer wrote last, its tables, opened, and the writes of the logs from the
//! oldest one a keyspace needs, replayed into MemTables kept in memory.
//! [`catch_up`](Inner::catch_up) loads a newer view and installs it, keyspace
//! by keyspace, as a flush installs a new version: a read or snapshot that
//! took the old one keeps reading it.
//!
//! A view's tables stay open as long as it is read: the instance's table
//! cache has no limit, so no table file is ever closed and reopened, and one
//! the writer deletes stays readable through the open file (as it does on
//! POSIX file systems) until no view lists it. Its directory lock is never
//! held, so the tables it lets go of are never deleted by it.

mod load;

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use super::recovery::Parts;
use super::{lock, Inner};
use crate::lock::DirectoryLock;
use crate::manifest::ManifestState;
use crate::sstable::BlockCache;
use crate::versions::{
    KeyspaceSet, KeyspaceSettings, KeyspaceVersions, SuperVersion, TableCache, VersionSet,
};
use crate::{KeyspaceId, Result, StorageConfig, DEFAULT_KEYSPACE_ID};

/// Opens the database `config` describes read-only; see the module docs.
pub(crate) fn open_read_only(config: StorageConfig) -> Result<Arc<Inner>> {
    let layers = config.layer_options()?;
    let _span = tracing::info_span!("open_read_only", dir = %config.data_dir.display()).entered();
    let fs = Arc::clone(&config.file_system);
    let block_cache = Arc::new(BlockCache::new(config.block_cache_size));
    // No limit: a table stays open while a view lists it (see the module
    // docs).
    let table_cache = Arc::new(TableCache::new(
        Arc::clone(&fs),
        Arc::clone(&block_cache),
        usize::MAX,
    ));
    // Never taken: this instance deletes no file.
    let dir_lock: DirectoryLock = Arc::new(Mutex::new(None));
    let settings = KeyspaceSettings {
        table: layers.table,
        memtable_size: config.memtable_size,
        memtable_filter: config.memtable_filter,
        strategy: layers.strategy,
    };
    // Empty until the first view is installed, below.
    let default = Arc::new(KeyspaceVersions::new(
        DEFAULT_KEYSPACE_ID,
        "default",
        settings,
        0,
    ));
    let versions = VersionSet::new(
        fs,
        config.data_dir.clone(),
        dir_lock,
        table_cache,
        ManifestState::default(),
        Arc::default(),
        KeyspaceSet::new(Arc::clone(&default)),
    )
    .read_only();
    versions.finish_opening();
    let inner = Arc::new(Inner::assemble(Parts {
        versions,
        default,
        wal: None,
        budgets: layers.budgets,
        block_cache,
        last_timestamp: 0,
        config,
    }));
    inner.catch_up()?;
    Ok(inner)
}

impl Inner {
    /// Loads the newest view of the database and installs it; does nothing
    /// in an instance opened for writing, which is the writer.
    ///
    /// # Errors
    ///
    /// As [`open_read_only`]: a damaged manifest, table or log (a corruption
    /// error naming it), a database of a newer format, or the I/O error. The
    /// view in place stays.
    pub(crate) fn catch_up(&self) -> Result<()> {
        if !self.is_read_only() {
            return Ok(());
        }
        // One catch-up at a time: nothing else takes `write` in a read-only
        // instance.
        let mut write = lock(&self.write);
        let open: HashMap<u64, _> = self
            .versions
            .keyspaces()
            .iter()
            .flat_map(|ks| ks.current().version.tables().cloned().collect::<Vec<_>>())
            .map(|table| (table.record.file_number, table))
            .collect();
        let view = self.load_view(&open)?;
        // The timestamp first, then the super versions: a read takes both
        // under its keyspace's lock (`read_view`), so it pairs the new
        // timestamp with the old super version (a view a little behind,
        // whole) or with the new one, but never the old timestamp with the
        // new super version, which may lack versions the writer compacted
        // away that the old timestamp still needs. Release: a reader that
        // loads the timestamp with Acquire under the lock after the swap
        // sees the super versions installed. A view is never older than the
        // one before (the writer's manifest and logs only move on); the
        // `fetch_max` just keeps the timestamp from ever moving back.
        write.last_timestamp = write.last_timestamp.max(view.last_timestamp);
        self.visible
            .fetch_max(view.last_timestamp, Ordering::Release);
        // Each keyspace this instance has keeps its object (handles hold
        // it) and takes the view's super version; the others are new.
        let current = self.versions.keyspaces();
        let mut set = KeyspaceSet::new(Arc::clone(&self.default));
        for loaded in view.keyspaces.iter() {
            if loaded.id() == DEFAULT_KEYSPACE_ID {
                self.default.modify_current(|_| copy(&loaded.current()));
                continue;
            }
            let ks = match current.get(loaded.id()) {
                Some(ks) => {
                    ks.set_settings(loaded.settings());
                    ks.modify_current(|_| copy(&loaded.current()));
                    Arc::clone(ks)
                }
                None => Arc::clone(loaded),
            };
            set = set.with_created(ks);
        }
        let tables: usize = view
            .keyspaces
            .iter()
            .map(|ks| ks.current().version.tables().count())
            .sum();
        tracing::info!(
            keyspaces = view.keyspaces.len(),
            tables,
            last_timestamp = view.last_timestamp,
            "loaded a read-only view"
        );
        self.versions.catch_up(view.state, set);
        write.keyspaces = self.versions.keyspaces();
        Ok(())
    }
}

/// The super versions a read-only instance's snapshot reads, by keyspace.
pub(crate) type Pins = Arc<HashMap<KeyspaceId, Arc<SuperVersion>>>;

impl Inner {
    /// Runs `choose`, which picks a snapshot's (or a transaction's)
    /// timestamp, and in a read-only instance takes every keyspace's super
    /// version with it, both under `write`, which `catch_up` holds while it
    /// installs a view: the snapshot reads the view its timestamp was
    /// chosen in, whatever later catch-ups install. (The writer's
    /// compactions know nothing of this instance's snapshots: a newer view
    /// may lack versions an older timestamp reads.) A writable instance
    /// pins nothing: its compactions keep what its snapshots read.
    pub(crate) fn pinned<T>(&self, choose: impl FnOnce() -> T) -> (T, Option<Pins>) {
        if !self.is_read_only() {
            return (choose(), None);
        }
        let _write = lock(&self.write);
        let chosen = choose();
        let pins = self
            .versions
            .keyspaces()
            .iter()
            .map(|ks| (ks.id(), ks.current()))
            .collect();
        (chosen, Some(Arc::new(pins)))
    }
}

/// A new super version holding what `of` holds.
fn copy(of: &SuperVersion) -> SuperVersion {
    SuperVersion {
        active: Arc::clone(&of.active),
        active_log: of.active_log,
        frozen: of.frozen.clone(),
        version: Arc::clone(&of.version),
    }
}
