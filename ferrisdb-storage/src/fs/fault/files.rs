//! The file handles of [`FaultFileSystem`] and its [`FileSystem`]
//! implementation: every operation is counted, may fail as the rules say, and
//! reads or writes the in-memory inodes.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::crash_model::NameOpKind;
use super::{lock, lock_inode, FaultFileSystem, Inode, InodeRef, OpKind};
use crate::fs::{check_set_len, parent_dir, FileLock, FileSystem, RandomAccessFile, WritableFile};
use crate::{Error, Result};

impl FileSystem for FaultFileSystem {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        self.check(OpKind::Create, path)?;
        let mut state = lock(&self.state);
        if !state.dirs.contains(&parent_dir(path)) {
            return Err(Self::not_found(path));
        }
        let inode = Arc::new(Mutex::new(Inode::default()));
        state.live.insert(path.to_path_buf(), Arc::clone(&inode));
        state.record_names(
            NameOpKind::Create,
            vec![(path.into(), Some(Arc::clone(&inode)))],
        );
        Ok(Box::new(FaultWritableFile {
            fs: self.clone(),
            inode,
            path: path.to_path_buf(),
            len: 0,
        }))
    }

    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        self.check(OpKind::Read, path)?;
        let state = lock(&self.state);
        let inode = state.live.get(path).ok_or_else(|| Self::not_found(path))?;
        let len = lock_inode(inode).data.len() as u64;
        Ok(Box::new(FaultReadFile {
            fs: self.clone(),
            inode: Arc::clone(inode),
            path: path.to_path_buf(),
            len,
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.check(OpKind::Rename, from)?;
        let mut state = lock(&self.state);
        let inode = state
            .live
            .remove(from)
            .ok_or_else(|| Self::not_found(from))?;
        state.live.insert(to.to_path_buf(), Arc::clone(&inode));
        state.record_names(
            NameOpKind::Rename,
            vec![(from.into(), None), (to.into(), Some(inode))],
        );
        Ok(())
    }

    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.check(OpKind::Create, to)?;
        let mut state = lock(&self.state);
        let inode = state
            .live
            .get(from)
            .cloned()
            .ok_or_else(|| Self::not_found(from))?;
        state.live.insert(to.to_path_buf(), Arc::clone(&inode));
        state.record_names(NameOpKind::Link, vec![(to.into(), Some(inode))]);
        Ok(())
    }

    fn remove(&self, path: &Path) -> Result<()> {
        self.check(OpKind::Rename, path)?;
        let mut state = lock(&self.state);
        state
            .live
            .remove(path)
            .ok_or_else(|| Self::not_found(path))?;
        state.record_names(NameOpKind::Remove, vec![(path.into(), None)]);
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.check(OpKind::Sync, dir)?;
        let mut state = lock(&self.state);
        if !state.dirs.contains(dir) {
            return Err(Self::not_found(dir));
        }
        let listing = state
            .live
            .iter()
            .filter(|(path, _)| parent_dir(path) == dir)
            .map(|(path, inode)| (path.clone(), Arc::clone(inode)))
            .collect();
        state.durable.insert(dir.to_path_buf(), listing);
        state.names_synced(dir);
        if let Some(unsynced) = state.unsynced_dirs.as_mut() {
            unsynced.retain(|d| parent_dir(d) != dir);
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        self.check(OpKind::Read, dir)?;
        let state = lock(&self.state);
        if !state.dirs.contains(dir) {
            return Err(Self::not_found(dir));
        }
        Ok(state
            .live
            .keys()
            .filter(|path| parent_dir(path) == dir)
            .filter_map(|path| path.file_name()?.to_str().map(str::to_owned))
            .collect())
    }

    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        // Directories are durable at once, unless strict directories are on:
        // then a new one survives a crash only once its parent is synced.
        self.check(OpKind::Create, dir)?;
        let mut state = lock(&self.state);
        for ancestor in dir.ancestors() {
            if state.dirs.insert(ancestor.to_path_buf()) && ancestor.parent().is_some() {
                if let Some(unsynced) = state.unsynced_dirs.as_mut() {
                    unsynced.insert(ancestor.to_path_buf());
                }
            }
        }
        Ok(())
    }

    fn exists(&self, path: &Path) -> Result<bool> {
        self.check(OpKind::Read, path)?;
        let state = lock(&self.state);
        Ok(state.live.contains_key(path) || state.dirs.contains(path))
    }

    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        self.check(OpKind::Create, path)?;
        let mut state = lock(&self.state);
        if !state.locks.insert(path.to_path_buf()) {
            return Err(Error::DatabaseLocked {
                path: path.to_path_buf(),
            });
        }
        Ok(Box::new(FaultLock {
            fs: self.clone(),
            path: path.to_path_buf(),
        }))
    }
}

#[derive(Debug)]
struct FaultWritableFile {
    fs: FaultFileSystem,
    inode: InodeRef,
    path: PathBuf,
    len: u64,
}

impl WritableFile for FaultWritableFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.fs.check(OpKind::Write, &self.path)?;
        lock_inode(&self.inode).write_at(self.len as usize, data);
        self.len += data.len() as u64;
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        self.fs.gate.pass(&self.path);
        if let Err(error) = self.fs.check(OpKind::Sync, &self.path) {
            if !self.fs.is_dead() {
                // An injected failure: as Linux does, the unsynced bytes are
                // dropped from the way to the disk and count as clean, so a
                // later sync that "succeeds" does not save them.
                lock_inode(&self.inode).sync_failed();
            }
            return Err(error);
        }
        lock_inode(&self.inode).synced();
        Ok(())
    }

    fn set_len(&mut self, len: u64) -> Result<()> {
        check_set_len(&self.path, self.len, len)?;
        // It changes the file's bytes, as a write does.
        self.fs.check(OpKind::Write, &self.path)?;
        let len = usize::try_from(len)
            .map_err(|_| Error::io(&self.path, io::Error::from(io::ErrorKind::FileTooLarge)))?;
        lock_inode(&self.inode).set_len(len);
        Ok(())
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug)]
struct FaultReadFile {
    fs: FaultFileSystem,
    inode: InodeRef,
    path: PathBuf,
    len: u64,
}

impl RandomAccessFile for FaultReadFile {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        self.fs.check(OpKind::Read, &self.path)?;
        let inode = lock_inode(&self.inode);
        let start = usize::try_from(offset).ok();
        let range = start.and_then(|s| Some(s..s.checked_add(buf.len())?));
        let bytes = range
            .and_then(|r| inode.data.get(r))
            .ok_or_else(|| Error::io(&self.path, io::Error::from(io::ErrorKind::UnexpectedEof)))?;
        buf.copy_from_slice(bytes);
        drop(inode);
        if let Some((path, at)) = &lock(&self.fs.state).corrupt {
            if *path == self.path && (offset..offset + buf.len() as u64).contains(at) {
                buf[(at - offset) as usize] ^= 0xff;
            }
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        self.len
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug)]
struct FaultLock {
    fs: FaultFileSystem,
    path: PathBuf,
}

impl FileLock for FaultLock {}

impl Drop for FaultLock {
    fn drop(&mut self) {
        lock(&self.fs.state).locks.remove(&self.path);
    }
}
