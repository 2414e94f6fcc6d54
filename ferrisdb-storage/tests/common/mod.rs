//! Helpers shared by the WAL scenarios: an in-memory file system that can be
//! told to fail, and functions to write and read back logs.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use ferrisdb_storage::fs::{FileSystem, RandomAccessFile, SharedFileSystem, WritableFile};
use ferrisdb_storage::wal::{RecoveryMode, WALReader, WALWriter, WalDamage, WalOptions, WalRecord};
use ferrisdb_storage::{Error, Result, WriteBatch};
use rand::Rng;

type Files = Arc<Mutex<BTreeMap<PathBuf, Arc<Mutex<Vec<u8>>>>>>;

/// Files in memory. `fail_io` makes every later append and sync fail.
#[derive(Debug, Default, Clone)]
pub struct MemFs {
    files: Files,
    pub fail_io: Arc<AtomicBool>,
}

impl MemFs {
    pub fn new() -> Arc<MemFs> {
        Arc::new(MemFs::default())
    }

    pub fn contents(&self, path: &Path) -> Vec<u8> {
        let files = self.files.lock().unwrap();
        let data = files
            .get(path)
            .expect("file exists")
            .lock()
            .unwrap()
            .clone();
        data
    }

    pub fn set_contents(&self, path: &Path, data: Vec<u8>) {
        let mut files = self.files.lock().unwrap();
        files.insert(path.to_path_buf(), Arc::new(Mutex::new(data)));
    }
}

fn injected(path: &Path) -> Error {
    Error::io(path, io::Error::other("injected fault"))
}

impl FileSystem for MemFs {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        let data = Arc::new(Mutex::new(Vec::new()));
        self.files
            .lock()
            .unwrap()
            .insert(path.to_path_buf(), data.clone());
        Ok(Box::new(MemWritable {
            data,
            path: path.to_path_buf(),
            fail: self.fail_io.clone(),
        }))
    }

    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        let files = self.files.lock().unwrap();
        let Some(data) = files.get(path) else {
            return Err(Error::io(path, io::ErrorKind::NotFound.into()));
        };
        let data = data.lock().unwrap().clone();
        Ok(Box::new(MemReadable {
            data,
            path: path.to_path_buf(),
        }))
    }

    fn rename(&self, from: &Path, to: &Path) -> Result<()> {
        let mut files = self.files.lock().unwrap();
        let data = files
            .remove(from)
            .ok_or_else(|| Error::io(from, io::ErrorKind::NotFound.into()))?;
        files.insert(to.to_path_buf(), data);
        Ok(())
    }

    fn remove(&self, path: &Path) -> Result<()> {
        self.files.lock().unwrap().remove(path);
        Ok(())
    }

    fn sync_dir(&self, dir: &Path) -> Result<()> {
        if self.fail_io.load(Ordering::SeqCst) {
            return Err(injected(dir));
        }
        Ok(())
    }

    fn list(&self, dir: &Path) -> Result<Vec<String>> {
        let files = self.files.lock().unwrap();
        Ok(files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name()?.to_str().map(String::from))
            .collect())
    }

    fn create_dir_all(&self, _dir: &Path) -> Result<()> {
        Ok(())
    }

    fn exists(&self, path: &Path) -> Result<bool> {
        Ok(self.files.lock().unwrap().contains_key(path))
    }
}

#[derive(Debug)]
struct MemWritable {
    data: Arc<Mutex<Vec<u8>>>,
    path: PathBuf,
    fail: Arc<AtomicBool>,
}

