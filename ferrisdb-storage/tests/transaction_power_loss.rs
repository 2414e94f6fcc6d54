//! Power loss and I/O failures during transaction commits.
//!
//! A seeded workload commits transactions of several writes each: puts,
//! deletes and range deletes, in `default` and in a keyspace, and a
//! counter `last` that transaction `i` reads (it must be `i - 1`) and sets
//! to `i`. Most commit with `WriteOptions { sync: Some(SyncMode::Full) }`,
//! the rest under the engine's `Normal`; the smallest MemTables and logs
//! make flushes, manifest writes and log rotations happen every few
//! transactions, among the commits.
//!
//! - Power loss after the `k`th file system operation, for `k` spread
//!   over the whole workload (so also between the log write and the sync
//!   of a commit), each crash taken three ways: the synced prefix
//!   (`crash`), with torn writes, and two states of the crash model
//!   (`crash_with`: unsynced pages kept, lost, torn or garbage in any
//!   combination, unsynced names surviving or not).
//! - One failed write or sync (`EIO`) at the `n`th such operation, which
//!   fails the commit in flight or stops the engine under it: then the
//!   database reopened in place, and after a power loss.
//!
//! Promise: the database opens and, with `m` the `last` it holds, is
//! exactly the state after transactions `1 ..= m`: every transaction is
//! whole or absent, with no holes; `m` is at least the last transaction
//! whose `Full` commit was acknowledged (all of them once a close
//! succeeded), and at most the last one attempted.
//!
//! `FERRISDB_TXN_CRASH_POINTS` (default 120) sets the power-loss points,
//! `FERRISDB_TXN_FAULT_POINTS` (default 60) the failure points.

use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_storage::fs::{CrashModel, FaultFileSystem, FaultKind, OpKind};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine, SyncMode, WriteOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const TRANSACTIONS: u64 = 60;
const KEYS: u32 = 30;
const KEYSPACE: &str = "side";

/// The model: `(in the keyspace, key) -> value`.
type Model = BTreeMap<(bool, Vec<u8>), Vec<u8>>;

#[derive(Debug, Clone)]
enum Write {
    Put(bool, Vec<u8>, Vec<u8>),
    Delete(bool, Vec<u8>),
    /// `[start, end)`.
    Range(bool, Vec<u8>, Vec<u8>),
}

struct Plan {
    writes: Vec<Write>,
    full: bool,
}

fn key(i: u32) -> Vec<u8> {
    format!("k{i:03}").into_bytes()
}

/// The transactions of the workload, the same every run.
fn plans() -> Vec<Plan> {
    let mut rng = StdRng::seed_from_u64(21);
    (1..=TRANSACTIONS)
        .map(|i| {
            let mut writes = Vec::new();
            for n in 0..rng.random_range(2..8) {
                let side = rng.random_bool(0.4);
                let k = rng.random_range(0..KEYS);
                let value = format!("t{i}.{n}{}", "x".repeat(rng.random_range(0..300)));
                writes.push(match rng.random_range(0..10) {
                    0..=6 => Write::Put(side, key(k), value.into_bytes()),
                    7 | 8 => Write::Delete(side, key(k)),
                    _ => Write::Range(side, key(k), key(k + rng.random_range(1..6))),
                });
            }
            // At least one put the transactions before did not make.
            writes.push(Write::Put(
                rng.random_bool(0.5),
                key(KEYS),
                format!("t{i}").into_bytes(),
            ));
            Plan {
                writes,
                full: !rng.random_ratio(1, 3),
            }
        })
        .collect()
}

fn apply(model: &mut Model, plan: &Plan, i: u64) {
    for write in &plan.writes {
        match write {
            Write::Put(side, k, v) => {
                model.insert((*side, k.clone()), v.clone());
            }
            Write::Delete(side, k) => {
                model.remove(&(*side, k.clone()));
            }
            Write::Range(side, s, e) => {
                model.retain(|(ks, k), _| ks != side || k < s || k >= e);
            }
        }
    }
    model.insert((false, b"last".to_vec()), i.to_string().into_bytes());
}

