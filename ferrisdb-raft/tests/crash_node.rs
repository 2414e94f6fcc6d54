//! Power loss at every sampled point of a node's workload, with the log and
//! the state machine in one database as a node keeps them: votes, appends,
//! commits, applies, snapshot builds, purges, truncates of uncommitted
//! entries and the install of a leader's snapshot, in the order openraft
//! issues them. Each crash is a non-prefix one (`crash_with`: unsynced pages
//! kept in any combination, torn, zeroed or garbage).
//!
//! After reopening: the log holds the state after every acknowledged
//! operation plus at most the one in flight; the applied index is at least
//! what the last acknowledged synced write covered and at most the one in
//! flight; it never runs ahead of the log nor falls behind the purge marker
//! (entries purged but not applied would be lost to the cluster); the map is
//! exactly the entries up to it; and the current snapshot is not ahead of
//! it and holds exactly its entries. Then openraft's own restart path
//! (`StorageHelper::get_initial_state`) succeeds on it and applies every
//! committed entry.

mod common;

use common::{block_on, log_id, open_small};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;

use ferrisdb_raft::{LogStore, Request, StateMachine, TypeConfig};
use ferrisdb_storage::fs::{CrashModel, FaultFileSystem};
use ferrisdb_storage::{StorageConfig, StorageEngine};
use openraft::storage::{RaftLogStorage, RaftLogStorageExt, RaftStateMachine, StorageHelper};
use openraft::{EntryPayload, LogId, RaftLogReader, RaftSnapshotBuilder, Vote};

const KEYS: u64 = 5;

/// The operations of the workload.
#[derive(Debug, Clone, Copy)]
enum Op {
    Vote(u64),
    /// Appends the entries of `term` at `from..=to`.
    Append {
        term: u64,
        from: u64,
        to: u64,
    },
    /// Saves the committed id of `index`.
    Commit(u64),
    /// Applies the entries `from..=to`.
    Apply {
        from: u64,
        to: u64,
    },
    Build,
    Purge(u64),
    Truncate(u64),
    /// Installs the leader's snapshot of the entries up to `index`, then
    /// purges the log up to it, as a follower does.
    Install(u64),
}

impl Op {
    /// Whether the operation ends with a synced write (an apply does not).
    fn synced(self) -> bool {
        !matches!(self, Op::Apply { .. })
    }
}

/// The entry at `index` sets key `index % KEYS`, deleting it every fourth;
/// its data does not depend on the term.
fn entry(term: u64, index: u64) -> openraft::Entry<TypeConfig> {
    let value = (!index.is_multiple_of(4)).then(|| format!("v{index}").into_bytes());
    openraft::Entry {
        log_id: log_id(term, index),
        payload: EntryPayload::Normal(Request {
            key: format!("k{}", index % KEYS).into_bytes(),
            value,
        }),
    }
}

/// The map after the entries `1..=applied`.
fn model_map(applied: u64) -> BTreeMap<Vec<u8>, Vec<u8>> {
    let mut map = BTreeMap::new();
    for index in 1..=applied {
        let key = format!("k{}", index % KEYS).into_bytes();
        match index % 4 {
            0 => map.remove(&key),
            _ => map.insert(key, format!("v{index}").into_bytes()),
        };
    }
    map
}

/// The workload: rounds of append three, commit and apply two; the third is
/// truncated every fourth round; a build and a purge below it every fifth;
/// a new term every seventh; one install of a leader snapshot ahead.
fn workload() -> Vec<Op> {
    // openraft's log starts at index 0 (the initial membership, here a
    // delete of a key never set).
    let mut ops = vec![
        Op::Vote(1),
        Op::Append {
            term: 1,
            from: 0,
            to: 0,
        },
        Op::Commit(0),
        Op::Apply { from: 0, to: 0 },
    ];
    let (mut term, mut last, mut applied) = (1, 0, 0);
    for round in 1..=20u64 {
        if round % 7 == 0 {
            term += 1;
            ops.push(Op::Vote(term));
        }
        if round == 12 {
            let index = last + 6;
            ops.push(Op::Install(index));
            (last, applied) = (index, index);
            continue;
        }
        ops.push(Op::Append {
            term,
            from: last + 1,
            to: last + 3,
        });
        ops.push(Op::Commit(last + 2));
        ops.push(Op::Apply {
            from: applied + 1,
            to: last + 2,
        });
        applied = last + 2;
        last += 3;
        if round % 4 == 0 {
            ops.push(Op::Truncate(last));
            last -= 1;
        }
        if round % 5 == 0 {
            ops.push(Op::Build);
            ops.push(Op::Purge(applied - 2));
        }
    }
    ops
}

/// What the log holds, as in `crash_log_store.rs`, and the applied index.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LogModel {
    vote: Option<Vote<u64>>,
    entries: BTreeMap<u64, LogId<u64>>,
    last_purged: Option<LogId<u64>>,
}

/// The term of the leader whose snapshot is installed: the node's term at
/// the install (a later term would make every snapshot the node builds
/// afterwards older than the installed one, and kept only as openraft's).
const LEADER_TERM: u64 = 2;

