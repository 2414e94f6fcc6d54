//! A seeded search of crash points for
//! `SyncMode::Normal` and `None` (with `sync_wal()` now and then) and `Full`,
//! under three crash models, with the default recovery mode.
//!
//! For each point `k`, a workload runs on a fresh `FaultFileSystem` that
//! dies after its `k`th operation; then the machine "reboots" as one of:
//!
//! - `prefix`: every file keeps what was synced (`crash()`);
//! - `torn`: plus a random prefix of its unsynced tail (torn writes);
//! - `pages`: every WAL keeps what was synced, and each 4 KiB page of its
//!   unsynced tail is kept, zeroed or filled with random bytes, and the file
//!   may end at any page: the out-of-order loss the recovery modes are
//!   designed for ("a power loss can keep a later page and lose an earlier
//!   one, or leave zeros or garbage").
//!
//! Every third point, a second power loss hits the recovery itself. Then
//! `open` in the default mode must succeed and hold the state after the first
//! `m` writes for some `m` between the writes promised durable (acknowledged
//! under `Full`; acknowledged before the last completed `sync_wal()` under
//! `Normal`) and the writes attempted.
//!
//! `FERRISDB_WAL_CRASH_POINTS` (default 24) sets the points per sync mode
//! and log size; run thousands with `--release`.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use ferrisdb_storage::fs::{FaultFileSystem, FileSystem};
use ferrisdb_storage::internals::wal::parse_wal_file_name;
use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode, WriteBatch};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};

type State = BTreeMap<Vec<u8>, Vec<u8>>;
/// A write: each key with its new value, or `None` for a delete.
type Changes = Vec<(Vec<u8>, Option<Vec<u8>>)>;

fn dir() -> PathBuf {
    PathBuf::from("/db")
}

#[derive(Debug, Clone, Copy)]
struct Setup {
    sync: SyncMode,
    /// Small: logs rotate every few writes. Large: logs span blocks.
    large: bool,
}

fn config(fs: &FaultFileSystem, setup: Setup) -> StorageConfig {
    let (memtable, log) = if setup.large {
        (256 << 10, 96 << 10)
    } else {
        (8 << 10, 4 << 10)
    };
    StorageConfig {
        wal_sync_mode: setup.sync,
        memtable_size: memtable,
        wal_max_file_size: log,
        max_immutable_memtables: 2,
        file_system: Arc::new(fs.clone()),
        ..StorageConfig::new(dir())
    }
}

#[derive(Debug, Clone)]
enum Op {
    Write(Changes),
    SyncWal,
    Flush,
}

fn workload(seed: u64, setup: Setup) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed);
    let writes = if setup.large { 260 } else { 90 };
    let mut ops = Vec::new();
    for w in 0..writes {
        match rng.random_range(0..100) {
            0..=7 => ops.push(Op::SyncWal),
            8..=9 => ops.push(Op::Flush),
            _ => {}
        }
        let entries = rng.random_range(1..=3);
        let batch = (0..entries)
            .map(|_| {
                let key = format!("key{:02}", rng.random_range(0..24)).into_bytes();
                if rng.random_bool(0.2) {
                    (key, None)
                } else {
                    let len = if rng.random_bool(0.05) {
                        rng.random_range(2000..9000)
                    } else {
                        rng.random_range(0..400)
                    };
                    let mut value = format!("w{w}:").into_bytes();
                    value.resize(value.len() + len, b'a' + (w % 26) as u8);
                    (key, Some(value))
                }
            })
            .collect();
        ops.push(Op::Write(batch));
    }
    ops
}

/// What a run did: the writes attempted, in order, and how many of them the
/// engine promised durable.
#[derive(Debug, Default)]
struct Run {
    writes: Vec<Changes>,
    durable: usize,
}

