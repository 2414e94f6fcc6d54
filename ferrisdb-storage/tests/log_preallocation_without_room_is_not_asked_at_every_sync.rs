//! A log whose preallocation fails (a disk without room for the 1 MiB of
//! zeros past its records) asks for the room again only once its records
//! have passed the room it asked for, not at every sync. Each attempt on
//! the OS file system writes zeros until the disk is full, then cuts them
//! off: asked at every sync, a disk short of room would take a failed write
//! of up to 1 MiB per synced write, and leave other files' writes briefly no
//! room at all each time.

mod common;

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use common::dir;
use ferrisdb_storage::fs::{
    FaultFileSystem, FileLock, FileSystem, RandomAccessFile, SharedFileSystem, WritableFile,
};
use ferrisdb_storage::internals::wal::{
    wal_file_name, RecoveryMode, WalOptions, WalReader, WalWriter,
};
use ferrisdb_storage::{Error, Result, SyncMode};

/// [`FaultFileSystem`] on a disk short of room: files grow by their
/// appends, but every `set_len` past a file's appended bytes fails with
/// `ENOSPC`, and is counted.
#[derive(Debug)]
struct NoRoom {
    fs: FaultFileSystem,
    growths: Arc<AtomicU64>,
}

#[derive(Debug)]
struct NoRoomFile {
    file: Box<dyn WritableFile>,
    growths: Arc<AtomicU64>,
}

impl WritableFile for NoRoomFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.file.append(data)
    }
    fn sync(&mut self) -> Result<()> {
        self.file.sync()
    }
    fn set_len(&mut self, len: u64) -> Result<()> {
        if len > self.file.len() {
            self.growths.fetch_add(1, Ordering::Relaxed);
            return Err(Error::io(
                self.file.path(),
                io::Error::new(io::ErrorKind::StorageFull, "no room for 1 MiB of zeros"),
            ));
        }
        self.file.set_len(len)
    }
    fn len(&self) -> u64 {
        self.file.len()
    }
    fn path(&self) -> &Path {
        self.file.path()
    }
}

impl FileSystem for NoRoom {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        Ok(Box::new(NoRoomFile {
            file: self.fs.create(path)?,
            growths: Arc::clone(&self.growths),
        }))
    }
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        self.fs.open(path)
    }
    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        self.fs.rename(from, to)
    }
    fn hard_link(&self, from: &Path, to: &Path) -> Result<()> {
        self.fs.hard_link(from, to)
    }
    fn remove(&self, path: &Path) -> Result<()> {
        self.fs.remove(path)
    }
    fn sync_dir(&self, dir: &Path) -> Result<()> {
        self.fs.sync_dir(dir)
    }
    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        self.fs.list(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> Result<()> {
        self.fs.create_dir_all(dir)
    }
    fn exists(&self, path: &Path) -> Result<bool> {
        self.fs.exists(path)
    }
    fn lock(&self, path: &Path) -> Result<Box<dyn FileLock>> {
        self.fs.lock(path)
    }
}

#[test]
fn a_failed_preallocation_is_asked_again_only_past_the_room_it_asked_for() {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    let growths = Arc::new(AtomicU64::new(0));
    let shared: SharedFileSystem = Arc::new(NoRoom {
        fs: fs.clone(),
        growths: Arc::clone(&growths),
    });
    let options = WalOptions {
        sync_mode: SyncMode::Full,
    };
    let writer = WalWriter::create(shared, dir(), 1, options).unwrap();
    // 30 synced records of 100 KiB: 30 syncs over 3 MiB of log.
    let value = vec![7u8; 100 << 10];
    let mut end = 0;
    for _ in 0..30 {
        end = writer.append(&[&value]).unwrap().offset;
    }
    let asked = growths.load(Ordering::Relaxed);
    assert!(asked >= 1, "a synced log asks for room");
    assert!(
        asked <= 1 + end / (1 << 20),
        "asked for room {asked} times in 30 syncs over {end} bytes of log"
    );
    writer.close().unwrap();
    // The log holds every record and ends at its seal.
    let path = dir().join(wal_file_name(1));
    let reader = WalReader::open(&fs, &path, RecoveryMode::AbsoluteConsistency).unwrap();
    let records: Vec<Vec<u8>> = reader.map(|r| r.unwrap().payload).collect();
    assert_eq!(records.len(), 30);
    assert!(records.iter().all(|r| *r == value));
}
