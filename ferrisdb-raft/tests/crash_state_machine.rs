//! Power loss at every point of a state machine workload (applies and
//! snapshot installs) on a `FaultFileSystem`: the reopened state machine's
//! data is exactly the data of the entries up to its last applied id (the
//! applied state never runs ahead of or behind its data), it is not older
//! than the last acknowledged install (installs are synced; applies are
//! not, and openraft applies them again from the log), not newer than the
//! operation in flight, and one data generation is left.

mod common;

use common::{block_on, open_small};
use std::collections::BTreeMap;
use std::io::Cursor;

use ferrisdb_raft::{keys, Request, StateMachine, TypeConfig};
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::RaftStateMachine;
use openraft::{CommittedLeaderId, EntryPayload, LogId, RaftSnapshotBuilder, Snapshot};

const KEYS: u64 = 7;

/// The operations of the workload.
enum Op {
    /// Applies the entries `from..=to`.
    Apply { from: u64, to: u64 },
    /// Installs the snapshot of the entries up to its last log id.
    Install(Snapshot<TypeConfig>),
}

fn log_id(index: u64) -> LogId<u64> {
    LogId::new(CommittedLeaderId::new(1, 0), index)
}

/// The entry at `index`: sets key `index % KEYS`, deletes it every fifth.
fn entry(index: u64) -> openraft::Entry<TypeConfig> {
    let value = (!index.is_multiple_of(5)).then(|| format!("v{index}").into_bytes());
    openraft::Entry {
        log_id: log_id(index),
        payload: EntryPayload::Normal(Request {
            key: format!("k{}", index % KEYS).into_bytes(),
            value,
        }),
    }
}

/// The map after the entries `1..=applied`.
fn model(applied: u64) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut map = BTreeMap::new();
    for index in 1..=applied {
        let key = format!("k{}", index % KEYS).into_bytes();
        match index % 5 {
            0 => map.remove(&key),
            _ => map.insert(key, format!("v{index}").into_bytes()),
        };
    }
    map
}

/// Snapshots of the entries up to each of `points`, built on a disk database.
fn snapshots(points: &[u64]) -> Vec<Snapshot<TypeConfig>> {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    let mut applied = 0;
    block_on(async {
        let mut built = Vec::new();
        for &point in points {
            sm.apply((applied + 1..=point).map(entry)).await.unwrap();
            applied = point;
            built.push(sm.build_snapshot().await.unwrap());
        }
        built
    })
}

/// The applied index after `op`.
fn applied_after(op: &Op) -> u64 {
    match op {
        Op::Apply { to, .. } => *to,
        Op::Install(s) => s.meta.last_log_id.map_or(0, |id| id.index),
    }
}

/// Runs the workload until an operation fails; the number acknowledged.
fn run_until_dead(fs: &FaultFileSystem, ops: &[Op]) -> usize {
    let Ok(db) = open_small(fs) else { return 0 };
    let Ok(mut sm) = StateMachine::open(&db) else {
        return 0;
    };
    block_on(async {
        let mut acknowledged = 0;
        for op in ops {
            let ok = match op {
                Op::Apply { from, to } => sm.apply((*from..=*to).map(entry)).await.is_ok(),
                Op::Install(s) => {
                    let data = Box::new(Cursor::new(s.snapshot.get_ref().clone()));
                    sm.install_snapshot(&s.meta, data).await.is_ok()
                }
            };
            if !ok {
                break;
            }
            acknowledged += 1;
        }
        acknowledged
    })
}

/// The applied index and the map of the state machine on `fs`, and its
/// data keyspaces.
fn read_state(fs: &FaultFileSystem) -> (u64, BTreeMap<Vec<u8>, Vec<u8>>, usize) {
    let db = open_small(fs).expect("the database opens after a power loss");
    let mut sm = StateMachine::open(&db).unwrap();
    let (applied, _) = block_on(sm.applied_state()).unwrap();
    let mut map = BTreeMap::new();
    for k in 0..KEYS {
        let key = format!("k{k}").into_bytes();
        if let Some(value) = sm.get(&key).unwrap() {
            map.insert(key, value);
        }
    }
    let generations = db
        .keyspaces()
        .iter()
        .filter(|name| keys::sm_generation(name).is_some())
        .count();
    (applied.map_or(0, |id| id.index), map, generations)
}

#[test]
fn the_applied_state_matches_its_data_after_power_loss_at_every_point() {
    let built = snapshots(&[30, 50]);
    let mut ops: Vec<Op> = (0..5)
        .map(|i| Op::Apply {
            from: 2 * i + 1,
            to: 2 * i + 2,
        })
        .collect();
    let mut built = built.into_iter();
    ops.push(Op::Install(built.next().unwrap()));
    ops.extend((15..20).map(|i| Op::Apply {
        from: 2 * i + 1,
        to: 2 * i + 2,
    }));
    ops.push(Op::Install(built.next().unwrap()));
    ops.extend((25..28).map(|i| Op::Apply {
        from: 2 * i + 1,
        to: 2 * i + 2,
    }));

    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    assert_eq!(run_until_dead(&fs, &ops), ops.len(), "crash-free run");
    let total = fs.total_operations();
    for k in 1..=total {
        let fs = FaultFileSystem::new();
        fs.enable_strict_directories();
        fs.crash_after(k);
        let acknowledged = run_until_dead(&fs, &ops);
        let (applied, map, generations) = read_state(&fs.crash());
        let context = format!("crash after operation {k} of {total}, {acknowledged} acknowledged");
        assert_eq!(
            map,
            model(applied),
            "{context}: the data of applied index {applied}"
        );
        assert_eq!(generations, 1, "{context}: data generations left");
        // Not older than the last acknowledged install, nor newer than the
        // operation in flight.
        let floor = ops[..acknowledged]
            .iter()
            .rposition(|op| matches!(op, Op::Install(_)))
            .map_or(0, |i| applied_after(&ops[i]));
        let ceiling = ops[..(acknowledged + 1).min(ops.len())]
            .last()
            .map_or(0, applied_after);
        assert!(
            (floor..=ceiling).contains(&applied),
            "{context}: applied index {applied} outside {floor}..={ceiling}"
        );
    }
}
