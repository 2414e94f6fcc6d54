//! A keyspace's versions: its id and name, its settings, its current super
//! version, and whether it was dropped.
//!
//! A database holds one or more keyspaces, independent sets of keys written
//! atomically together: one log and one timestamp for all of them, but each
//! with its own MemTables and tables. The
//! [`VersionSet`](super::VersionSet) holds them in a
//! [`KeyspaceSet`](super::KeyspaceSet) and changes each one's tables under
//! its one manifest lock; everything a read or a write of one keyspace needs
//! is here.
//!
//! Lock order: `current` and `settings` are leaves, each held only to copy
//! or swap a value.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use super::SuperVersion;
use crate::config::StrategyOptions;
use crate::memtable::MemTable;
use crate::sstable::TableOptions;
use crate::{Error, KeyspaceId};

/// What a keyspace's MemTables, tables and compactions are made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyspaceSettings {
    /// The layout of every table a flush or a compaction of the keyspace
    /// writes, and the keyspace's id, which its tables record.
    pub(crate) table: TableOptions,
    /// The size of a new MemTable (a larger one only for a larger batch).
    pub(crate) memtable_size: usize,
    /// Whether a MemTable keeps a hash filter of its keys.
    pub(crate) memtable_filter: bool,
    /// What the keyspace's compaction strategy is built from.
    pub(crate) strategy: StrategyOptions,
}

/// One keyspace's versions: always behind an `Arc`, shared by the
/// [`KeyspaceSet`](super::KeyspaceSet), the engine and the handles.
#[derive(Debug)]
pub(crate) struct KeyspaceVersions {
    id: KeyspaceId,
    name: String,
    settings: RwLock<KeyspaceSettings>,
    current: RwLock<Arc<SuperVersion>>,
    /// Set once the manifest without the keyspace is durable; never
    /// cleared.
    dropped: AtomicBool,
}

impl KeyspaceVersions {
    /// The keyspace `id`, named `name`, made with `settings` (its tables
    /// recording `id`, whatever `settings.table` says), with no tables yet
    /// and an empty MemTable whose writes go to log `active_log`.
    pub(crate) fn new(
        id: KeyspaceId,
        name: impl Into<String>,
        settings: KeyspaceSettings,
        active_log: u64,
    ) -> Self {
        let table = TableOptions {
            keyspace: id,
            ..settings.table
        };
        let settings = KeyspaceSettings { table, ..settings };
        let active = MemTable::with_filter(settings.memtable_size, settings.memtable_filter);
        let current = SuperVersion::new(Arc::new(active), active_log, Arc::default());
        KeyspaceVersions {
            id,
            name: name.into(),
            settings: RwLock::new(settings),
            current: RwLock::new(Arc::new(current)),
            dropped: AtomicBool::new(false),
        }
    }

    /// The keyspace's id, which its log entries and tables carry.
    pub(crate) fn id(&self) -> KeyspaceId {
        self.id
    }

    /// The keyspace's name.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The settings new MemTables and tables of the keyspace are made with.
    pub(crate) fn settings(&self) -> KeyspaceSettings {
        *self.settings.read().unwrap_or_else(|p| p.into_inner())
    }

    /// Makes the keyspace's new MemTables and tables with `settings` (its
    /// tables still recording its id).
    ///
    /// REQUIRES: the manifest lock is held, and the manifest holds the
    /// options `settings` come from.
    pub(crate) fn set_settings(&self, settings: KeyspaceSettings) {
        let table = TableOptions {
            keyspace: self.id,
            ..settings.table
        };
        let mut guard = self.settings.write().unwrap_or_else(|p| p.into_inner());
        *guard = KeyspaceSettings { table, ..settings };
    }

