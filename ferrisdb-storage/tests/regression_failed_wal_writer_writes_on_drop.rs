//! Regression (issue 14, bug 7): a failed WAL writer still wrote.
//!
//! While one thread's group-commit sync was failing, another thread framed
//! its record into the writer's buffer. The sync failure marked the writer
//! failed and the second thread got an error, but `WALWriter::drop` then
//! handed the buffered record to the OS: after a hole where the failed sync's
//! bytes may be lost, a valid record of a write that was refused.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex};

use ferrisdb_storage::fs::{FaultFileSystem, FileLock, FileSystem, RandomAccessFile, WritableFile};
use ferrisdb_storage::wal::{RecoveryMode, WALReader, WALWriter, WalOptions};
use ferrisdb_storage::{Error, Result, SyncMode, WriteBatch};

/// A file system whose log syncs, once armed, tell the test they started
/// and then wait for its verdict.
#[derive(Debug)]
struct GatedFs {
    inner: FaultFileSystem,
    gate: Arc<Gate>,
}

#[derive(Debug)]
struct Gate {
    armed: Mutex<bool>,
    started: Mutex<Sender<()>>,
    verdict: Mutex<Receiver<bool>>,
}

#[derive(Debug)]
struct GatedFile {
    inner: Box<dyn WritableFile>,
    gate: Arc<Gate>,
}

impl WritableFile for GatedFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.inner.append(data)
    }
    fn sync(&mut self) -> Result<()> {
        if std::mem::take(&mut *self.gate.armed.lock().unwrap()) {
            self.gate.started.lock().unwrap().send(()).unwrap();
            if !self.gate.verdict.lock().unwrap().recv().unwrap() {
                return Err(Error::io(
                    self.inner.path(),
                    std::io::Error::other("injected fsync failure"),
                ));
            }
        }
        self.inner.sync()
    }
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn path(&self) -> &Path {
        self.inner.path()
    }
}

impl FileSystem for GatedFs {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        Ok(Box::new(GatedFile {
            inner: self.inner.create(path)?,
            gate: Arc::clone(&self.gate),
        }))
    }
    fn open(&self, path: &Path) -> Result<Box<dyn RandomAccessFile>> {
        self.inner.open(path)
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

#[test]
fn a_record_buffered_while_a_sync_fails_never_reaches_the_file() {
    let (started_tx, started_rx) = channel();
    let (verdict_tx, verdict_rx) = channel();
    let inner = FaultFileSystem::new();
    let dir = PathBuf::from("/db");
    inner.create_dir_all(&dir).unwrap();
    let gate = Arc::new(Gate {
        armed: Mutex::new(false),
        started: Mutex::new(started_tx),
        verdict: Mutex::new(verdict_rx),
    });
    let fs = Arc::new(GatedFs {
        inner: inner.clone(),
        gate: Arc::clone(&gate),
    });
    let writer = Arc::new(
        WALWriter::create(
            fs,
            &dir,
            1,
            Arc::new(AtomicU64::new(2)),
            WalOptions {
                sync_mode: SyncMode::Full,
                ..WalOptions::default()
            },
        )
        .unwrap(),
    );
    *gate.armed.lock().unwrap() = true;

    // The first writer leads a sync, which stops at the gate.
    let leader = {
        let writer = Arc::clone(&writer);
        std::thread::spawn(move || writer.append(&WriteBatch::new().put("first", "1"), 1))
    };
    started_rx.recv().unwrap();
    // Meanwhile a second write is framed into the buffer.
    let position = writer
        .append_no_sync(&WriteBatch::new().put("second", "2"), 2)
        .unwrap();
    // The sync fails: both writers are refused.
    verdict_tx.send(false).unwrap();
    assert!(leader.join().unwrap().is_err());
    assert!(writer.sync_to(position).is_err());
    drop(writer);

    let log = dir.join("000001.wal");
    let timestamps: Vec<u64> = WALReader::open(&inner, &log, RecoveryMode::PointInTimeRecovery)
        .unwrap()
        .map(|r| r.unwrap().timestamp)
        .collect();
    assert!(
        !timestamps.contains(&2),
        "the refused second write reached the log after the failure: {timestamps:?}"
    );
}