/// The model after each transaction: `states[i]` after `1 ..= i`.
fn states(plans: &[Plan]) -> Vec<Model> {
    let mut model = Model::new();
    let mut states = vec![model.clone()];
    for (i, plan) in plans.iter().enumerate() {
        apply(&mut model, plan, i as u64 + 1);
        states.push(model.clone());
    }
    states
}

fn config(fs: &FaultFileSystem) -> StorageConfig {
    StorageConfig {
        file_system: Arc::new(fs.clone()),
        wal_sync_mode: SyncMode::Normal,
        memtable_size: 4 << 10,
        max_immutable_memtables: 1,
        wal_max_file_size: 4 << 10,
        block_size: 512,
        target_file_size: 4 << 10,
        ..StorageConfig::new("/db")
    }
}

fn fresh_fs() -> FaultFileSystem {
    let fs = FaultFileSystem::new();
    fs.enable_strict_directories();
    fs
}

/// What a run got done before the machine died or a fault stopped it.
#[derive(Debug, Default)]
struct Run {
    /// The last transaction whose commit was attempted.
    attempted: u64,
    /// The last one whose `Full` commit was acknowledged, or the last of
    /// all once a close succeeded.
    durable: u64,
}

fn assert_fault(error: &Error) {
    assert!(
        matches!(
            error,
            Error::Io { .. } | Error::Background(_) | Error::Closed
        ),
        "unexpected error after an injected fault: {error:?}"
    );
}

/// Runs the workload on `fs` until the first error, then closes.
fn run(fs: &FaultFileSystem, plans: &[Plan], states: &[Model]) -> Run {
    let mut run = Run::default();
    let db = match StorageEngine::open(config(fs)) {
        Ok(db) => db,
        Err(e) => {
            assert_fault(&e);
            return run;
        }
    };
    let side = match db.keyspace(KEYSPACE) {
        Ok(side) => side,
        Err(e) => {
            assert_fault(&e);
            return run;
        }
    };
    for (i, plan) in (1..).zip(plans) {
        run.attempted = i;
        let mut tx = db.transaction().unwrap();
        let outcome = (|| {
            let last = tx.get("last")?;
            let before = states[i as usize - 1].get(&(false, b"last".to_vec()));
            assert_eq!(
                last.as_deref(),
                before.map(Vec::as_slice),
                "transaction {i} reads"
            );
            for write in &plan.writes {
                match write {
                    Write::Put(true, k, v) => tx.put_in(&side, k, v)?,
                    Write::Put(false, k, v) => tx.put(k, v)?,
                    Write::Delete(true, k) => tx.delete_in(&side, k)?,
                    Write::Delete(false, k) => tx.delete(k)?,
                    Write::Range(true, s, e) => {
                        tx.delete_range_in(&side, s.as_slice()..e.as_slice())?
                    }
                    Write::Range(false, s, e) => tx.delete_range(s.as_slice()..e.as_slice())?,
                }
            }
            tx.put("last", i.to_string())?;
            let sync = if plan.full {
                SyncMode::Full
            } else {
                SyncMode::Normal
            };
            tx.commit_opt(&WriteOptions { sync: Some(sync) })
        })();
        match outcome {
            Ok(_) if plan.full => run.durable = i,
            Ok(_) => {}
            Err(e) => {
                assert_fault(&e);
                drop(side);
                let _ = db.close();
                return run;
            }
        }
    }
    drop(side);
    match db.close() {
        Ok(()) => run.durable = run.attempted,
        Err(e) => assert_fault(&e),
    }
    run
}

