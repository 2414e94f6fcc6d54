//! Shared by the reliability scenarios (power loss, I/O errors, disk full,
//! corruption, the state machine): a seeded workload, the history of what the
//! engine acknowledged, and the checks run after recovery.
//!
//! # What "no acknowledged write lost, no holes" means here
//!
//! A workload is a sequence of writes `W1, W2, ...` (batches of puts and
//! deletes) issued by one thread under `SyncMode::Full`, each recorded as
//! acknowledged (`Ok`) or failed (`Err`). After recovery the database must
//! hold exactly the state of applying `W1 ..= Wm` in order, for some `m` at
//! or after the last acknowledged write, where each *failed* write among them
//! may be either applied whole or left out (an error does not promise that a
//! write is absent, only that it was not acknowledged). So every acknowledged
//! write is there, batches are atomic, and nothing newer is there while
//! something older is missing: a prefix of the history, with no holes.
//!
//! The configuration's tiny levels make background compactions run during
//! every workload, so crash points and faults land in them too.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Once};

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem, OpKind};
use ferrisdb_storage::sstable::parse_table_file_name;
use ferrisdb_storage::wal::parse_wal_file_name;
use ferrisdb_storage::{manifest, Error, StorageConfig, StorageEngine, SyncMode, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// A key's value, or `None` for a delete.
pub type Change = (Vec<u8>, Option<Vec<u8>>);

/// The database state a model holds: key to value.
pub type State = BTreeMap<Vec<u8>, Vec<u8>>;

/// One step of a workload.
#[derive(Debug, Clone)]
pub enum Op {
    /// An atomic batch of puts and deletes.
    Write(Vec<Change>),
    /// A read of one key, checked against the model while nothing failed.
    Get(Vec<u8>),
    /// `StorageEngine::flush`: freeze the MemTable and wait for its table.
    Flush,
}

/// The directory every in-memory database lives in.
pub fn db_dir() -> PathBuf {
    PathBuf::from("/db")
}

/// A fresh in-memory file system holding nothing, on which a new directory
/// survives a crash only once its parent is synced.
pub fn fresh_fs() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    fs
}

/// The engine settings of the scenarios: `Full` sync, the smallest MemTables
/// and logs, so flushes (and their manifest updates) and log rotations happen
/// every few dozen writes.
pub fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Full,
        memtable_size: 4 << 10,
        max_immutable_memtables: 1,
        // The smallest logs, so the log also rotates inside a MemTable's life.
        wal_max_file_size: 4 << 10,
        block_size: 512,
        // Tiny levels, so crash points and faults also land in compactions.
        level0_file_num_compaction_trigger: 2,
        max_bytes_for_level_base: 8 << 10,
        max_bytes_for_level_multiplier: 2,
        target_file_size: 4 << 10,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(db_dir())
    }
}

/// Opens the database of the scenarios on `fs`.
pub fn open(fs: &FaultFileSystem) -> ferrisdb_storage::Result<StorageEngine> {
    StorageEngine::open(config(fs))
}

fn key(i: u64) -> Vec<u8> {
    format!("key{i:04}").into_bytes()
}

/// A seeded workload of `writes` writes over `keys` keys, with reads and an
/// explicit flush now and then. The value of a write names its key and its
/// position in the workload, so a value from the wrong write is caught.
pub fn workload(seed: u64, writes: usize, keys: u64) -> Vec<Op> {
    workload_with(seed, writes, keys, 0.02)
}

/// [`workload`], with `large` the chance of a value larger than a whole
/// MemTable.
pub fn workload_with(seed: u64, writes: usize, keys: u64, large: f64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    let mut written = 0;
    while written < writes {
        match rng.random_range(0..100) {
            0..=2 => ops.push(Op::Flush),
            3..=14 => ops.push(Op::Get(key(rng.random_range(0..keys)))),
            _ => {
                let entries = if rng.random_bool(0.7) {
                    1
                } else {
                    rng.random_range(2..=5)
                };
                let batch = (0..entries)
                    .map(|_| {
                        let k = key(rng.random_range(0..keys));
                        if rng.random_bool(0.15) {
                            (k, None)
                        } else {
                            // Now and then a value larger than a whole
                            // MemTable (4 KiB), which gets one of its own.
                            let pad = if rng.random_bool(large) {
                                5000
                            } else {
                                rng.random_range(0..120)
                            };
                            let mut v =
                                format!("{}@{written}:", String::from_utf8_lossy(&k)).into_bytes();
                            v.resize(v.len() + pad, b'.');
                            (k, Some(v))
                        }
                    })
                    .collect();
                ops.push(Op::Write(batch));
                written += 1;
            }
        }
    }
    ops
}

