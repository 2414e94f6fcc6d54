//! The keyspaces of a database by name: [`StorageEngine::keyspace`] and
//! [`StorageEngine::keyspace_with`] hand out a [`Keyspace`] handle (creating
//! the keyspace if need be), [`StorageEngine::keyspaces`] lists them and
//! [`StorageEngine::drop_keyspace`] drops one.
//!
//! Every database has the keyspace `default`, which
//! [`put`](StorageEngine::put), [`get`](StorageEngine::get) and the other
//! methods of the engine read and write. It cannot be dropped, and its
//! options are the database's [`StorageConfig`](crate::StorageConfig).

use super::{Keyspace, StorageEngine};
use crate::{KeyspaceOptions, Result};

impl StorageEngine {
    /// A handle to the keyspace named `name`, created if it does not exist,
    /// with the database's own settings (`KeyspaceOptions::from(&config)`).
    ///
    /// `"default"` names the keyspace that
    /// [`put`](Self::put), [`get`](Self::get) and the other methods of the
    /// engine read and write: its handle reads and writes the same keys.
    ///
    /// A create is one durable manifest write, made before the handle is
    /// returned. A name is 1 to 255 bytes of UTF-8 without `/`, `\` or
    /// control characters.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a name
    /// that is refused, with the reason;
    /// [`Error::Background`](crate::Error::Background) once the database
    /// stopped, and when writing the manifest failed, which stops it: the
    /// `MANIFEST` in place may then hold the keyspace or not, which the
    /// reopen that every later call asks for settles;
    /// [`Error::Closed`](crate::Error::Closed) once it is closed.
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{StorageConfig, StorageEngine};
    ///
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let users = db.keyspace("users")?;
    /// users.put("u:1", "alice")?;
    /// db.put("u:1", "in default")?;
    /// assert_eq!(users.get("u:1")?.unwrap(), "alice");
    /// assert_eq!(db.keyspaces(), ["default", "users"]);
    ///
    /// // After a reopen, `keyspace` opens the one that exists.
    /// db.close()?;
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// assert_eq!(db.keyspace("users")?.get("u:1")?.unwrap(), "alice");
    /// # Ok(())
    /// # }
    /// ```
    pub fn keyspace(&self, name: &str) -> Result<Keyspace> {
        // Gated: a create writes the manifest, never once a close began.
        let (_gate, inner) = self.inner_gated()?;
        let ks = inner.keyspace(name, None)?;
        Ok(Keyspace::new(self.clone(), ks))
    }

    /// A handle to the keyspace named `name`, made with `options`: created
    /// with them if it does not exist, otherwise given them (one durable
    /// manifest write), for the MemTables and tables it makes from then on.
    ///
    /// # Errors
    ///
    /// As [`keyspace`](Self::keyspace), and
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for
    /// `"default"` (its options are the database's: set them in
    /// [`StorageConfig`](crate::StorageConfig)) or for options
    /// [`KeyspaceOptions::validate`] refuses or the database's level-0
    /// triggers do not allow (see
    /// [`compaction_style`](KeyspaceOptions::compaction_style)).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{CompactionStyle, KeyspaceOptions, StorageConfig, StorageEngine};
    ///
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// let log = db.keyspace_with("log", KeyspaceOptions {
    ///     compaction_style: CompactionStyle::size_tiered(),
    ///     ..KeyspaceOptions::default()
    /// })?;
    /// log.put("e:1", "started")?;
    /// # Ok(())
    /// # }
    /// ```
    pub fn keyspace_with(&self, name: &str, options: KeyspaceOptions) -> Result<Keyspace> {
        let (_gate, inner) = self.inner_gated()?;
        let ks = inner.keyspace(name, Some(&options))?;
        Ok(Keyspace::new(self.clone(), ks))
    }

    /// The names of the database's keyspaces, sorted, `"default"` among
    /// them. After a close, those the database closed with.
    pub fn keyspaces(&self) -> Vec<String> {
        self.handle.inner.versions.keyspaces().names()
    }

    /// Drops the keyspace named `name` and everything in it.
    ///
    /// It takes constant time: one durable manifest write, after which the
    /// keyspace's handles and the batches built with them are refused with
    /// [`Error::KeyspaceDropped`](crate::Error::KeyspaceDropped), and the
    /// name can be created again at once, as a new, empty keyspace. Its
    /// files are deleted in the background, each once nothing reads it:
    /// scans and snapshots already open keep reading the keyspace until
    /// they end (a handle of it keeps its files too). Waits for a write
    /// stalled on background work, as writes do.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for
    /// `"default"`, which cannot be dropped;
    /// [`Error::KeyspaceNotFound`](crate::Error::KeyspaceNotFound) for a
    /// name no keyspace has; [`Error::Background`](crate::Error::Background)
    /// once the database stopped, and when writing the manifest failed,
    /// which stops it: the drop may or may not be on disk, so no write is
    /// acknowledged into the keyspace until a reopen settles which;
    /// [`Error::Closed`](crate::Error::Closed) once it is closed.
    pub fn drop_keyspace(&self, name: &str) -> Result<()> {
        let (_gate, inner) = self.inner_gated()?;
        inner.drop_keyspace(name)
    }
}

#[cfg(test)]
mod tests {
    use crate::fs::FaultFileSystem;
    use crate::{Error, KeyspaceOptions, StorageConfig, StorageEngine};

    fn open() -> StorageEngine {
        StorageEngine::open(StorageConfig {
            file_system: std::sync::Arc::new(FaultFileSystem::new()),
            ..StorageConfig::new("/db")
        })
        .unwrap()
    }

    #[test]
    fn keyspaces_are_created_named_and_listed() {
        let db = open();
        assert_eq!(db.keyspaces(), ["default"]);
        assert_eq!(db.keyspace("default").unwrap().name(), "default");
        let users = db.keyspace("users").unwrap();
        assert_eq!(users.name(), "users");
        assert_eq!(db.keyspaces(), ["default", "users"]);
        // Opened again, not created again: the same keyspace.
        users.put("k", "v").unwrap();
        assert_eq!(
            db.keyspace("users").unwrap().get("k").unwrap().unwrap(),
            "v"
        );
        let other = db.clone();
        db.close().unwrap();
        assert!(matches!(other.keyspace("users"), Err(Error::Closed)));
        assert_eq!(other.keyspaces(), ["default", "users"]);
    }

    #[test]
    fn default_has_the_database_s_options_and_cannot_be_dropped() {
        let db = open();
        for err in [
            db.keyspace_with("default", KeyspaceOptions::default())
                .unwrap_err(),
            db.drop_keyspace("default").unwrap_err(),
        ] {
            assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        }
        let err = db.drop_keyspace("users").unwrap_err();
        assert!(
            matches!(&err, Error::KeyspaceNotFound { name } if name == "users"),
            "{err}"
        );
        let err = db
            .keyspace_with(
                "users",
                KeyspaceOptions {
                    memtable_size: 1,
                    ..KeyspaceOptions::default()
                },
            )
            .unwrap_err();
        assert!(
            matches!(&err, Error::InvalidArgument(m) if m.contains("memtable_size")),
            "{err}"
        );
        assert_eq!(db.keyspaces(), ["default"], "nothing was created");
    }
}
