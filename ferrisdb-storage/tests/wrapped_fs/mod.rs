//! A file system for scenarios that watch file operations: every call goes
//! to an in-memory [`FaultFileSystem`], after the scenario's hook on each
//! create, and the files it opens pass through the scenario's wrapper.

#![allow(dead_code)]

use std::fmt;
use std::path::Path;

use ferrisdb_storage::fs::{FaultFileSystem, FileLock, FileSystem, RandomAccessFile, WritableFile};
use ferrisdb_storage::Result;

/// Runs before each create with its path; an error fails the create.
pub type BeforeCreate = Box<dyn Fn(&Path) -> Result<()> + Send + Sync>;
/// Wraps a file the inner file system opened.
pub type WrapOpened =
    Box<dyn Fn(Box<dyn RandomAccessFile>) -> Box<dyn RandomAccessFile> + Send + Sync>;

/// [`FaultFileSystem`] with a hook on its creates and a wrapper around the
/// files it opens.
pub struct WrappedFs {
    pub inner: FaultFileSystem,
    pub before_create: BeforeCreate,
    pub opened: WrapOpened,
}

impl WrappedFs {
    /// `inner` with files passed through unchanged.
    pub fn new(inner: FaultFileSystem) -> Self {
        WrappedFs {
            inner,
            before_create: Box::new(|_| Ok(())),
            opened: Box::new(|file| file),
        }
    }
}

impl fmt::Debug for WrappedFs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WrappedFs")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl FileSystem for WrappedFs {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        (self.before_create)(path)?;
        self.inner.create(path)
    }
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        Ok((self.opened)(self.inner.open(path)?))
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.inner.rename(from, to)
    }
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.inner.hard_link(from, to)
    }
    fn remove(&self, path: &Path) -> Result<()> {
        self.inner.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.inner.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        self.inner.list(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.inner.create_dir_all(dir)
    }
    fn exists(&self, path: &Path) -> Result<bool> {
        self.inner.exists(path)
    }
    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        self.inner.lock(path)
    }
}
