//! The `lost/` directory of a repaired database: where repair moves every
//! file the repaired database no longer needs, so that it deletes nothing.
//! A name already there (from an earlier repair) gets a suffix, `.1`,
//! `.2`, ..., so nothing in `lost/` is overwritten either.

use std::path::{Path, PathBuf};

use super::report::MovedFile;
use crate::fs::{create_dir_all_durable, FileSystem};
use crate::{Error, Result};

/// The name of the directory, inside the database's.
pub(crate) const LOST_DIR_NAME: &str = "lost";

/// Moves files into `lost/`, creating it on first use.
pub(super) struct LostDir<'a> {
    fs: &'a dyn FileSystem,
    db: &'a Path,
    dir: PathBuf,
    made: bool,
    /// What was moved or copied, for the report.
    pub(super) moved: Vec<MovedFile>,
}

impl<'a> LostDir<'a> {
    pub(super) fn new(fs: &'a dyn FileSystem, db: &'a Path) -> Self {
        LostDir {
            fs,
            db,
            dir: db.join(LOST_DIR_NAME),
            made: false,
            moved: Vec::new(),
        }
    }

    /// A free path in `lost/` for a file called `name`.
    fn place(&mut self, name: &str) -> Result<PathBuf> {
        if !self.made {
            create_dir_all_durable(self.fs, &self.dir)?;
            self.made = true;
        }
        let mut to = self.dir.join(name);
        let mut suffix = 0u32;
        while self.fs.exists(&to)? {
            suffix += 1;
            to = self.dir.join(format!("{name}.{suffix}"));
        }
        Ok(to)
    }

    fn name_of(from: &Path) -> Result<String> {
        from.file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| Error::InvalidArgument(format!("{} names no file", from.display())))
    }

    /// Moves the file at `from` into `lost/`, for `reason`.
    ///
    /// # Errors
    ///
    /// The I/O error of making `lost/` or of the rename.
    pub(super) fn take(&mut self, from: &Path, reason: impl Into<String>) -> Result<()> {
        let to = self.place(&Self::name_of(from)?)?;
        self.fs.rename(from, &to)?;
        self.moved.push(MovedFile {
            from: from.to_path_buf(),
            to,
            reason: reason.into(),
        });
        Ok(())
    }

    /// Copies the file at `from` into `lost/`, durably, for `reason`: for
    /// a file repair is about to replace.
    ///
    /// # Errors
    ///
    /// The I/O error of reading, writing or syncing.
    pub(super) fn copy(&mut self, from: &Path, reason: impl Into<String>) -> Result<()> {
        let bytes = self.fs.read_all(from)?;
        let to = self.place(&Self::name_of(from)?)?;
        let mut file = self.fs.create(&to)?;
        file.append(&bytes)?;
        file.sync()?;
        self.fs.sync_dir(&self.dir)?;
        self.moved.push(MovedFile {
            from: from.to_path_buf(),
            to,
            reason: reason.into(),
        });
        Ok(())
    }

    /// Makes every move durable: both directories synced.
    ///
    /// # Errors
    ///
    /// The I/O error of a sync.
    pub(super) fn finish(self) -> Result<Vec<MovedFile>> {
        if self.made {
            self.fs.sync_dir(&self.dir)?;
            self.fs.sync_dir(self.db)?;
        }
        Ok(self.moved)
    }
}
