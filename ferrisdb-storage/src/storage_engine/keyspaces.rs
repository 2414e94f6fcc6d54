//! The keyspaces of a database by name: [`StorageEngine::keyspace`] hands
//! out a [`Keyspace`] handle, [`StorageEngine::keyspaces`] lists them.
//!
//! Every database has the keyspace `default`, which
//! [`put`](StorageEngine::put), [`get`](StorageEngine::get) and the other
//! methods of the engine read and write. It cannot be dropped. Other
//! keyspaces are not supported yet.

use super::{Keyspace, StorageEngine};
use crate::{Error, Result};

impl StorageEngine {
    /// A handle to the keyspace named `name`.
    ///
    /// `"default"` names the keyspace that
    /// [`put`](Self::put), [`get`](Self::get) and the other methods of the
    /// engine read and write: its handle reads and writes the same keys.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`] for any other name: keyspaces other than
    /// `default` are not supported yet; [`Error::Closed`] once the database
    /// is closed.
    pub fn keyspace(&self, name: &str) -> Result<Keyspace> {
        let inner = self.inner()?;
        match inner.versions.keyspaces().named(name) {
            Some(ks) => Ok(Keyspace::new(self.clone(), ks.clone())),
            None => Err(Error::InvalidArgument(format!(
                "keyspaces other than default are not supported yet: there is no keyspace \
                 {name:?}; use \"default\", or StorageEngine's own methods, which read and \
                 write it"
            ))),
        }
    }

    /// The names of the database's keyspaces, sorted, `"default"` among
    /// them. After a close, those the database closed with.
    pub fn keyspaces(&self) -> Vec<String> {
        self.handle.inner.versions.keyspaces().names()
    }
}

#[cfg(test)]
mod tests {
    use crate::fs::FaultFileSystem;
    use crate::{Error, StorageConfig, StorageEngine};

    #[test]
    fn only_default_is_named_and_listed() {
        let db = StorageEngine::open(StorageConfig {
            file_system: std::sync::Arc::new(FaultFileSystem::new()),
            ..StorageConfig::new("/db")
        })
        .unwrap();
        assert_eq!(db.keyspaces(), ["default"]);
        assert_eq!(db.keyspace("default").unwrap().name(), "default");
        for name in ["users", "Default", ""] {
            let err = db.keyspace(name).unwrap_err();
            let Error::InvalidArgument(message) = &err else {
                panic!("{name:?}: {err}")
            };
            assert!(
                message.contains("keyspaces other than default are not supported yet"),
                "{message}"
            );
        }
        let other = db.clone();
        db.close().unwrap();
        assert!(matches!(other.keyspace("default"), Err(Error::Closed)));
        assert_eq!(other.keyspaces(), ["default"]);
    }
}
