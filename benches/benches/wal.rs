//! WAL append throughput under each sync mode, and group commit: 1 vs 8
//! threads appending under `SyncMode::Full`.
//!
//! Run with `cargo bench -p ferrisdb-benches --bench wal`. Besides criterion's
//! figures it prints the group commit ratio (batches/s with 8 threads over
//! batches/s with 1) measured over a fixed time, and the batches covered by
//! each fdatasync.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, Criterion, Throughput};
use ferrisdb_storage::fs::{
    os_file_system, FileLock, FileSystem, RandomAccessFile, SharedFileSystem, WritableFile,
};
use ferrisdb_storage::internals::wal::{WalOptions, WalWriter};
use ferrisdb_storage::{Result, SyncMode, WriteBatch};

/// Files go under the target directory: a real disk, not a tmpfs where
/// fdatasync costs nothing.
fn bench_dir() -> tempfile::TempDir {
    tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temporary directory")
}

fn writer(dir: &Path, mode: SyncMode) -> WalWriter {
    let options = WalOptions { sync_mode: mode };
    WalWriter::create(os_file_system(), dir, 1, options).expect("create WAL")
}

/// A typical small write: one 16-byte key and a 100-byte value, encoded
/// per append.
fn batch(i: u64) -> WriteBatch {
    let mut batch = WriteBatch::new();
    batch.put(format!("key{i:013}"), [7u8; 100]);
    batch
}

fn append_per_sync_mode(c: &mut Criterion) {
    let mut group = c.benchmark_group("wal_append");
    group.throughput(Throughput::Elements(1));
    for mode in [SyncMode::None, SyncMode::Normal, SyncMode::Full] {
        let dir = bench_dir();
        let writer = writer(dir.path(), mode);
        let mut ts = 0;
        group.bench_function(format!("{mode:?}"), |b| {
            b.iter(|| {
                ts += 1;
                writer.append(&[&batch(ts).encode(ts)]).expect("append")
            })
        });
    }
    group.finish();
}

/// The OS file system, counting file syncs.
#[derive(Debug)]
struct CountingFs {
    inner: SharedFileSystem,
    syncs: Arc<AtomicU64>,
}

#[derive(Debug)]
struct CountingFile {
    inner: Box<dyn WritableFile>,
    syncs: Arc<AtomicU64>,
}

impl WritableFile for CountingFile {
    fn append(&mut self, data: &[u8]) -> Result<()> {
        self.inner.append(data)
    }
    fn sync(&mut self) -> Result<()> {
        self.syncs.fetch_add(1, Ordering::Relaxed);
        self.inner.sync()
    }
    fn set_len(&mut self, len: u64) -> Result<()> {
        self.inner.set_len(len)
    }
    fn len(&self) -> u64 {
        self.inner.len()
    }
    fn path(&self) -> &Path {
        self.inner.path()
    }
}

impl FileSystem for CountingFs {
    fn create(&self, path: &Path) -> Result<Box<dyn WritableFile>> {
        Ok(Box::new(CountingFile {
            inner: self.inner.create(path)?,
            syncs: self.syncs.clone(),
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

/// Appends from `threads` threads under `Full` for `duration`; returns
/// batches per second and batches per fdatasync.
fn full_sync_throughput(threads: u64, duration: Duration) -> (f64, f64) {
    let dir = bench_dir();
    let syncs = Arc::new(AtomicU64::new(0));
    let fs = Arc::new(CountingFs {
        inner: os_file_system(),
        syncs: syncs.clone(),
    });
    let options = WalOptions {
        sync_mode: SyncMode::Full,
    };
    let writer = Arc::new(WalWriter::create(fs, dir.path(), 1, options).expect("create WAL"));
    let syncs_at_start = syncs.load(Ordering::Relaxed);
    let start = Instant::now();
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let writer = writer.clone();
            std::thread::spawn(move || {
                let mut done = 0u64;
                while start.elapsed() < duration {
                    let ts = t << 40 | done;
                    writer.append(&[&batch(ts).encode(ts)]).expect("append");
                    done += 1;
                }
                done
            })
        })
        .collect();
    let total: u64 = handles.into_iter().map(|h| h.join().expect("thread")).sum();
    let elapsed = start.elapsed().as_secs_f64();
    let synced = syncs.load(Ordering::Relaxed) - syncs_at_start;
    (total as f64 / elapsed, total as f64 / synced.max(1) as f64)
}

/// Measures 1 vs 8 threads under `Full`, alternating, three rounds, and
/// prints each round's ratio: fdatasync latency on shared or virtual disks
/// varies a lot, so one pair alone can mislead.
fn group_commit_ratio() {
    let duration = Duration::from_secs(2);
    for round in 1..=3 {
        let (one, one_per_sync) = full_sync_throughput(1, duration);
        let (eight, eight_per_sync) = full_sync_throughput(8, duration);
        println!(
            "group commit round {round} (SyncMode::Full): 1 thread {one:.0} batches/s \
             ({one_per_sync:.2} batches/sync), 8 threads {eight:.0} batches/s \
             ({eight_per_sync:.2} batches/sync), ratio {:.2}x",
            eight / one
        );
    }
}

criterion_group!(benches, append_per_sync_mode);

fn main() {
    benches();
    group_commit_ratio();
    Criterion::default().configure_from_args().final_summary();
}