fn model(state: &mut LogModel, applied: &mut u64, op: Op) {
    match op {
        Op::Vote(term) => state.vote = Some(Vote::new(term, 0)),
        Op::Append { term, from, to } => {
            for index in from..=to {
                state.entries.insert(index, log_id(term, index));
            }
        }
        Op::Commit(_) | Op::Build => {}
        Op::Apply { to, .. } => *applied = to,
        Op::Purge(index) => {
            state.last_purged = Some(state.entries[&index]);
            state.entries.retain(|&i, _| i > index);
        }
        Op::Truncate(index) => state.entries.retain(|&i, _| i < index),
        Op::Install(index) => {
            *applied = index;
            state.last_purged = Some(log_id(LEADER_TERM, index));
            state.entries.retain(|&i, _| i > index);
        }
    }
}

/// The leader's snapshot of the entries up to `index`, built on a disk
/// database.
fn leader_snapshot(index: u64) -> openraft::Snapshot<TypeConfig> {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    let mut sm = StateMachine::open(&db).unwrap();
    block_on(async {
        let entries = (1..=index).map(|i| entry(LEADER_TERM, i));
        sm.apply(entries).await.unwrap();
        sm.build_snapshot().await.unwrap()
    })
}

/// The bytes of a snapshot of the entries up to `index` (the layout does
/// not depend on terms), cached.
fn snapshot_bytes(cache: &mut HashMap<u64, Vec<u8>>, index: u64) -> Vec<u8> {
    cache
        .entry(index)
        .or_insert_with(|| leader_snapshot(index).snapshot.into_inner())
        .clone()
}

/// The node under test: its log and state machine in one database.
struct Node {
    log: LogStore,
    sm: StateMachine,
}

impl Node {
    fn open(fs: &FaultFileSystem) -> Result<Node, String> {
        let db = open_small(fs).map_err(|e| e.to_string())?;
        Ok(Node {
            log: LogStore::open(&db).map_err(|e| e.to_string())?,
            sm: StateMachine::open(&db).map_err(|e| e.to_string())?,
        })
    }

    /// Runs `op` on a node whose log holds `state`; whether it was
    /// acknowledged.
    fn run(&mut self, state: &LogModel, op: Op, leader: &openraft::Snapshot<TypeConfig>) -> bool {
        let id = |index: u64| state.entries[&index];
        block_on(async {
            match op {
                Op::Vote(term) => self.log.save_vote(&Vote::new(term, 0)).await.is_ok(),
                Op::Append { term, from, to } => {
                    let entries = (from..=to).map(|index| entry(term, index));
                    self.log.blocking_append(entries).await.is_ok()
                }
                Op::Commit(index) => self.log.save_committed(Some(id(index))).await.is_ok(),
                Op::Apply { from, to } => {
                    let entries = (from..=to).map(|index| entry(id(index).leader_id.term, index));
                    self.sm.apply(entries).await.is_ok()
                }
                Op::Build => {
                    let mut builder = self.sm.get_snapshot_builder().await;
                    builder.build_snapshot().await.is_ok()
                }
                Op::Purge(index) => self.log.purge(id(index)).await.is_ok(),
                Op::Truncate(index) => self.log.truncate(id(index)).await.is_ok(),
                Op::Install(index) => {
                    assert_eq!(leader.meta.last_log_id, Some(log_id(LEADER_TERM, index)));
                    let bytes = Box::new(Cursor::new(leader.snapshot.get_ref().clone()));
                    self.sm.install_snapshot(&leader.meta, bytes).await.is_ok()
                        && self.log.purge(log_id(LEADER_TERM, index)).await.is_ok()
                }
            }
        })
    }
}

/// Runs the workload until an operation fails; the number acknowledged.
fn run_until_dead(
    fs: &FaultFileSystem,
    ops: &[Op],
    leader: &openraft::Snapshot<TypeConfig>,
) -> usize {
    let Ok(mut node) = Node::open(fs) else {
        return 0;
    };
    let (mut state, mut applied) = (LogModel::default(), 0);
    let mut acknowledged = 0;
    for &op in ops {
        if !node.run(&state, op, leader) {
            break;
        }
        model(&mut state, &mut applied, op);
        acknowledged += 1;
    }
    acknowledged
}

/// What a reopened node holds.
struct Found {
    log: LogModel,
    last_log_index: u64,
    committed: u64,
    applied: u64,
    map: BTreeMap<Vec<u8>, Vec<u8>>,
    snapshot: Option<(u64, Vec<u8>)>,
}