/// Applies a batch to a model state.
pub fn apply(state: &mut State, batch: &[Change]) {
    for (k, v) in batch {
        match v {
            Some(v) => state.insert(k.clone(), v.clone()),
            None => state.remove(k),
        };
    }
}

/// The batch as the engine takes it.
pub fn to_batch(changes: &[Change]) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for (k, v) in changes {
        batch = match v {
            Some(v) => batch.put(k, v),
            None => batch.delete(k),
        };
    }
    batch
}

/// A write and what the engine said about it.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The write.
    pub changes: Vec<Change>,
    /// Whether the engine returned `Ok`.
    pub acknowledged: bool,
}

/// Every write a run attempted, in order, starting from `initial`.
#[derive(Debug, Clone, Default)]
pub struct History {
    /// The state before the first attempt.
    pub initial: State,
    /// The attempts.
    pub attempts: Vec<Attempt>,
}

impl History {
    /// The number of acknowledged writes.
    pub fn acknowledged(&self) -> usize {
        self.attempts.iter().filter(|a| a.acknowledged).count()
    }

    /// Whether any write failed.
    pub fn any_failed(&self) -> bool {
        self.attempts.iter().any(|a| !a.acknowledged)
    }

    /// The state with every attempt applied (what a run that saw no error
    /// holds).
    pub fn all_applied(&self) -> State {
        let mut state = self.initial.clone();
        for a in &self.attempts {
            apply(&mut state, &a.changes);
        }
        state
    }

    /// Checks `recovered` against the rule in the module docs. On success
    /// returns how many attempts it reflects; on failure a description naming
    /// the acknowledged writes that are missing or wrong.
    pub fn check(&self, recovered: &State) -> Result<usize, String> {
        let must = self
            .attempts
            .iter()
            .rposition(|a| a.acknowledged)
            .map_or(0, |i| i + 1);
        let mut candidates: Vec<State> = vec![self.initial.clone()];
        for m in 0..=self.attempts.len() {
            if m >= must && candidates.iter().any(|c| c == recovered) {
                return Ok(m);
            }
            if m == self.attempts.len() {
                break;
            }
            let attempt = &self.attempts[m];
            let mut next = Vec::new();
            for c in &candidates {
                let mut applied = c.clone();
                apply(&mut applied, &attempt.changes);
                if !attempt.acknowledged && !next.contains(c) {
                    next.push(c.clone());
                }
                if !next.contains(&applied) {
                    next.push(applied);
                }
            }
            next.truncate(256);
            candidates = next;
        }
        let mut expected = self.initial.clone();
        for a in &self.attempts[..must] {
            apply(&mut expected, &a.changes);
        }
        let keys: BTreeSet<&Vec<u8>> = expected.keys().chain(recovered.keys()).collect();
        let diffs: Vec<String> = keys
            .into_iter()
            .filter(|k| expected.get(*k) != recovered.get(*k))
            .take(5)
            .map(|k| {
                format!(
                    "{}: expected {:?}, recovered {:?}",
                    String::from_utf8_lossy(k),
                    expected
                        .get(k)
                        .map(|v| String::from_utf8_lossy(v).into_owned()),
                    recovered
                        .get(k)
                        .map(|v| String::from_utf8_lossy(v).into_owned()),
                )
            })
            .collect();
        Err(format!(
            "recovered state is no prefix of the history ({} attempts, {} acknowledged, last \
             acknowledged #{must}); first differences from the state after #{must}: {diffs:#?}",
            self.attempts.len(),
            self.acknowledged(),
        ))
    }
}

/// How a run ended.
#[derive(Debug, Default)]
pub struct RunOutcome {
    /// Errors returned by writes, flushes and reads.
    pub errors: Vec<Error>,
}

/// Runs `ops` on `db`, recording writes in `history`. With `stop_on_error`,
/// stops at the first error (a dead machine); otherwise carries on to the end,
/// as the SQLite-style error tests do. Reads are checked against the model
/// while no write has failed.
pub fn run(
    db: &StorageEngine,
    ops: &[Op],
    history: &mut History,
    stop_on_error: bool,
) -> RunOutcome {
    let mut outcome = RunOutcome::default();
    let mut model = history.all_applied();
    for op in ops {
        let result = match op {
            Op::Write(changes) => {
                let result = db.write(to_batch(changes));
                let acknowledged = result.is_ok();
                history.attempts.push(Attempt {
                    changes: changes.clone(),
                    acknowledged,
                });
                apply(&mut model, changes);
                result.map(drop)
            }
            Op::Get(k) => match db.get(k) {
                Ok(found) => {
                    if !history.any_failed() {
                        assert_eq!(
                            found.as_ref(),
                            model.get(k),
                            "read of {} disagrees with the model",
                            String::from_utf8_lossy(k)
                        );
                    }
                    Ok(())
                }
                Err(e) => Err(e),
            },
            Op::Flush => db.flush(),
        };
        if let Err(e) = result {
            assert_engine_error(&e);
            outcome.errors.push(e);
            if stop_on_error {
                break;
            }
        }
    }
    outcome
}

