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
    /// Files given a second name in `lost/` (or, on a file system without
    /// hard links, a name to move to), whose names in the database's
    /// directory [`release`](Self::release) drops.
    pending: Vec<(MovedFile, bool)>,
}

impl<'a> LostDir<'a> {
    pub(super) fn new(fs: &'a dyn FileSystem, db: &'a Path) -> Self {
        LostDir {
            fs,
            db,
            dir: db.join(LOST_DIR_NAME),
            made: false,
            moved: Vec::new(),
            pending: Vec::new(),
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

    /// Gives the file at `from` a second name in `lost/`, for `reason`: its
    /// bytes stay there whatever then happens to its name in the database's
    /// directory. [`release`](Self::release) drops that name.
    ///
    /// # Errors
    ///
    /// The I/O error of making `lost/`.
    pub(super) fn link(&mut self, from: &Path, reason: impl Into<String>) -> Result<()> {
        let to = self.place(&Self::name_of(from)?)?;
        // Without hard links, `release` moves it instead.
        let linked = self.fs.hard_link(from, &to).is_ok();
        let moved = MovedFile {
            from: from.to_path_buf(),
            to,
            reason: reason.into(),
        };
        self.pending.push((moved, linked));
        Ok(())
    }

    /// Makes the second names [`link`](Self::link) gave durable.
    ///
    /// # Errors
    ///
    /// The I/O error of the sync.
    pub(super) fn sync(&self) -> Result<()> {
        if self.made {
            self.fs.sync_dir(&self.dir)?;
        }
        Ok(())
    }

    /// Drops the database directory's name of every file [`link`](Self::link)
    /// gave a second name in `lost/` (moves it there, where it got none).
    ///
    /// # Errors
    ///
    /// The I/O error of a removal or a rename.
    pub(super) fn release(&mut self) -> Result<()> {
        for (moved, linked) in std::mem::take(&mut self.pending) {
            if linked {
                self.fs.remove(&moved.from)?;
            } else {
                self.fs.rename(&moved.from, &moved.to)?;
            }
            self.moved.push(moved);
        }
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