fn read_node(fs: &FaultFileSystem) -> Found {
    let mut node =
        Node::open(fs).unwrap_or_else(|e| panic!("the node opens after a power loss: {e}"));
    block_on(async {
        let log_state = node.log.get_log_state().await.unwrap();
        let entries = node.log.try_get_log_entries(..).await.unwrap();
        let (applied, _) = node.sm.applied_state().await.unwrap();
        let mut map = BTreeMap::new();
        for k in 0..KEYS {
            let key = format!("k{k}").into_bytes();
            if let Some(value) = node.sm.get(&key).unwrap() {
                map.insert(key, value);
            }
        }
        let snapshot = node.sm.get_current_snapshot().await.unwrap().map(|s| {
            let index = s.meta.last_log_id.map_or(0, |id| id.index);
            (index, s.snapshot.into_inner())
        });
        Found {
            log: LogModel {
                vote: node.log.read_vote().await.unwrap(),
                entries: entries.iter().map(|e| (e.log_id.index, e.log_id)).collect(),
                last_purged: log_state.last_purged_log_id,
            },
            last_log_index: log_state.last_log_id.map_or(0, |id| id.index),
            committed: node
                .log
                .read_committed()
                .await
                .unwrap()
                .map_or(0, |id| id.index),
            applied: applied.map_or(0, |id| id.index),
            map,
            snapshot,
        }
    })
}

#[test]
fn a_node_keeps_its_log_and_applied_state_consistent_through_power_loss() {
    let ops = workload();
    let install_at = ops
        .iter()
        .find_map(|op| match op {
            Op::Install(index) => Some(*index),
            _ => None,
        })
        .expect("the workload installs a snapshot");
    let leader = leader_snapshot(install_at);
    let mut snapshots = HashMap::new();

    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    assert_eq!(
        run_until_dead(&fs, &ops, &leader),
        ops.len(),
        "crash-free run"
    );
    let total = fs.total_operations();
    let stride = total.div_ceil(170).max(1);
    let mut checked = 0;
    for k in (1..=total).step_by(usize::try_from(stride).unwrap()) {
        let fs = FaultFileSystem::new();
        fs.enable_strict_directories();
        fs.crash_after(k);
        let acknowledged = run_until_dead(&fs, &ops, &leader);
        let (recovered, _) = fs.crash_with(CrashModel::new(k));
        let found = read_node(&recovered);
        let context = format!("crash after operation {k} of {total}, {acknowledged} acknowledged");

        // The log: every acknowledged operation, at most the one in flight.
        let (mut before, mut applied_before) = (LogModel::default(), 0);
        let mut floor = 0;
        for &op in &ops[..acknowledged] {
            model(&mut before, &mut applied_before, op);
            if op.synced() {
                floor = applied_before;
            }
        }
        let (mut after, mut ceiling) = (before.clone(), applied_before);
        if let Some(&op) = ops.get(acknowledged) {
            model(&mut after, &mut ceiling, op);
        }
        assert!(
            found.log == before || found.log == after,
            "{context}: log {:?}, expected {before:?} or {after:?}",
            found.log
        );

        // The applied state: not older than the last synced write covered,
        // not newer than the operation in flight, exactly its entries.
        let applied = found.applied;
        assert!(
            (floor..=ceiling).contains(&applied),
            "{context}: applied {applied} outside {floor}..={ceiling}"
        );
        assert_eq!(found.map, model_map(applied), "{context}: map at {applied}");

        // Never ahead of what the log or a snapshot holds, never behind the
        // purge marker, and every committed entry it lacks is in the log.
        let snapshot_index = found.snapshot.as_ref().map_or(0, |(index, _)| *index);
        assert!(
            applied <= found.last_log_index.max(snapshot_index),
            "{context}: applied {applied} ahead of the log ({}) and the snapshot ({snapshot_index})",
            found.last_log_index
        );
        let purged = found.log.last_purged.map_or(0, |id| id.index);
        assert!(
            applied >= purged,
            "{context}: entries up to {purged} purged, applied only to {applied}"
        );
        for index in applied + 1..=found.committed {
            assert!(
                found.log.entries.contains_key(&index),
                "{context}: committed entry {index} (applied {applied}) is not in the log"
            );
        }

        // The current snapshot: not ahead of the applied state, and exactly
        // the entries up to its index.
        if let Some((index, bytes)) = &found.snapshot {
            assert!(
                *index <= applied,
                "{context}: snapshot {index} > applied {applied}"
            );
            assert!(
                *bytes == snapshot_bytes(&mut snapshots, *index),
                "{context}: the snapshot of index {index} holds other data"
            );
        }
        // openraft's restart path on it: applies the committed entries
        // again from the log, purges up to an installed snapshot, builds a
        // snapshot if the log was purged without one.
        let mut node = Node::open(&recovered).unwrap();
        let restarted =
            block_on(StorageHelper::new(&mut node.log, &mut node.sm).get_initial_state())
                .unwrap_or_else(|e| panic!("{context}: openraft's restart fails: {e}"));
        let applied = restarted.committed.map_or(0, |id| id.index);
        assert!(
            applied >= found.committed.max(found.applied),
            "{context}: restart applied to {applied}"
        );
        drop(node);
        let map = read_node(&recovered).map;
        assert_eq!(
            map,
            model_map(applied),
            "{context}: the map after the restart"
        );
        checked += 1;
    }
    assert!(checked >= 100.min(total), "{checked} points of {total}");
}