/// An error an injected fault may cause: I/O, a stopped background thread, or
/// a closed engine; never corruption, never an invalid argument.
pub fn assert_engine_error(e: &Error) {
    assert!(
        matches!(e, Error::Io { .. } | Error::Background(_) | Error::Closed),
        "unexpected kind of error after an injected fault: {e:?}"
    );
}

/// Every live pair of `db`, by a full scan, cross-checked with point reads
/// and a backward scan.
pub fn read_all(db: &StorageEngine) -> ferrisdb_storage::Result<State> {
    let mut state = State::new();
    for item in db.scan::<&[u8], _>(..)? {
        let (k, v) = item?;
        state.insert(k, v);
    }
    for (k, v) in &state {
        assert_eq!(db.get(k)?.as_ref(), Some(v), "scan and get disagree");
    }
    let mut backwards = Vec::new();
    for item in db.scan::<&[u8], _>(..)?.rev() {
        backwards.push(item?);
    }
    backwards.reverse();
    assert!(
        backwards.into_iter().eq(state.clone()),
        "forward and backward scans disagree"
    );
    Ok(state)
}

/// Asserts that `dir` holds no file a crash left behind: no temporary file,
/// no table the manifest does not list, no log below its log number; and that
/// every listed table exists.
///
/// An open engine compacts in the background, and a compaction's output is a
/// temporary file until it is done: call it with the engine closed or after
/// `wait_for_compactions`.
pub fn assert_no_orphans(fs: &FaultFileSystem, dir: &Path) {
    let state = manifest::load(fs, dir)
        .expect("manifest readable")
        .expect("an opened database has a manifest");
    let live: BTreeSet<u64> = state.tables.iter().map(|t| t.file_number).collect();
    let names = fs.list(dir).expect("list");
    for name in &names {
        assert!(!name.ends_with(".tmp"), "orphan temporary file {name}");
        if let Some(n) = parse_table_file_name(name) {
            assert!(live.contains(&n), "orphan table {name} not in the manifest");
        }
        if let Some(n) = parse_wal_file_name(name) {
            assert!(
                n >= state.log_number,
                "orphan log {name} below the manifest's log number {}",
                state.log_number
            );
        }
    }
    for n in live {
        let name = ferrisdb_storage::sstable::table_file_name(n);
        assert!(
            names.contains(&name),
            "the manifest lists missing table {name}"
        );
    }
}

static PANICS: AtomicUsize = AtomicUsize::new(0);

/// Counts panics in every thread from now on, the engine's background thread
/// included (whose panics would otherwise go unnoticed): see [`panics`].
pub fn watch_panics() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, Ordering::SeqCst);
            previous(info);
        }));
    });
}

/// Panics seen since [`watch_panics`].
pub fn panics() -> usize {
    PANICS.load(Ordering::SeqCst)
}

/// An environment variable as a number, or `default`.
pub fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The operation kinds a fault can hit, all of them.
pub const ALL_KINDS: [OpKind; 5] = [
    OpKind::Create,
    OpKind::Write,
    OpKind::Sync,
    OpKind::Rename,
    OpKind::Read,
];

/// Opens `fs`, reads everything back and has `check` judge it, then waits
/// for the compactions the reopened engine starts and checks for orphan
/// files. Returns the engine, for more checks.
pub fn reopen_and_verify(
    fs: &FaultFileSystem,
    context: &str,
    check: impl FnOnce(&State) -> Result<(), String>,
) -> StorageEngine {
    let db = open(fs).unwrap_or_else(|e| panic!("{context}: reopen failed: {e}"));
    let recovered = read_all(&db).unwrap_or_else(|e| panic!("{context}: read failed: {e}"));
    if let Err(problem) = check(&recovered) {
        panic!("{context}: {problem}");
    }
    // Files of the compactions the reopened engine starts are not orphans.
    db.wait_for_compactions()
        .unwrap_or_else(|e| panic!("{context}: background work failed: {e}"));
    assert_no_orphans(fs, &db_dir());
    db
}