fn run(fs: &FaultFileSystem, setup: Setup, ops: &[Op]) -> Run {
    let mut out = Run::default();
    let Ok(db) = StorageEngine::open(config(fs, setup)) else {
        return out;
    };
    let mut acknowledged = 0;
    for op in ops {
        let result = match op {
            Op::Write(changes) => {
                out.writes.push(changes.clone());
                let mut batch = WriteBatch::new();
                for (k, v) in changes {
                    match v {
                        Some(v) => batch.put(k, v),
                        None => batch.delete(k),
                    };
                }
                let result = db.write(batch).map(drop);
                if result.is_ok() {
                    acknowledged += 1;
                    if setup.sync == SyncMode::Full {
                        out.durable = acknowledged;
                    }
                }
                result
            }
            Op::SyncWal => db.sync_wal().map(|()| out.durable = acknowledged),
            Op::Flush => db.flush(),
        };
        if result.is_err() {
            break;
        }
    }
    drop(db);
    out
}

fn read_all(db: &StorageEngine) -> State {
    db.iter()
        .unwrap()
        .map(|item| {
            let (k, v) = item.unwrap();
            (k.to_vec(), v.to_vec())
        })
        .collect()
}

/// The `m` for which `state` is the state after the first `m` writes, at or
/// above `run.durable`.
fn prefix_of(run: &Run, state: &State) -> Option<usize> {
    let mut model = State::new();
    for m in 0..=run.writes.len() {
        if m >= run.durable && &model == state {
            return Some(m);
        }
        if m < run.writes.len() {
            for (k, v) in &run.writes[m] {
                match v {
                    Some(v) => model.insert(k.clone(), v.clone()),
                    None => model.remove(k),
                };
            }
        }
    }
    None
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Model {
    Prefix,
    Torn,
    Pages,
}

/// The machine after a crash of `fs` under `model`.
fn reboot(fs: &FaultFileSystem, model: Model, rng: &mut StdRng) -> FaultFileSystem {
    if model == Model::Torn {
        fs.enable_torn_writes(rng.random());
    }
    let live = fs.fork();
    let rebooted = fs.crash();
    if model != Model::Pages {
        return rebooted;
    }
    // A crash before the directory was made leaves nothing to damage.
    for name in rebooted.list(&dir()).unwrap_or_default() {
        if parse_wal_file_name(&name).is_none() {
            continue;
        }
        let path = dir().join(&name);
        let synced = rebooted.read_all(&path).unwrap();
        let Ok(all) = live.read_all(&path) else {
            continue;
        };
        if all.len() <= synced.len() || !all.starts_with(&synced) {
            continue;
        }
        let mut data = synced.clone();
        let mut at = synced.len();
        while at < all.len() {
            let end = ((at / 4096) + 1) * 4096;
            let end = end.min(all.len());
            match rng.random_range(0..10) {
                0 => break, // the file ends here
                1..=5 => data.extend_from_slice(&all[at..end]),
                6..=8 => data.resize(data.len() + end - at, 0),
                _ => {
                    let mut garbage = vec![0; end - at];
                    rng.fill_bytes(&mut garbage);
                    data.extend_from_slice(&garbage);
                }
            }
            at = end;
        }
        let mut file = rebooted.create(&path).unwrap();
        file.append(&data).unwrap();
        file.sync().unwrap();
    }
    rebooted
}

fn search(setup: Setup, points: u64) -> (u64, u64, u64) {
    let ops = workload(setup.large as u64 + 11, setup);
    let total = {
        let fs = FaultFileSystem::new();
        let run = run(&fs, setup, &ops);
        assert_eq!(
            run.writes.len(),
            ops.iter().filter(|o| matches!(o, Op::Write(_))).count()
        );
        fs.total_operations()
    };
    let mut rng = StdRng::seed_from_u64(total ^ setup.large as u64);
    let mut checked = 0;
    let mut cut = 0;
    for point in 0..points {
        let k = rng.random_range(1..=total);
        let model = [Model::Prefix, Model::Torn, Model::Pages][(point % 3) as usize];
        let context = format!("{setup:?}, crash after operation {k} of {total}, {model:?}");
        let fs = FaultFileSystem::new();
        fs.crash_after(k);
        let history = run(&fs, setup, &ops);
        let mut rebooted = reboot(&fs, model, &mut rng);
        if point % 3 == 1 {
            let j = rebooted.total_operations() + rng.random_range(1..=30);
            rebooted.crash_after(j);
            if let Ok(db) = StorageEngine::open(config(&rebooted, setup)) {
                drop(db);
            }
            rebooted = rebooted.crash();
        }
        let db = StorageEngine::open(config(&rebooted, setup))
            .unwrap_or_else(|e| panic!("{context}: open failed: {e}"));
        let state = read_all(&db);
        if prefix_of(&history, &state).is_none() {
            panic!(
                "{context}: the database is no prefix of the writes at or after the {} promised \
                 durable (of {} attempted)",
                history.durable,
                history.writes.len()
            );
        }
        checked += history.durable as u64;
        cut += u64::from(db.stats().recovery_dropped_wal_bytes > 0);
    }
    (points, checked, cut)
}

#[test]
fn default_mode_opens_every_crash_with_a_prefix_holding_every_durable_write() {
    let points = std::env::var("FERRISDB_WAL_CRASH_POINTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24);
    for sync in [SyncMode::Normal, SyncMode::Full, SyncMode::None] {
        for large in [false, true] {
            let setup = Setup { sync, large };
            let (tried, durable, cut) = search(setup, points);
            eprintln!(
                "{setup:?}: {tried} crash points ({cut} opened by cutting a damaged log), \
                 {durable} durable writes checked"
            );
        }
    }
}

/// Four threads put their own keys under `SyncMode::Full` (group commit:
/// one thread's sync covers the others' records, and records are framed
/// while another thread's sync is in flight); after a crash under each model
/// every acknowledged put must be there.
#[test]
fn group_commit_claims_survive_every_crash_model() {
    let points = std::env::var("FERRISDB_WAL_CRASH_POINTS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(24);
    let setup = Setup {
        sync: SyncMode::Full,
        large: true,
    };
    let threads = |fs: &FaultFileSystem| -> Vec<(Vec<u8>, Vec<u8>)> {
        let Ok(db) = StorageEngine::open(config(fs, setup)) else {
            return Vec::new();
        };
        let db = Arc::new(db);
        let handles: Vec<_> = (0..4)
            .map(|t| {
                let db = Arc::clone(&db);
                std::thread::spawn(move || {
                    let mut acked = Vec::new();
                    for i in 0..120 {
                        let key = format!("t{t}-{i:03}").into_bytes();
                        let mut value = format!("{t}/{i}").into_bytes();
                        value.resize(50 + (i * 53) % 700, b'x');
                        if db.put(&key, &value).is_err() {
                            break;
                        }
                        acked.push((key, value));
                    }
                    acked
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    };
    let total = {
        let fs = FaultFileSystem::new();
        assert_eq!(threads(&fs).len(), 480);
        fs.total_operations()
    };
    let mut rng = StdRng::seed_from_u64(5);
    let mut acked_checked = 0;
    for point in 0..points {
        let k = rng.random_range(1..=total);
        let model = [Model::Prefix, Model::Torn, Model::Pages][(point % 3) as usize];
        let fs = FaultFileSystem::new();
        fs.crash_after(k);
        let acked = threads(&fs);
        let rebooted = reboot(&fs, model, &mut rng);
        let db = StorageEngine::open(config(&rebooted, setup))
            .unwrap_or_else(|e| panic!("crash after {k} of {total}, {model:?}: open failed: {e}"));
        for (key, value) in &acked {
            assert_eq!(
                db.get(key).unwrap().as_deref(),
                Some(&value[..]),
                "crash after {k} of {total}, {model:?}: acknowledged {} lost",
                String::from_utf8_lossy(key)
            );
        }
        acked_checked += acked.len();
    }
    eprintln!("group commit: {points} crash points, {acked_checked} acknowledged puts checked");
}
