//! Helpers shared by the scenarios: an in-memory file system that can be
//! told to fail, functions to write and read back logs, the hex dump the
//! format specifications' worked examples use, and ([`old_database`]) the
//! checks of the databases older FerrisDBs wrote.

#![allow(dead_code)]

pub mod four_rounds;
pub mod keyspace_rounds;
pub mod keyspaces;
pub mod old_database;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FaultKind, FileSystem, OpKind, SharedFileSystem};
use ferrisdb_storage::internals::wal::{
    PayloadKind, RecoveryMode, WalDamage, WalOptions, WalPosition, WalReader, WalRecord, WalWriter,
};
use ferrisdb_storage::{Error, Result, Scan, StorageConfig, StorageEngine, Timestamp, WriteBatch};
use rand::Rng;

/// The WAL scenarios' file system: FerrisDB's in-memory [`FaultFileSystem`].
pub type MemFs = FaultFileSystem;

/// A fresh in-memory file system holding the directory [`dir`].
pub fn mem_fs() -> Arc<MemFs> {
    let fs = FaultFileSystem::new();
    fs.create_dir_all(&dir()).unwrap();
    Arc::new(fs)
}

/// Reading, replacing and breaking files, for the scenarios.
pub trait MemFsExt {
    /// The whole contents of `path`.
    fn contents(&self, path: &Path) -> Vec<u8>;
    /// Replaces `path` with `data`, durably.
    fn set_contents(&self, path: &Path, data: Vec<u8>);
    /// With `true`, every later append and sync (of files and directories)
    /// fails with an I/O error; with `false`, nothing fails.
    fn fail_io(&self, on: bool);
}

impl MemFsExt for MemFs {
    fn contents(&self, path: &Path) -> Vec<u8> {
        self.read_all(path).expect("file exists")
    }

    fn set_contents(&self, path: &Path, data: Vec<u8>) {
        let mut file = self.create(path).unwrap();
        file.append(&data).unwrap();
        file.sync().unwrap();
    }

    fn fail_io(&self, on: bool) {
        if on {
            self.fail_at(1, true, &[OpKind::Write, OpKind::Sync], FaultKind::Io);
        } else {
            self.heal();
        }
    }
}

/// The directory every in-memory log lives in.
pub fn dir() -> PathBuf {
    PathBuf::from("/db")
}

/// A database in [`dir`] on `fs` that recovers its logs in `mode`; the
/// scenarios that need more logs set `wal_max_file_size` over it and write
/// through [`writes_left_in_logs`].
pub fn fault_config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_recovery_mode: mode,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(dir())
    }
}

/// A new database on `fs` (in [`dir`]) whose log is replaced by an empty
/// one of the same number: returns a writer of it, for a scenario to write
/// the records it crafts, and its path. The database opens with them next.
pub fn crafted_log(fs: &FaultFileSystem) -> (WalWriter, PathBuf) {
    drop(StorageEngine::open(fault_config(fs, RecoveryMode::default())).unwrap());
    let (number, log) = newest_log(fs);
    fs.remove(&log).unwrap();
    let writer =
        WalWriter::create(Arc::new(fs.clone()), dir(), number, WalOptions::default()).unwrap();
    (writer, log)
}

/// Replaces the file at `path` on `fs` with `bytes`, synced.
pub fn replace_file(fs: &FaultFileSystem, path: &Path, bytes: &[u8]) {
    let mut file = fs.create(path).unwrap();
    file.append(bytes).unwrap();
    file.sync().unwrap();
}

/// [`fault_config`] under `SyncMode::Full`: every acknowledged write is
/// synced, so a crash loses none.
pub fn full_sync_config(fs: &FaultFileSystem, mode: RecoveryMode) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: ferrisdb_storage::SyncMode::Full,
        ..fault_config(fs, mode)
    }
}

