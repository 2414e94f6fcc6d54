//! Regression: a disk with room for the log's records but not for the
//! megabyte of zeros a sync preallocates past them. Preallocating is an
//! optimisation (it spares a sync the commit of a new file size); it must
//! not turn a write that fits into a refused one, nor stop the engine.
//! RocksDB ignores a failed `fallocate` for the same reason.

mod common;

use std::io;
use std::path::Path;
use std::sync::Arc;

use common::full_sync_config;
use ferrisdb_storage::fs::{FaultFileSystem, FileLock, FileSystem, RandomAccessFile, WritableFile};
use ferrisdb_storage::internals::wal::RecoveryMode;
use ferrisdb_storage::{Error, Result, StorageConfig, StorageEngine};

/// [`FaultFileSystem`] on a disk almost full: a file may grow by appends,
/// but `set_len` past its appended bytes fails with `ENOSPC`.
#[derive(Debug, Clone)]
struct AlmostFull(FaultFileSystem);

#[derive(Debug)]
struct AlmostFullFile(Box<dyn WritableFile>);

impl WritableFile for AlmostFullFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.0.append(data)
    }
    fn sync(&mut self) -> Result<()> {
        self.0.sync()
    }
    fn set_len(&mut self, len: u64) -> Result<()> {
        if len > self.0.len() {
            return Err(Error::io(
                self.0.path(),
                io::Error::new(io::ErrorKind::StorageFull, "no room for 1 MiB of zeros"),
            ));
        }
        self.0.set_len(len)
    }
    fn len(&self) -> u64 {
        self.0.len()
    }
    fn path(&self) -> &Path {
        self.0.path()
    }
}

impl FileSystem for AlmostFull {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        Ok(Box::new(AlmostFullFile(self.0.create(path)?)))
    }
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        self.0.open(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.0.rename(from, to)
    }
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.0.hard_link(from, to)
    }
    fn remove(&self, path: &Path) -> Result<()> {
        self.0.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.0.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        self.0.list(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.0.create_dir_all(dir)
    }
    fn exists(&self, path: &Path) -> Result<bool> {
        self.0.exists(path)
    }
    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        self.0.lock(path)
    }
}

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(AlmostFull(fs.clone())),
        ..full_sync_config(fs, RecoveryMode::default())
    }
}

#[test]
fn synced_writes_that_fit_succeed_when_the_preallocation_does_not() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    for i in 0..20 {
        db.put(format!("k{i}"), vec![b'v'; 100])
            .unwrap_or_else(|e| panic!("write {i}, whose records fit, refused: {e}"));
    }
    db.close().unwrap();
    // Every write is there after a power loss too.
    let crashed = fs.crash();
    let db = StorageEngine::open(full_sync_config(
        &crashed,
        RecoveryMode::AbsoluteConsistency,
    ))
    .unwrap();
    for i in 0..20 {
        assert!(db.get(format!("k{i}")).unwrap().is_some(), "k{i} lost");
    }
}