/// Opens `fs` and checks it holds the state after some `m` transactions
/// with `run.durable <= m <= run.attempted`; returns `m`.
fn verify(fs: &FaultFileSystem, run: &Run, states: &[Model], what: &str) -> u64 {
    let db = StorageEngine::open(config(fs)).unwrap_or_else(|e| panic!("{what}: open: {e}"));
    let m: u64 = db
        .get("last")
        .unwrap()
        .map_or(0, |v| std::str::from_utf8(&v).unwrap().parse().unwrap());
    assert!(
        run.durable <= m && m <= run.attempted,
        "{what}: holds transaction {m}, acknowledged durable {}, attempted {}",
        run.durable,
        run.attempted
    );
    let side = db.keyspace(KEYSPACE).unwrap();
    let mut got = Model::new();
    for (in_side, scan) in [(false, db.iter().unwrap()), (true, side.iter().unwrap())] {
        for item in scan {
            let (k, v) = item.unwrap();
            got.insert((in_side, k.to_vec()), v.to_vec());
        }
    }
    let want = &states[m as usize];
    if &got != want {
        let differ = want
            .iter()
            .chain(got.iter())
            .map(|(k, _)| k)
            .find(|k| got.get(*k) != want.get(*k))
            .unwrap();
        panic!(
            "{what}: the state is not that after transactions 1 ..= {m}: {:?} holds {:?}, \
             expected {:?}",
            (differ.0, String::from_utf8_lossy(&differ.1)),
            got.get(differ)
                .map(|v| String::from_utf8_lossy(v).into_owned()),
            want.get(differ)
                .map(|v| String::from_utf8_lossy(v).into_owned()),
        );
    }
    drop(side);
    db.close().unwrap();
    m
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

#[test]
fn every_transaction_is_whole_or_absent_after_a_power_loss() {
    let plans = plans();
    let states = states(&plans);
    let fs = fresh_fs();
    let whole = run(&fs, &plans, &states);
    assert_eq!(whole.durable, TRANSACTIONS, "the workload runs to the end");
    let operations = fs.total_operations();
    let points = env_or("FERRISDB_TXN_CRASH_POINTS", 120);
    let (mut partial, mut cut, mut kept) = (0, 0, 0);
    for p in 0..points {
        let k = 1 + p * operations / points;
        let fs = fresh_fs();
        if p % 2 == 1 {
            fs.enable_torn_writes(p);
        }
        fs.crash_after(k);
        let run = run(&fs, &plans, &states);
        let what = format!("crash after operation {k}");
        let m = verify(&fs.crash(), &run, &states, &what);
        partial += u64::from(m > 0 && m < TRANSACTIONS);
        for seed in [p, p + 1000] {
            let (rebooted, report) = fs.crash_with(CrashModel::new(seed));
            let m = verify(&rebooted, &run, &states, &format!("{what}, {report}"));
            cut += u64::from(m < run.attempted);
            kept += u64::from(m > run.durable);
        }
    }
    eprintln!(
        "{points} crash points over {operations} operations: {partial} partial; crash model \
         states: {cut} lost the commit in flight, {kept} kept a commit not acknowledged durable"
    );
    assert!(
        partial > points / 2,
        "the crashes landed inside the workload"
    );
    assert!(cut > 0, "some crash lost the commit in flight");
}

#[test]
fn every_transaction_is_whole_or_absent_after_a_failed_write_or_sync() {
    let plans = plans();
    let states = states(&plans);
    let fs = fresh_fs();
    run(&fs, &plans, &states);
    let operations = fs.total_operations();
    let points = env_or("FERRISDB_TXN_FAULT_POINTS", 60);
    let mut failed = 0;
    for p in 0..points {
        // The writes and syncs are about half of all operations.
        let n = 1 + p * operations / 2 / points;
        let fs = fresh_fs();
        fs.fail_at(n, false, &[OpKind::Write, OpKind::Sync], FaultKind::Io);
        let run = run(&fs, &plans, &states);
        failed += u64::from(run.attempted < TRANSACTIONS);
        let what = format!("write or sync {n} failed");
        verify(&fs, &run, &states, &format!("{what}, reopened in place"));
        verify(
            &fs.crash(),
            &run,
            &states,
            &format!("{what}, then a power loss"),
        );
    }
    eprintln!("{points} failure points: {failed} stopped the workload");
    assert!(failed > points / 2, "the failures stopped the workload");
}