impl WritableFile for MemWritable {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(injected(&self.path));
        }
        self.data.lock().unwrap().extend_from_slice(data);
        Ok(())
    }

    fn sync(&mut self) -> Result<()> {
        if self.fail.load(Ordering::SeqCst) {
            return Err(injected(&self.path));
        }
        Ok(())
    }

    fn len(&self) -> u64 {
        self.data.lock().unwrap().len() as u64
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

#[derive(Debug)]
struct MemReadable {
    data: Vec<u8>,
    path: PathBuf,
}

impl RandomAccessFile for MemReadable {
    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = usize::try_from(offset).unwrap();
        let end = start + buf.len();
        if end > self.data.len() {
            return Err(Error::io(&self.path, io::ErrorKind::UnexpectedEof.into()));
        }
        buf.copy_from_slice(&self.data[start..end]);
        Ok(())
    }

    fn len(&self) -> u64 {
        self.data.len() as u64
    }

    fn path(&self) -> &Path {
        &self.path
    }
}

/// The directory every in-memory log lives in.
pub fn dir() -> PathBuf {
    PathBuf::from("/db")
}

/// A batch of up to `max_entries` random puts and deletes.
pub fn random_batch(rng: &mut impl Rng, max_entries: usize, max_value: usize) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for _ in 0..rng.random_range(1..=max_entries) {
        let key: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
        if rng.random_bool(0.2) {
            batch = batch.delete(key);
        } else {
            let value: Vec<u8> = (0..rng.random_range(0..=max_value))
                .map(|_| rng.random())
                .collect();
            batch = batch.put(key, value);
        }
    }
    batch
}

/// A writer for file 1 of `dir()` on `fs`.
pub fn writer(fs: SharedFileSystem, options: WalOptions) -> WALWriter {
    let next = Arc::new(AtomicU64::new(2));
    WALWriter::create(fs, dir(), 1, next, options).unwrap()
}

/// Writes `batches` (timestamps 1, 2, ...) to file 1 and returns its path and
/// the offset just past each record.
pub fn write_log(fs: &Arc<MemFs>, batches: &[WriteBatch]) -> (PathBuf, Vec<u64>) {
    let w = writer(fs.clone(), WalOptions::default());
    let ends = batches
        .iter()
        .zip(1..)
        .map(|(b, ts)| w.append(b, ts).unwrap().offset)
        .collect();
    w.close().unwrap();
    (dir().join("000001.wal"), ends)
}

/// What reading a log gave.
#[derive(Debug)]
pub struct ReadBack {
    pub records: Vec<WalRecord>,
    pub error: Option<Error>,
    pub dropped: u64,
    pub damage: Option<WalDamage>,
}

/// Reads every record of `path` under `mode`, stopping at the first error.
pub fn read_log(fs: &dyn FileSystem, path: &Path, mode: RecoveryMode) -> ReadBack {
    let mut reader = match WALReader::open(fs, path, mode) {
        Ok(r) => r,
        Err(e) => {
            return ReadBack {
                records: vec![],
                error: Some(e),
                dropped: 0,
                damage: None,
            }
        }
    };
    let mut records = Vec::new();
    let mut error = None;
    for item in reader.by_ref() {
        match item {
            Ok(r) => records.push(r),
            Err(e) => {
                error = Some(e);
                break;
            }
        }
    }
    assert!(reader.next().is_none(), "the reader ends after an error");
    ReadBack {
        records,
        error,
        dropped: reader.dropped_bytes(),
        damage: reader.damage().cloned(),
    }
}

/// The error's offset, for corruption errors.
pub fn error_offset(err: &Error) -> Option<u64> {
    match err {
        Error::Corruption { offset, .. } | Error::ChecksumMismatch { offset, .. } => Some(*offset),
        _ => None,
    }
}

/// Asserts that `records` are `batches[..n]` with timestamps 1..=n.
pub fn assert_prefix(records: &[WalRecord], batches: &[WriteBatch], n: usize, context: &str) {
    assert_eq!(records.len(), n, "{context}: record count");
    for (i, r) in records.iter().enumerate() {
        assert_eq!(
            r.timestamp,
            i as u64 + 1,
            "{context}: timestamp of record {i}"
        );
        assert_eq!(r.batch, batches[i], "{context}: batch {i}");
    }
}