    /// The current super version.
    pub(crate) fn current(&self) -> Arc<SuperVersion> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        Arc::clone(&guard)
    }

    /// `load()` and the current super version, taken as one step: under the
    /// read lock that installing a new super version takes for writing (see
    /// `Inner::read_view` for why reads need this).
    pub(crate) fn current_with<T>(&self, load: impl FnOnce() -> T) -> (T, Arc<SuperVersion>) {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        (load(), Arc::clone(&guard))
    }

    /// Replaces the current super version with `change(current)`, as one
    /// step: writers (freezing MemTables) and flushes (dropping them, adding
    /// tables) change different parts of it concurrently, and a
    /// read-then-install in two steps would let one undo the other.
    pub(crate) fn modify_current(&self, change: impl FnOnce(&SuperVersion) -> SuperVersion) {
        let mut guard = self.current.write().unwrap_or_else(|p| p.into_inner());
        *guard = Arc::new(change(&guard));
    }

    /// Whether the keyspace was dropped.
    ///
    /// Acquire pairs with the Release of [`mark_dropped`](Self::mark_dropped):
    /// a thread that sees the flag also sees what the drop did before it
    /// (the manifest without the keyspace is durable, the set without it is
    /// installed). The checks that keep data right are made under the lock
    /// the drop holds as it sets the flag (`manifest` in
    /// [`VersionSet::log_and_apply`](super::VersionSet::log_and_apply), which
    /// the mutex orders); one made without it, as a handle's, only refuses
    /// early what those checks would refuse.
    pub(crate) fn is_dropped(&self) -> bool {
        self.dropped.load(Ordering::Acquire)
    }

    /// Marks the keyspace dropped: from now on every change to its tables
    /// and every use of its handles is refused.
    ///
    /// REQUIRES: the manifest lock is held, and the manifest without the
    /// keyspace is durable.
    pub(crate) fn mark_dropped(&self) {
        // Release: see `is_dropped`.
        self.dropped.store(true, Ordering::Release);
    }

    /// [`Error::KeyspaceDropped`] naming this keyspace, if it was dropped.
    ///
    /// # Errors
    ///
    /// As above.
    pub(crate) fn check_live(&self) -> Result<(), Error> {
        if self.is_dropped() {
            return Err(Error::KeyspaceDropped {
                name: self.name.clone(),
            });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod test_support {
    //! Keyspaces for unit tests: default settings, and the version set of a
    //! database in `/db` on an in-memory file system.

    use std::path::PathBuf;
    use std::sync::atomic::AtomicU64;
    use std::sync::{Arc, Mutex};

    use super::{KeyspaceSettings, KeyspaceVersions};
    use crate::config::StrategyOptions;
    use crate::fs::{FaultFileSystem, FileSystem, SharedFileSystem};
    use crate::manifest::{ManifestState, StoredCompaction, StoredOptions};
    use crate::sstable::BlockCache;
    use crate::versions::{KeyspaceSet, TableCache, VersionSet};
    use crate::{CompactionStyle, CompressionType, KeyspaceId};

    /// Settings of the library's defaults.
    pub(crate) fn settings() -> KeyspaceSettings {
        KeyspaceSettings {
            table: crate::sstable::TableOptions::default(),
            memtable_size: 4 << 10,
            memtable_filter: true,
            strategy: StrategyOptions {
                style: CompactionStyle::default(),
                level0_slowdown_writes_trigger: 20,
            },
        }
    }

    /// An empty keyspace `id`, named `name`, whose MemTable writes to log
    /// `log`.
    pub(crate) fn keyspace(id: KeyspaceId, name: &str, log: u64) -> Arc<KeyspaceVersions> {
        Arc::new(KeyspaceVersions::new(id, name, settings(), log))
    }

    /// Size-tiered options, as a manifest stores them, with MemTables of
    /// `memtable_size` bytes.
    pub(crate) fn stored_options(memtable_size: u64) -> StoredOptions {
        StoredOptions {
            memtable_size,
            block_size: 4 << 10,
            bloom_bits_per_key: 10,
            compression: CompressionType::None,
            compaction: StoredCompaction::SizeTiered {
                min_merge_width: 4,
                max_size_amplification_percent: 200,
            },
            memtable_filter: true,
        }
    }

    /// The versions of a database in `/db` on `fs`, of the keyspaces
    /// `keyspaces`, whose manifest is `state`.
    pub(crate) fn versions_of(
        fs: &FaultFileSystem,
        keyspaces: KeyspaceSet,
        state: ManifestState,
    ) -> VersionSet {
        let dir = PathBuf::from("/db");
        fs.create_dir_all(&dir).unwrap();
        let shared: SharedFileSystem = Arc::new(fs.clone());
        let cache = TableCache::new(Arc::clone(&shared), Arc::new(BlockCache::new(1 << 20)), 8);
        VersionSet::new(
            shared,
            dir,
            Arc::new(Mutex::new(None)),
            Arc::new(cache),
            state,
            Arc::new(AtomicU64::new(20)),
            keyspaces,
        )
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::test_support::keyspace;
    use crate::memtable::MemTable;
    use crate::Error;

    #[test]
    fn a_keyspace_s_tables_record_its_id() {
        assert_eq!(keyspace(0, "default", 5).settings().table.keyspace, 0);
        let users = keyspace(3, "users", 5);
        assert_eq!(users.settings().table.keyspace, 3);
        assert_eq!((users.id(), users.name()), (3, "users"));
    }

    #[test]
    fn a_dropped_keyspace_refuses_by_name() {
        let ks = keyspace(3, "log", 5);
        assert!(ks.check_live().is_ok());
        ks.mark_dropped();
        assert!(ks.is_dropped());
        let err = ks.check_live().unwrap_err();
        assert!(
            matches!(&err, Error::KeyspaceDropped { name } if name == "log"),
            "{err}"
        );
    }

    #[test]
    fn modify_current_builds_on_the_current_super_version() {
        let ks = keyspace(0, "default", 5);
        let next = Arc::new(MemTable::with_filter(4 << 10, true));
        ks.modify_current(|now| now.with_frozen_active(next, 6));
        let (loaded, current) = ks.current_with(|| 42);
        assert_eq!(loaded, 42);
        assert_eq!((current.active_log, current.frozen.len()), (6, 1));
        assert_eq!(current.frozen[0].log_number, 5);
    }
}
