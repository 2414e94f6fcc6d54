//! Power loss at every sampled point of a log store workload (votes,
//! appends, purges, truncates) on a `FaultFileSystem`: what a rebooted
//! machine finds is the state after every acknowledged operation, plus at
//! most the one in flight, whole or not at all. So an append whose flush
//! was reported survives, a vote `save_vote` returned survives, and the
//! purge marker never lags the purged entries.

mod common;

use common::{block_on, log_id, open_small};
use std::collections::BTreeMap;

use ferrisdb_raft::{LogStore, TypeConfig};
use ferrisdb_storage::fs::FaultFileSystem;
use openraft::storage::{RaftLogStorage, RaftLogStorageExt};
use openraft::{EntryPayload, LogId, RaftLogReader, Vote};

/// The operations of the workload.
#[derive(Debug, Clone, Copy)]
enum Op {
    Vote(u64),
    /// Appends blank entries of `term` at the indexes `from..=to`.
    Append {
        term: u64,
        from: u64,
        to: u64,
    },
    Purge(u64),
    Truncate(u64),
}

/// What the log store holds: the vote, the entries' ids by index, the last
/// purged id.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct State {
    vote: Option<Vote<u64>>,
    entries: BTreeMap<u64, LogId<u64>>,
    last_purged: Option<LogId<u64>>,
}

/// The workload: terms that grow, appends of two entries, a purge every
/// sixth round and a truncate of the last entry every eighth.
fn workload() -> Vec<Op> {
    let mut ops = Vec::new();
    let mut last = 0;
    for round in 0..24u64 {
        let term = 1 + round / 8;
        if round % 8 == 0 {
            ops.push(Op::Vote(term));
        }
        ops.push(Op::Append {
            term,
            from: last + 1,
            to: last + 2,
        });
        last += 2;
        if round % 6 == 5 {
            ops.push(Op::Purge(last - 3));
        }
        if round % 8 == 7 {
            ops.push(Op::Truncate(last));
            last -= 1;
        }
    }
    ops
}

/// `state` after `op`.
fn model(state: &mut State, op: Op) {
    match op {
        Op::Vote(term) => state.vote = Some(Vote::new(term, 0)),
        Op::Append { term, from, to } => {
            for index in from..=to {
                state.entries.insert(index, log_id(term, index));
            }
        }
        Op::Purge(index) => {
            state.last_purged = Some(state.entries[&index]);
            state.entries.retain(|&i, _| i > index);
        }
        Op::Truncate(index) => state.entries.retain(|&i, _| i < index),
    }
}

/// Runs `op` on `store`, which holds `state`; whether it was acknowledged.
fn run(store: &mut LogStore, state: &State, op: Op) -> bool {
    let result = block_on(async {
        match op {
            Op::Vote(term) => store.save_vote(&Vote::new(term, 0)).await,
            Op::Append { term, from, to } => {
                let entries = (from..=to).map(|index| openraft::Entry::<TypeConfig> {
                    log_id: log_id(term, index),
                    payload: EntryPayload::Blank,
                });
                store.blocking_append(entries).await
            }
            Op::Purge(index) => store.purge(state.entries[&index]).await,
            Op::Truncate(index) => store.truncate(state.entries[&index]).await,
        }
    });
    result.is_ok()
}

/// Runs the workload until an operation fails; the number acknowledged.
fn run_until_dead(fs: &FaultFileSystem, ops: &[Op]) -> usize {
    let Ok(db) = open_small(fs) else { return 0 };
    let Ok(mut store) = LogStore::open(&db) else {
        return 0;
    };
    let mut state = State::default();
    let mut acknowledged = 0;
    for &op in ops {
        if !run(&mut store, &state, op) {
            break;
        }
        model(&mut state, op);
        acknowledged += 1;
    }
    acknowledged
}

/// What the store on `fs` holds.
fn read_state(fs: &FaultFileSystem) -> State {
    let db = open_small(fs).expect("the database opens after a power loss");
    let mut store = LogStore::open(&db).unwrap();
    block_on(async {
        let log_state = store.get_log_state().await.unwrap();
        let entries = store.try_get_log_entries(..).await.unwrap();
        State {
            vote: store.read_vote().await.unwrap(),
            entries: entries.iter().map(|e| (e.log_id.index, e.log_id)).collect(),
            last_purged: log_state.last_purged_log_id,
        }
    })
}

#[test]
fn acknowledged_log_writes_survive_power_loss_at_every_sampled_point() {
    let ops = workload();
    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    assert_eq!(run_until_dead(&fs, &ops), ops.len(), "crash-free run");
    let total = fs.total_operations();
    let stride = (total / 200).max(1);
    let mut checked = 0;
    for k in (1..=total).step_by(stride as usize) {
        let fs = FaultFileSystem::new();
        fs.enable_strict_directories();
        fs.crash_after(k);
        let acknowledged = run_until_dead(&fs, &ops);
        let found = read_state(&fs.crash());
        let mut before = State::default();
        for &op in &ops[..acknowledged] {
            model(&mut before, op);
        }
        let mut after = before.clone();
        if let Some(&op) = ops.get(acknowledged) {
            model(&mut after, op);
        }
        assert!(
            found == before || found == after,
            "crash after operation {k} of {total}, {acknowledged} acknowledged: found {found:?}, \
             expected {before:?} or, with {:?}, {after:?}",
            ops.get(acknowledged)
        );
        checked += 1;
    }
    assert!(
        checked >= 100.min(total),
        "{checked} points checked of {total}"
    );
}
