//! A `Snapshot` or `Scan` that outlives `close()`.
//!
//! Rust lets a snapshot or a scan outlive the engine that made it, so FerrisDB
//! defines what happens (RocksDB instead refuses to close while snapshots are
//! unreleased): `close`, or a drop, releases the directory's lock whatever
//! readers are alive, so the database reopens at once, in this process; the
//! old readers keep returning exactly the view they were taken at, from the
//! MemTables and open table files they hold, while the new instance writes,
//! flushes and compacts away the tables they read; and dropping them after
//! that deletes nothing the new instance needs.
//!
//! Every case runs under a watchdog: a deadlock fails the test instead of
//! hanging CI. On the in-memory file system (small MemTables and levels, so
//! flushes and compactions run) and on the real one (`flock`, and tables
//! deleted while a reader has them open).

mod reliability;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, Scan, Slice, Snapshot, StorageConfig, StorageEngine};
use reliability::{assert_no_orphans, db_dir, panics, read_all, watch_panics};

/// Longer than any passing case takes by far: only a guard against hanging.
const DEADLINE: Duration = Duration::from_secs(120);

const KEYS: usize = 150;

type Model = BTreeMap<Vec<u8>, Vec<u8>>;

/// Runs `body` in a thread and fails if it does not finish by `DEADLINE`.
fn within_deadline(what: &str, body: impl FnOnce() + Send + 'static) {
    let (done, finished) = mpsc::channel();
    let worker = std::thread::spawn(move || {
        body();
        let _ = done.send(());
    });
    match finished.recv_timeout(DEADLINE) {
        Ok(()) => worker.join().unwrap(),
        Err(mpsc::RecvTimeoutError::Disconnected) => {
            // The body panicked: report its panic.
            std::panic::resume_unwind(worker.join().unwrap_err())
        }
        Err(mpsc::RecvTimeoutError::Timeout) => {
            panic!("{what}: not done after {DEADLINE:?}, a deadlock")
        }
    }
}

/// Where a case keeps its database.
#[derive(Clone)]
enum Disk {
    Memory(FaultFileSystem),
    Real(PathBuf),
}

impl Disk {
    fn config(&self) -> StorageConfig {
        let memory = FaultFileSystem::new();
        let small = reliability::config(match self {
            Disk::Memory(fs) => fs,
            Disk::Real(_) => &memory,
        });
        match self {
            Disk::Memory(_) => small,
            Disk::Real(dir) => StorageConfig {
                file_system: ferrisdb_storage::fs::os_file_system(),
                data_dir: dir.clone(),
                ..small
            },
        }
    }

    /// The table files in the directory now.
    fn tables(&self) -> BTreeSet<String> {
        let config = self.config();
        let names = config.file_system.list(&config.data_dir).unwrap();
        names.into_iter().filter(|n| n.ends_with(".sst")).collect()
    }

    fn open(&self) -> StorageEngine {
        StorageEngine::open(self.config()).unwrap_or_else(|e| panic!("open: {e}"))
    }
}

/// How an instance ends.
#[derive(Debug, Clone, Copy)]
enum Ending {
    Close,
    Drop,
}

fn end(db: StorageEngine, ending: Ending) {
    match ending {
        Ending::Close => db.close().unwrap(),
        Ending::Drop => drop(db),
    }
}

/// Writes round `round`: new values for every third key from `first` on,
/// and deletes of every seventh; flushes and compacts.
fn write_round(db: &StorageEngine, model: &mut Model, round: usize, first: usize) {
    for i in (first..KEYS).step_by(3) {
        let key = format!("key{i:03}").into_bytes();
        let mut value = format!("round {round} key {i} ").into_bytes();
        value.resize(80 + (i * 13) % 120, b'.');
        db.put(&key, &value).unwrap();
        model.insert(key, value);
    }
    for i in (first..KEYS).step_by(7) {
        let key = format!("key{i:03}").into_bytes();
        db.delete(&key).unwrap();
        model.remove(&key);
    }
    db.flush().unwrap();
    db.compact().unwrap();
}

/// A scan's item as owned bytes, as the model holds them.
fn owned(item: ferrisdb_storage::Result<(Slice, Slice)>) -> (Vec<u8>, Vec<u8>) {
    let (key, value) = item.unwrap();
    (key.to_vec(), value.to_vec())
}

/// Everything `snapshot` shows, by scans both ways and point reads of every
/// key ever written.
fn snapshot_view(snapshot: &Snapshot) -> Model {
    let view: Model = snapshot.iter().unwrap().map(owned).collect();
    let backwards: Vec<_> = snapshot.iter().unwrap().rev().map(owned).collect();
    assert!(
        backwards.into_iter().rev().eq(view.clone()),
        "scan directions disagree"
    );
    for i in 0..KEYS {
        let key = format!("key{i:03}").into_bytes();
        assert_eq!(
            snapshot.get(&key).unwrap().as_deref(),
            view.get(&key).map(Vec::as_slice),
            "get {i}"
        );
    }
    view
}

/// A scan started on `db`, with `taken` items read from each end.
struct OpenScan {
    scan: Scan,
    front: Vec<(Vec<u8>, Vec<u8>)>,
    back: Vec<(Vec<u8>, Vec<u8>)>,
}

impl OpenScan {
    fn start(mut scan: Scan, taken: usize) -> OpenScan {
        let front = scan.by_ref().take(taken).map(owned).collect();
        let back = scan.by_ref().rev().take(taken).map(owned).collect();
        OpenScan { scan, front, back }
    }