/// The bytes of the log at `path` up to the end of its records: a log
/// synced under `SyncMode::Full` goes on in the zeros its syncs
/// preallocated.
pub fn log_records(fs: &FaultFileSystem, path: &Path) -> Vec<u8> {
    let mut reader = WalReader::open(fs, path, RecoveryMode::PointInTimeRecovery).unwrap();
    reader.by_ref().for_each(drop);
    let mut bytes = fs.read_all(path).unwrap();
    bytes.truncate(reader.data_len() as usize);
    bytes
}

/// The paths of the logs in [`dir`] on `fs`, oldest first.
pub fn log_paths(fs: &FaultFileSystem) -> Vec<PathBuf> {
    ferrisdb_storage::internals::wal::wal_files(fs, &dir())
        .unwrap()
        .into_iter()
        .map(|(_, path)| path)
        .collect()
}

/// The number and path of the newest log in [`dir`] on `fs`.
pub fn newest_log(fs: &FaultFileSystem) -> (u64, PathBuf) {
    ferrisdb_storage::internals::wal::wal_files(fs, &dir())
        .unwrap()
        .pop()
        .unwrap()
}

/// How a database stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// Power loss while open: the newest log has no seal.
    Crash,
    /// `close`: every log is sealed, and the manifest records the newest
    /// one's length.
    Close,
}

/// Runs `write` on a database opened with `config` (on `fs`), then ends it
/// as `ending` says, with every write still in its log: no MemTable is
/// flushed. A log holds the writes of one MemTable and goes once that
/// MemTable is flushed, so a scenario that needs several logs freezes
/// MemTables (a small `wal_max_file_size` or `memtable_size`) while every
/// table's sync is held; at the end the held flush fails (`Close`) or a
/// crash leaves it out (`Crash`). Returns the file system as the ending
/// left it.
pub fn writes_left_in_logs(
    fs: &FaultFileSystem,
    config: StorageConfig,
    ending: Ending,
    write: impl FnOnce(&StorageEngine),
) -> FaultFileSystem {
    let held = fs.hold_syncs(".sst");
    let db = StorageEngine::open(StorageConfig {
        max_immutable_memtables: 1 << 10,
        ..config
    })
    .unwrap();
    write(&db);
    match ending {
        Ending::Crash => {
            let rebooted = fs.crash();
            held.release();
            drop(db);
            rebooted
        }
        Ending::Close => {
            // The held flush fails, which stops the flush thread before it
            // takes another MemTable; the close still seals the log.
            fs.fail_path_at(1, true, &[OpKind::Sync], FaultKind::Io, ".sst");
            held.release();
            db.close().unwrap();
            fs.heal();
            fs.clone()
        }
    }
}

/// A batch of up to `max_entries` random puts and deletes.
pub fn random_batch(rng: &mut impl Rng, max_entries: usize, max_value: usize) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for _ in 0..rng.random_range(1..=max_entries) {
        let key: Vec<u8> = (0..rng.random_range(1..16)).map(|_| rng.random()).collect();
        if rng.random_bool(0.2) {
            batch.delete(key);
        } else {
            let value: Vec<u8> = (0..rng.random_range(0..=max_value))
                .map(|_| rng.random())
                .collect();
            batch.put(key, value);
        }
    }
    batch
}

/// A writer for file 1 of `dir()` on `fs`.
pub fn writer(fs: SharedFileSystem, options: WalOptions) -> WalWriter {
    WalWriter::create(fs, dir(), 1, options).unwrap()
}

/// Appends `batch` stamped with `timestamp` to `writer`, as the engine logs
/// a write.
pub fn append(writer: &WalWriter, batch: &WriteBatch, timestamp: Timestamp) -> Result<WalPosition> {
    writer.append(&[&batch.encode(timestamp)])
}

/// The timestamp and the batch a record written by [`append`] holds.
pub fn decoded(record: &WalRecord) -> (Timestamp, WriteBatch) {
    assert_eq!(record.kind, PayloadKind::Data, "a record of this version");
    WriteBatch::decode(&record.payload).expect("a batch")
}

