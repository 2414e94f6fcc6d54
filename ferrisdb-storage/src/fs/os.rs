//! [`FileSystem`] over the operating system's files.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::{check_set_len, FileLock, FileSystem, RandomAccessFile, WritableFile};
use crate::{Error, Result};

/// The operating system's file system, through `std::fs`.
///
/// Appends go straight to the OS with one `write` system call per
/// [`append`](WritableFile::append): callers batch their bytes (the WAL
/// buffers a group of records, the table writer a whole block), so an extra
/// buffer here would only copy them again.
#[derive(Debug, Clone, Copy, Default)]
pub struct OsFileSystem;

impl FileSystem for OsFileSystem {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        Ok(Box::new(OsWritableFile {
            file,
            path: path.to_path_buf(),
            len: 0,
            size: 0,
        }))
    }

    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let metadata = file.metadata().map_err(|e| Error::io(path, e))?;
        if !metadata.is_file() {
            return Err(Error::InvalidArgument(format!(
                "{} is not a regular file",
                path.display()
            )));
        }
        Ok(Box::new(OsRandomAccessFile {
            file,
            path: path.to_path_buf(),
            len: metadata.len(),
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        fs::rename(from, to).map_err(|e| Error::io(from, e))
    }

    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        fs::hard_link(from, to).map_err(|e| Error::io(to, e))
    }

    fn remove(&self, path: &Path) -> Result<()> {
        fs::remove_file(path).map_err(|e| Error::io(path, e))
    }

    fn sync_dir(&self, dir: &Path) -> Result<()> {
        // On Unix a directory is opened read-only and fsynced like a file; this
        // is what makes a new name (create, rename) survive a power loss.
        #[cfg(unix)]
        {
            let handle = File::open(dir).map_err(|e| Error::io(dir, e))?;
            handle.sync_all().map_err(|e| Error::io(dir, e))
        }
        // Windows has no directory fsync; NTFS journals metadata itself.
        #[cfg(not(unix))]
        {
            let _ = dir;
            Ok(())
        }
    }

    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            // Names that are not UTF-8 were not written by FerrisDB; skip them.
            if let Ok(name) = entry.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))
    }

    fn exists(&self, path: &Path) -> Result<bool> {
        path.try_exists().map_err(|e| Error::io(path, e))
    }

    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| Error::io(path, e))?;
        // `flock` on Unix: the lock belongs to this open file description, so a
        // second open of the same database in this very process conflicts too.
        match file.try_lock() {
            Ok(()) => Ok(Box::new(OsFileLock { _file: file })),
            Err(std::fs::TryLockError::WouldBlock) => Err(Error::DatabaseLocked {
                path: path.to_path_buf(),
            }),
            Err(std::fs::TryLockError::Error(e)) => Err(Error::io(path, e)),
        }
    }
}

/// Holds the locked file open; closing it releases the lock.
#[derive(Debug)]
struct OsFileLock {
    _file: File,
}

impl FileLock for OsFileLock {}

#[derive(Debug)]
struct OsWritableFile {
    file: File,
    path: PathBuf,
    /// Bytes appended: the file's cursor.
    len: u64,
    /// The file's size: `len`, or more after `set_len`.
    size: u64,
}