    /// Reads the rest: the whole range, in order.
    fn finish(self) -> Model {
        let middle: Vec<_> = self.scan.map(owned).collect();
        let items: Vec<_> = self
            .front
            .into_iter()
            .chain(middle)
            .chain(self.back.into_iter().rev())
            .collect();
        assert!(
            items.windows(2).all(|w| w[0].0 < w[1].0),
            "keys out of order"
        );
        items.into_iter().collect()
    }
}

/// One snapshot and three scans (of the engine and of the snapshot) taken
/// on a first instance, alive across its end, a reopen, and the new
/// instance's writes, flushes and compactions.
fn readers_outlive_their_instance(disk: Disk, ending: Ending) {
    let mut model = Model::new();
    let db = disk.open();
    write_round(&db, &mut model, 1, 0);
    // Some of the view in the MemTable, not only in tables.
    for i in (0..KEYS).step_by(5) {
        let key = format!("key{i:03}").into_bytes();
        db.put(&key, b"in the memtable").unwrap();
        model.insert(key, b"in the memtable".to_vec());
    }
    let seen = model.clone();
    let snapshot = db.snapshot().unwrap();
    let tables_seen = disk.tables();
    assert!(!tables_seen.is_empty(), "the view is in tables too");
    let scan = OpenScan::start(db.iter().unwrap(), 10);
    let snapshot_scan = OpenScan::start(snapshot.iter().unwrap(), 10);
    let prefix_scan = OpenScan::start(snapshot.scan_prefix("key1").unwrap(), 3);
    // The first instance moves on: the snapshot's tables become obsolete.
    write_round(&db, &mut model, 2, 1);
    assert!(matches!(
        StorageEngine::open(disk.config()),
        Err(Error::DatabaseLocked { .. })
    ));
    end(db, ending);
    assert_eq!(snapshot_view(&snapshot), seen, "after {ending:?}");

    let db = disk.open();
    assert_eq!(read_all(&db).unwrap(), model, "the reopened database");
    for round in 3..6 {
        write_round(&db, &mut model, round, round % 3);
        db.wait_for_compactions().unwrap();
        assert_eq!(snapshot_view(&snapshot), seen, "round {round}");
    }
    // The readers' tables were compacted away and deleted meanwhile.
    let kept = disk.tables();
    assert!(
        tables_seen.iter().all(|t| !kept.contains(t)),
        "the test compacts every table the readers read: {tables_seen:?} {kept:?}"
    );
    assert_eq!(scan.finish(), seen, "the engine's scan");
    assert_eq!(snapshot_scan.finish(), seen, "the snapshot's scan");
    let key1: Model = seen
        .iter()
        .filter(|(k, _)| k.starts_with(b"key1"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    assert_eq!(prefix_scan.finish(), key1, "the prefix scan");
    // The first instance's last reference goes after the second compacted.
    drop(snapshot);
    assert_eq!(read_all(&db).unwrap(), model, "after the old snapshot went");
    write_round(&db, &mut model, 6, 0);
    db.wait_for_compactions().unwrap();
    assert_eq!(read_all(&db).unwrap(), model);
    db.close().unwrap();

    let db = disk.open();
    assert_eq!(read_all(&db).unwrap(), model, "reopened once more");
    db.close().unwrap();
    if let Disk::Memory(fs) = &disk {
        assert_no_orphans(fs, &db_dir());
    }
}

fn memory() -> Disk {
    Disk::Memory(reliability::fresh_fs())
}

#[test]
fn readers_outlive_close_in_memory() {
    watch_panics();
    within_deadline("close", || {
        readers_outlive_their_instance(memory(), Ending::Close)
    });
    within_deadline("drop", || {
        readers_outlive_their_instance(memory(), Ending::Drop)
    });
    assert_eq!(panics(), 0, "a thread panicked (see above)");
}

#[test]
fn readers_outlive_close_on_disk() {
    within_deadline("close on disk", || {
        let dir = tempfile::tempdir().unwrap();
        readers_outlive_their_instance(Disk::Real(dir.path().to_path_buf()), Ending::Close);
    });
}

/// Snapshots of four instances in turn, each alive across the later ones,
/// dropped oldest first, newest first, or kept to the end.
#[test]
fn snapshots_of_several_instances_outlive_them() {
    within_deadline("generations", || {
        let disk = memory();
        let mut model = Model::new();
        let mut alive: Vec<(Snapshot, Model)> = Vec::new();
        for generation in 0..4 {
            let db = disk.open();
            assert_eq!(read_all(&db).unwrap(), model, "generation {generation}");
            write_round(&db, &mut model, generation + 1, generation % 3);
            alive.push((db.snapshot().unwrap(), model.clone()));
            write_round(&db, &mut model, generation + 10, (generation + 1) % 3);
            db.wait_for_compactions().unwrap();
            for (n, (snapshot, seen)) in alive.iter().enumerate() {
                assert_eq!(&snapshot_view(snapshot), seen, "{generation}: snapshot {n}");
            }
            match generation {
                1 => drop(alive.remove(0)),
                2 => drop(alive.pop()),
                _ => {}
            }
            end(db, Ending::Close);
        }
        let db = disk.open();
        for (snapshot, seen) in &alive {
            assert_eq!(&snapshot_view(snapshot), seen);
        }
        drop(alive);
        assert_eq!(read_all(&db).unwrap(), model);
        db.close().unwrap();
        if let Disk::Memory(fs) = &disk {
            assert_no_orphans(fs, &db_dir());
        }
    });
}
