//! [`StorageEngine::repair`]: rebuilding a database that no longer opens
//! from what is readable in its directory.

use super::StorageEngine;
use crate::engine::progress::{Progress, Tracker};
use crate::engine::repair::report::{RepairOptions, RepairReport};
use crate::{Result, StorageConfig};

impl StorageEngine {
    /// Repairs the database in `config.data_dir`, which must not be open:
    /// rebuilds its manifest (its keyspaces included) from the tables and
    /// logs in the directory, keeping every entry it can read, and moves
    /// every file the repaired database does not use into `lost/` (it
    /// deletes nothing). See [`repair_with`](Self::repair_with).
    ///
    /// # Errors
    ///
    /// As [`repair_with`](Self::repair_with).
    ///
    /// # Examples
    ///
    /// ```
    /// use ferrisdb_storage::{StorageConfig, StorageEngine};
    ///
    /// # fn main() -> ferrisdb_storage::Result<()> {
    /// # let dir = tempfile::tempdir().unwrap();
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// db.put("k", "v")?;
    /// db.close()?;
    /// std::fs::remove_file(dir.path().join("MANIFEST")).unwrap();
    ///
    /// let report = StorageEngine::repair(StorageConfig::new(dir.path()))?;
    /// assert!(report.is_complete(), "{report}");
    /// let db = StorageEngine::open(StorageConfig::new(dir.path()))?;
    /// assert_eq!(db.get("k")?.as_deref(), Some(&b"v"[..]));
    /// # Ok(())
    /// # }
    /// ```
    pub fn repair(config: StorageConfig) -> Result<RepairReport> {
        Self::repair_with(config, RepairOptions::default())
    }

    /// [`repair`](Self::repair), as `options` say.
    ///
    /// It reads the manifest if it can, and keeps its keyspaces, their
    /// options, and its list of live tables; otherwise it reads every table
    /// and log of the directory, and names each keyspace other than
    /// `default` `recovered-<id>` (and puts the entries of a table whose
    /// properties are lost, so that nothing says whose they are, in a
    /// keyspace `unknown-<file>`). It reads each table block by block and
    /// each log past its damage, and writes each keyspace as one sorted run
    /// of the newest version of each key, decided by timestamps. A repaired
    /// database passes [`verify`](Self::verify).
    ///
    /// Where an unreadable part of a file may have held newer versions or
    /// tombstones, repair cannot know what they hid: the report names the
    /// key ranges ([`RepairReport::affected`]), and with
    /// [`RepairOptions::strict`] repair refuses, having changed nothing.
    ///
    /// It rewrites the whole database: it needs free space for a second
    /// copy, and the originals in `lost/` until you delete them.
    ///
    /// # Errors
    ///
    /// - A corruption error naming the first damaged file and offset, and
    ///   listing every affected range, for a strict repair that found any:
    ///   nothing was changed.
    /// - [`Error::UnsupportedFormat`](crate::Error::UnsupportedFormat) for a
    ///   database, table or log of a later FerrisDB: nothing was changed.
    /// - [`Error::InvalidArgument`](crate::Error::InvalidArgument) for an
    ///   invalid setting, or a directory that does not exist.
    /// - [`Error::Io`](crate::Error::Io) if the database is open (its lock
    ///   is taken) or the file system fails.
    pub fn repair_with(config: StorageConfig, options: RepairOptions) -> Result<RepairReport> {
        Self::repair_with_progress(config, options, &mut |_| {})
    }

    /// [`repair_with`](Self::repair_with), telling `progress` how many
    /// bytes of the tables and logs it has read, of how many, as it goes:
    /// what a progress bar draws. It reads each table twice (its survey,
    /// then the merge) and each log once.
    ///
    /// # Errors
    ///
    /// As [`repair_with`](Self::repair_with).
    pub fn repair_with_progress(
        config: StorageConfig,
        options: RepairOptions,
        progress: &mut dyn FnMut(Progress),
    ) -> Result<RepairReport> {
        crate::engine::repair::repair(config, options, &mut Tracker::new(progress))
    }
}