impl WritableFile for OsWritableFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.file
            .write_all(data)
            .map_err(|e| Error::io(&self.path, e))?;
        self.len += data.len() as u64;
        self.size = self.size.max(self.len);
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.file.sync_data().map_err(|e| Error::io(&self.path, e))
    }

    fn set_len(&mut self, len: u64) -> Result<()> {
        check_set_len(&self.path, self.len, len)?;
        if len > self.size {
            // Written zeros, not a hole (`ftruncate`) or unwritten extents
            // (`fallocate`): overwriting those allocates blocks or converts
            // extents when the pages are written back, and each sync of them
            // commits the journal as a new size does (see
            // `docs/performance.md`).
            if let Err(e) = write_zeros(&mut self.file, self.size, len) {
                // The disk may lack the room (`ENOSPC`) for zeros the
                // caller can do without: cut off those written, so the
                // file ends where it did and the caller may go on
                // appending. Failing that, it may be up to `len` long.
                if self.file.set_len(self.size).is_err() {
                    self.size = len;
                }
                return Err(Error::io(&self.path, e));
            }
        } else if len != self.size {
            self.file
                .set_len(len)
                .map_err(|e| Error::io(&self.path, e))?;
        }
        self.size = len;
        Ok(())
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

/// Writes zeros over `from..to` of `file` with positioned writes, which
/// leave its cursor (where the next append goes) where it is, whether or
/// not they succeed: the blocks are allocated and written, so a later write
/// over them changes no metadata.
///
/// A page at a time: Linux's page cache sizes a folio by the write that
/// creates it (ext4's large folios), and `fdatasync` writes a dirty folio
/// back whole, so zeros written 64 KiB at a time made each synced record
/// over them write back up to 64 KiB instead of one page (5 times the
/// bytes toward the disk in `fillsync`; see `docs/performance.md`).
fn write_zeros(file: &mut File, from: u64, to: u64) -> std::io::Result<()> {
    static ZEROS: [u8; 4096] = [0; 4096];
    let mut at = from;
    while at < to {
        let n = (to - at).min(ZEROS.len() as u64) as usize;
        #[cfg(unix)]
        std::os::unix::fs::FileExt::write_all_at(file, &ZEROS[..n], at)?;
        #[cfg(windows)]
        write_all_at_windows(file, &ZEROS[..n], at)?;
        at += n as u64;
    }
    Ok(())
}

/// Windows' positioned write moves the cursor: it goes back where it was,
/// whether or not the write succeeds.
#[cfg(windows)]
fn write_all_at_windows(file: &mut File, buf: &[u8], at: u64) -> std::io::Result<()> {
    use std::io::{Seek, SeekFrom};
    use std::os::windows::fs::FileExt;
    let cursor = file.stream_position()?;
    let mut written = 0;
    let result = loop {
        if written == buf.len() {
            break Ok(());
        }
        match file.seek_write(&buf[written..], at + written as u64) {
            Ok(0) => break Err(std::io::ErrorKind::WriteZero.into()),
            Ok(n) => written += n,
            Err(e) => break Err(e),
        }
    };
    file.seek(SeekFrom::Start(cursor))?;
    result
}

#[derive(Debug)]
struct OsRandomAccessFile {
    file: File,
    path: PathBuf,
    len: u64,
}

impl RandomAccessFile for OsRandomAccessFile {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        #[cfg(unix)]
        let result = std::os::unix::fs::FileExt::read_exact_at(&self.file, buf, offset);
        #[cfg(windows)]
        let result = read_exact_at_windows(&self.file, buf, offset);
        result.map_err(|e| Error::io(&self.path, e))
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

#[cfg(windows)]
fn read_exact_at_windows(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_sync_rename_read_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let fs = OsFileSystem;
        let tmp = dir.path().join("000001.sst.tmp");
        let mut file = fs.create(&tmp).unwrap();
        file.append(b"hello ").unwrap();
        file.append(b"world").unwrap();
        assert_eq!(file.len(), 11);
        file.sync().unwrap();
        drop(file);

        let real = dir.path().join("000001.sst");
        fs.rename(&tmp, &real).unwrap();
        fs.sync_dir(dir.path()).unwrap();
        assert_eq!(fs.list(dir.path()).unwrap(), ["000001.sst"]);

        let file = fs.open(&real).unwrap();
        assert_eq!(file.len(), 11);
        let mut buf = [0; 5];
        file.read_exact_at(6, &mut buf).unwrap();
        assert_eq!(&buf, b"world");
        assert_eq!(fs.read_all(&real).unwrap(), b"hello world");

        fs.remove(&real).unwrap();
        assert!(!fs.exists(&real).unwrap());
    }

    #[test]
    fn set_len_writes_zeros_that_appends_overwrite_and_cuts_them_off() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("000001.wal");
        let mut file = OsFileSystem.create(&path).unwrap();
        file.append(b"head").unwrap();
        file.set_len(100_000).unwrap();
        assert_eq!(file.len(), 4);
        file.append(b"data").unwrap();
        let mut want = b"headdata".to_vec();
        want.resize(100_000, 0);
        assert_eq!(OsFileSystem.read_all(&path).unwrap(), want);
        file.set_len(8).unwrap();
        file.sync().unwrap();
        assert_eq!(OsFileSystem.read_all(&path).unwrap(), b"headdata");
        let err = file.set_len(7).unwrap_err();
        assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
        file.append(b"!").unwrap();
        assert_eq!(OsFileSystem.read_all(&path).unwrap(), b"headdata!");
    }

    #[test]
    fn errors_name_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("missing.wal");
        let err = OsFileSystem.open(&missing).unwrap_err();
        assert!(
            matches!(err, Error::Io { ref path, .. } if path == &missing),
            "{err}"
        );
        assert!(err.to_string().contains("missing.wal"));
    }

    #[test]
    fn reading_past_the_end_is_an_error_not_a_short_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("short");
        OsFileSystem.create(&path).unwrap().append(b"abc").unwrap();
        let file = OsFileSystem.open(&path).unwrap();
        let mut buf = [0; 4];
        assert!(file.read_exact_at(0, &mut buf).is_err());
    }

    #[test]
    fn a_second_lock_fails_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("LOCK");
        let first = OsFileSystem.lock(&path).unwrap();
        let err = OsFileSystem.lock(&path).unwrap_err();
        assert!(matches!(err, Error::DatabaseLocked { .. }), "{err}");
        assert!(err.to_string().contains("already open"), "{err}");
        drop(first);
        OsFileSystem.lock(&path).unwrap();
    }

    #[test]
    fn opening_a_directory_is_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let err = OsFileSystem.open(dir.path()).unwrap_err();
        assert!(err.to_string().contains("not a regular file"), "{err}");
    }
}
