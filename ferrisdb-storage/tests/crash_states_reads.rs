//! Reads never run ahead of durability under `SyncMode::Full`: a value a
//! reader saw before a power loss is still there after it.
//!
//! One thread runs a seeded workload under `Full`, on a file system that
//! dies after its `k`th operation; two readers meanwhile read the key of the
//! write in flight and scan, with `get`, `scan_prefix` and snapshots, and
//! note the newest write whose value they saw (every value names its
//! write). After the crash (the crash model's states, `crash_with`), the
//! database must hold the state after `W1 ..= Wm` for an `m` covering every
//! acknowledged write and every write a reader saw: a reader that acted on a
//! value never finds it gone, even when its writer had not yet returned.
//!
//! `FERRISDB_CRASH_READ_POINTS` (default 100) sets the crash points, each
//! tried in 2 crash states; `FERRISDB_CRASH_SEED` (default 0) the seeds. A
//! failure prints the workload, crash point and crash seed, and
//! `FERRISDB_CRASH_REPLAY=w:k:s` reruns that point in that state; the
//! threads' timing is not replayed, so a replay may need a few runs.

mod reliability;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use ferrisdb_storage::fs::{CrashModel, FaultFileSystem};
use ferrisdb_storage::{StorageEngine, SyncMode};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use reliability::*;

const STATES: u64 = 2;

/// The write a value names (`key0007@42:...` names write 42, 0-based).
fn write_of(value: &[u8]) -> Option<usize> {
    let text = std::str::from_utf8(value).ok()?;
    let (_, rest) = text.split_once('@')?;
    rest.split_once(':')?.0.parse().ok()
}

/// What the readers saw: the newest write whose value they read, as a
/// count of writes (`i + 1` for write `i`), and how many values they read.
#[derive(Debug, Default, Clone, Copy)]
struct Seen {
    newest: usize,
    values: u64,
}

fn note(seen: &mut Seen, value: &[u8]) {
    if let Some(i) = write_of(value) {
        seen.newest = seen.newest.max(i + 1);
        seen.values += 1;
    }
}

/// Reads until `done`: mostly the first key of the write in flight
/// (`started`), now and then a prefix scan through a snapshot.
fn reader(
    db: &StorageEngine,
    ops: &[Op],
    started: &AtomicUsize,
    done: &AtomicBool,
    seed: u64,
) -> Seen {
    let writes: Vec<&[Change]> = ops.iter().filter_map(Op::changes).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut seen = Seen::default();
    while !done.load(Ordering::Acquire) {
        let i = started.load(Ordering::Acquire).min(writes.len() - 1);
        if rng.random_bool(0.9) {
            if let Ok(Some(value)) = get_if_created(db, &writes[i][0].first_key()) {
                note(&mut seen, &value);
            }
            continue;
        }
        let snapshot = db.snapshot().unwrap();
        if let Ok(scan) = snapshot.scan_prefix("key") {
            for (_, value) in scan.flatten() {
                note(&mut seen, &value);
            }
        }
    }
    seen
}

/// Runs workload `seed` with two readers until the machine dies.
fn run_with_readers(fs: &FaultFileSystem, seed: u64) -> (History, Seen) {
    let mut history = History::default();
    let Ok(db) = StorageEngine::open(crash_config(fs, SyncMode::Full)) else {
        return (history, Seen::default());
    };
    let ops = crash_ops(seed);
    let started = AtomicUsize::new(0);
    let done = AtomicBool::new(false);
    let mut seen = Seen::default();
    std::thread::scope(|s| {
        let readers: Vec<_> = (0..2)
            .map(|r| {
                let (db, ops, started, done) = (&db, &ops, &started, &done);
                s.spawn(move || reader(db, ops, started, done, seed * 2 + r))
            })
            .collect();
        // The writer announces each write before it starts it.
        for op in &ops {
            if op.changes().is_some() {
                started.store(history.attempts.len(), Ordering::Release);
            }
            let outcome = run(&db, std::slice::from_ref(op), &mut history, true);
            if !outcome.errors.is_empty() {
                break;
            }
        }
        done.store(true, Ordering::Release);
        for r in readers {
            let got = r.join().expect("reader thread");
            seen.newest = seen.newest.max(got.newest);
            seen.values += got.values;
        }
    });
    drop(db);
    (history, seen)
}

#[test]
fn a_value_read_before_a_power_loss_is_there_after_it() {
    watch_panics();
    let points = env_or("FERRISDB_CRASH_READ_POINTS", 100);
    let base_seed = env_or("FERRISDB_CRASH_SEED", 0);
    let totals: Vec<u64> = (0..WORKLOADS)
        .map(|seed| {
            let fs = fresh_fs();
            let (history, _) = run_with_readers(&fs, seed);
            assert_eq!(history.acknowledged(), shape(seed).writes, "crash-free run");
            fs.total_operations()
        })
        .collect();
    let mut rng = StdRng::seed_from_u64(base_seed ^ 0x7ead);
    // (workload, crash point, the crash seeds to try there)
    let plan: Vec<(u64, u64, Vec<u64>)> = match replay() {
        Some((workload, k, seed)) => vec![(workload, k, vec![seed])],
        None => (0..points)
            .map(|point| {
                let workload = point % WORKLOADS;
                let k = rng.random_range(1..=totals[workload as usize]);
                let seeds = (0..STATES)
                    .map(|state| {
                        base_seed
                            .wrapping_mul(1_000_003)
                            .wrapping_add(point * STATES + state)
                    })
                    .collect();
                (workload, k, seeds)
            })
            .collect(),
    };
    let (mut states, mut values, mut ahead_of_ack) = (0u64, 0u64, 0u64);
    let points_run = plan.len();
    for (workload, k, seeds) in plan {
        let fs = fresh_fs();
        fs.crash_after(k);
        let (history, seen) = run_with_readers(&fs, workload);
        // A reader saw a write whose writer had not returned: it was durable.
        ahead_of_ack += u64::from(seen.newest > history.last_acknowledged());
        values += seen.values;
        // A write a reader saw must be there, whole, like an acknowledged
        // one: reads see a prefix of the writes, so every write up to it.
        let mut required = history.clone();
        for attempt in &mut required.attempts[..seen.newest] {
            attempt.acknowledged = true;
        }
        let must = required.last_acknowledged();
        for seed in seeds {
            let (rebooted, report) = fs.crash_with(CrashModel::new(seed));
            let context = format!(
                "workload {workload}, power lost after operation {k}, crash seed {seed}, \
                 readers saw writes up to #{} (replay: FERRISDB_CRASH_REPLAY={workload}:{k}:{seed} \
                 cargo test -p ferrisdb-storage --test crash_states_reads)",
                seen.newest
            );
            let db = StorageEngine::open(crash_config(&rebooted, SyncMode::Full))
                .unwrap_or_else(|e| panic!("{context}: reopen: {e}\n{report}"));
            let recovered = read_all(&db).unwrap();
            if let Err(problem) = required.check_from(&recovered, must) {
                panic!("{context}: {problem}\nthe crash: {report}");
            }
            drop(db);
            states += 1;
        }
    }
    assert_eq!(panics(), 0, "a thread panicked (see above)");
    eprintln!(
        "crash points: {}, crash states: {states}, values read before the crash: \
         {values}, points where a reader saw a write before its writer returned: \
         {ahead_of_ack}, lost: 0",
        points_run
    );
    if replay().is_none() {
        assert!(values > 0);
    }
}
