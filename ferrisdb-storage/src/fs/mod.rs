//! File I/O behind one small trait, so tests can inject faults and crashes.
//!
//! Every byte the engine reads or writes goes through a [`FileSystem`]. In
//! production that is [`OsFileSystem`], a thin layer over `std::fs`. Tests swap
//! in implementations that fail the Nth call, lose unsynced data on a simulated
//! power cut, or flip bits on the way back, and check that the engine keeps its
//! promises anyway.
//!
//! The trait is deliberately small: these are the only operations a
//! log-structured engine needs. Files are written once, front to back
//! ([`WritableFile::append`]), made durable ([`WritableFile::sync`]), published
//! by [`FileSystem::rename`] and [`FileSystem::sync_dir`], read at positions
//! ([`RandomAccessFile::read_exact_at`]) and finally removed. Nothing written
//! is ever overwritten in place; only the zeros a log preallocates past its
//! end ([`WritableFile::set_len`]) are, by its later appends.
//!
//! # Durability vocabulary
//!
//! - After `append` returns, the bytes are in the operating system: they survive
//!   the process being killed, not a power loss.
//! - After `sync` returns, the file's contents are on stable storage.
//! - A new file, a rename or a removal is durable only once the directory that
//!   holds it is synced with [`FileSystem::sync_dir`].

mod fault;
mod os;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::Result;

pub use fault::{
    CrashKind, CrashModel, CrashReport, FaultFileSystem, FaultKind, HeldSyncs, OpKind, PageFate,
    PAGE_SIZE, SECTOR_SIZE,
};
pub use os::OsFileSystem;

/// The file operations the engine uses. Implementations must be shareable
/// between threads.
///
/// Every error names the path it is about ([`Error::Io`](crate::Error::Io)).
pub trait FileSystem: Send + Sync + fmt::Debug {
    /// Creates `path` for writing, truncating it if it exists.
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>>;

    /// Opens an existing file for reads at arbitrary offsets.
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>>;

    /// Atomically replaces `to` with `from` (durable after `sync_dir`).
    fn rename(&self, from: &Path, to: &Path) -> Result<()>;

    /// Makes `to` a second name of the file `from` (durable after
    /// `sync_dir`). Checkpoints share immutable tables this way.
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()>;

    /// Removes a file (durable after `sync_dir`).
    fn remove(&self, path: &Path) -> Result<()>;

    /// Makes creations, renames and removals in `dir` durable.
    fn sync_dir(&self, dir: &Path) -> Result<()>;

    /// The names of the entries of `dir`, sorted.
    fn list(&self, dir: &Path) -> Result<Vec<String>>;

    /// Creates `dir` and its missing parents.
    fn create_dir_all(&self, dir: &Path) -> Result<()>;

    /// Whether `path` exists.
    fn exists(&self, path: &Path) -> Result<bool>;

    /// Takes an exclusive advisory lock on `path`, creating the file if
    /// needed. Fails with [`Error::DatabaseLocked`](crate::Error::DatabaseLocked)
    /// if another holder (in this process or another) has it. The lock is
    /// released when the returned guard drops or the process exits.
    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>>;

    /// Reads a whole file into memory. For small files only: manifests, headers.
    fn read_all(&self, path: &Path) -> Result<Vec<u8>> {
        let file = self.open(path)?;
        let len = usize::try_from(file.len()).map_err(|_| {
            crate::Error::InvalidArgument(format!(
                "{} is too large to read into memory",
                path.display()
            ))
        })?;
        let mut buf = vec![0; len];
        file.read_exact_at(0, &mut buf)?;
        Ok(buf)
    }
}

/// A file being written front to back.
pub trait WritableFile: Send + fmt::Debug {
    /// Appends `data` at the end, handing it to the operating system before
    /// returning: it survives the process being killed, not a power loss.
    fn append(&mut self, data: &[u8]) -> Result<()>;

    /// Makes everything appended so far, and the file's size, durable
    /// (`fdatasync`).
    fn sync(&mut self) -> Result<()>;

    /// Sets the file's size to `len`, at or past the bytes appended
    /// ([`len`](Self::len)): the bytes past them read as zeros, and later
    /// appends overwrite those in place. Growing the file this way
    /// preallocates room, so that a sync of the appends into it need not
    /// commit a new size; shrinking it cuts such room off. Like an append,
    /// the new size is in the operating system when this returns and
    /// durable after the next [`sync`](Self::sync): a power loss before
    /// that may leave the old size or the new one.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a
    /// `len` below the bytes appended, or the I/O error (`ENOSPC` when the
    /// disk lacks the room to grow it). A failed growth leaves the appended
    /// bytes and where the next append goes as they were, and the file at
    /// its old size or, past it, zeros up to at most `len`.
    fn set_len(&mut self, len: u64) -> Result<()>;

    /// Bytes appended since the file was created: where the next append
    /// goes. The file may be longer ([`set_len`](Self::set_len)).
    fn len(&self) -> u64;

    /// Whether nothing has been appended.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The path the file was created at.
    fn path(&self) -> &Path;
}

/// A file read at arbitrary offsets, shareable between threads.
pub trait RandomAccessFile: Send + Sync + fmt::Debug {
    /// Fills `buf` with the bytes at `offset`. Reading past the end of the file
    /// is an error; callers check offsets against [`len`](Self::len) first.
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()>;

    /// The size of the file when it was opened.
    fn len(&self) -> u64;

    /// Whether the file was empty when it was opened.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The path the file was opened at.
    fn path(&self) -> &Path;
}

/// An exclusive lock on a file, released on drop.
pub trait FileLock: Send + Sync + fmt::Debug {}

/// A shared handle to a file system, as held by every component.
pub type SharedFileSystem = Arc<dyn FileSystem>;

/// The real file system.
pub fn os_file_system() -> SharedFileSystem {
    Arc::new(OsFileSystem)
}

/// The directory that holds `path`, or `.` for a bare file name.
pub fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Refuses to cut the file at `path`, of which `appended` bytes were
/// appended, to `len` bytes: the rule [`WritableFile::set_len`] keeps on
/// every file system, so the fault-injecting one refuses what the real one
/// does.
///
/// # Errors
///
/// [`Error::InvalidArgument`](crate::Error::InvalidArgument) for a `len`
/// below `appended`.
pub(crate) fn check_set_len(path: &Path, appended: u64, len: u64) -> crate::Result<()> {
    if len < appended {
        return Err(crate::Error::InvalidArgument(format!(
            "cannot cut {} to {len} bytes: {appended} were appended",
            path.display()
        )));
    }
    Ok(())
}

/// Creates `dir` and its missing parents durably: each directory it creates
/// is made durable by syncing the directory that holds it, so the new name
/// survives a power loss, as POSIX does not promise otherwise. Call before
/// anything acknowledged is stored in `dir`.
pub fn create_dir_all_durable(fs: &dyn FileSystem, dir: &Path) -> crate::Result<()> {
    let mut missing = Vec::new();
    for ancestor in dir.ancestors() {
        // A root (`/`) has no directory to hold its name.
        if ancestor.as_os_str().is_empty() || ancestor.parent().is_none() || fs.exists(ancestor)? {
            break;
        }
        missing.push(ancestor);
    }
    fs.create_dir_all(dir)?;
    for created in missing {
        fs.sync_dir(&parent_dir(created))?;
    }
    Ok(())
}