/// Writes `batches` (timestamps 1, 2, ...) to file 1 and returns its path and
/// the offset just past each record.
pub fn write_log(fs: &Arc<MemFs>, batches: &[WriteBatch]) -> (PathBuf, Vec<u64>) {
    let (w, ends) = append_batches(fs, batches);
    w.close().unwrap();
    (dir().join("000001.wal"), ends)
}

/// Like [`write_log`], but the writer is dropped without its seal, as a
/// crash leaves a log: every record reached the OS, nothing says the log is
/// finished.
pub fn write_unsealed_log(fs: &Arc<MemFs>, batches: &[WriteBatch]) -> (PathBuf, Vec<u64>) {
    let (w, ends) = append_batches(fs, batches);
    drop(w);
    (dir().join("000001.wal"), ends)
}

/// A writer for file 1 holding `batches` (timestamps 1, 2, ...), and the
/// offset just past each record.
fn append_batches(fs: &Arc<MemFs>, batches: &[WriteBatch]) -> (WalWriter, Vec<u64>) {
    let w = writer(fs.clone(), WalOptions::default());
    let ends = batches
        .iter()
        .zip(1..)
        .map(|(b, ts)| append(&w, b, ts).unwrap().offset)
        .collect();
    (w, ends)
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
    let mut reader = match WalReader::open(fs, path, mode) {
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

/// Opens a fork of the database on `fs` in each mode that refuses damage
/// (the default and absolute consistency) and asserts each refuses it as
/// corruption of `log` at `offset`; returns the errors' messages.
pub fn refused_as_corruption(fs: &FaultFileSystem, log: &Path, offset: u64) -> Vec<String> {
    [
        RecoveryMode::TolerateCorruptedTail,
        RecoveryMode::AbsoluteConsistency,
    ]
    .into_iter()
    .map(|mode| {
        let err = StorageEngine::open(fault_config(&fs.fork(), mode)).unwrap_err();
        let Error::Corruption {
            ref file,
            offset: at,
            ..
        } = err
        else {
            panic!("{mode:?}: not corruption: {err}")
        };
        assert_eq!((file.as_path(), at), (log, offset), "{mode:?}");
        err.to_string()
    })
    .collect()
}

/// Asserts that `records` are `batches[..n]` with timestamps 1..=n.
pub fn assert_prefix(records: &[WalRecord], batches: &[WriteBatch], n: usize, context: &str) {
    assert_eq!(records.len(), n, "{context}: record count");
    for (i, r) in records.iter().enumerate() {
        let (timestamp, batch) = decoded(r);
        assert_eq!(
            timestamp,
            i as u64 + 1,
            "{context}: timestamp of record {i}"
        );
        assert_eq!(batch, batches[i], "{context}: batch {i}");
    }
}

/// `bytes` as the format specifications print them: 16 per line, each line
/// led by its offset (`0010: 01 72 ...`).
pub fn hex_lines(bytes: &[u8]) -> String {
    bytes
        .chunks(16)
        .enumerate()
        .map(|(i, chunk)| {
            let hex: Vec<String> = chunk.iter().map(|b| format!("{b:02x}")).collect();
            format!("{:04x}: {}\n", i * 16, hex.join(" "))
        })
        .collect()
}

/// Every pair of `scan`, keys and values as UTF-8 strings, in the scan's
/// order (collected into a `Vec` or a `BTreeMap`, as the scenario compares).
pub fn string_pairs<C: FromIterator<(String, String)>>(scan: Scan) -> C {
    scan.map(|item| {
        let (k, v) = item.unwrap();
        (
            String::from_utf8(k.to_vec()).unwrap(),
            String::from_utf8(v.to_vec()).unwrap(),
        )
    })
    .collect()
}
