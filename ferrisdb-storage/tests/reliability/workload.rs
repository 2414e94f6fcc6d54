//! Workloads: the operations a scenario issues, a seeded generator of them,
//! and running them on an engine while recording what it acknowledged.

use std::collections::BTreeMap;

use ferrisdb_storage::{Error, StorageEngine};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::change::{apply, Change};
use super::checks::assert_engine_error;
use super::history::{Attempt, History};
use super::keyspaces::{
    create_keyspace, delete_range, ensure_handles, keyspace_name, model_key, split_key,
    to_batch_in, Handles, DEFAULT,
};

/// The database state a model holds: key to value.
pub type State = BTreeMap<Vec<u8>, Vec<u8>>;

/// One step of a workload.
#[derive(Debug, Clone)]
pub enum Op {
    /// An atomic batch of puts and deletes, and range deletes with
    /// [`Shape::range_deletes`].
    Write(Vec<Change>),
    /// A read of one key, checked against the model while nothing failed.
    Get(Vec<u8>),
    /// `StorageEngine::flush`: freeze the MemTable and wait for its table.
    Flush,
    /// `StorageEngine::sync_wal`: make every acknowledged write durable.
    SyncWal,
    /// `StorageEngine::keyspace`: create the keyspace of this name (one
    /// durable manifest write), whose keys the writes after it name.
    Keyspace(String),
    /// `delete_range` or `delete_prefix` (of the engine for `default`, of
    /// the keyspace's handle otherwise): a write of one
    /// [`Change::DeleteRange`] or [`Change::DeletePrefix`].
    DeleteRange(Change),
}

impl Op {
    /// The changes of a write, `None` for the other steps.
    pub fn changes(&self) -> Option<&[Change]> {
        match self {
            Op::Write(changes) => Some(changes),
            Op::DeleteRange(change) => Some(std::slice::from_ref(change)),
            _ => None,
        }
    }
}

/// The sizes of a workload's writes.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// Writes in the workload.
    pub writes: usize,
    /// Keys written, `key0000` on.
    pub keys: u64,
    /// A value is padded with up to this many bytes (exclusive)...
    pub max_pad: usize,
    /// ...or, with this chance, with `large_pad` bytes.
    pub large: f64,
    /// The padding of a large value.
    pub large_pad: usize,
    /// Keyspaces written, `default` among them; 1 means `default` only.
    /// With more, the workload creates the others itself (with three or
    /// more the last, `cold`, a fifth of the way in), and most batches of
    /// several changes span keyspaces (see [`keyspace_name`]).
    pub keyspaces: u8,
    /// The chance that a write deletes a range (a few keys wide, now and
    /// then unbounded above) or a prefix: alone, through `delete_range` or
    /// `delete_prefix`, or inside a batch of puts and deletes, which it
    /// then hides where they come before it. 0.0 draws nothing, so the
    /// workloads without range deletes stay as they were.
    pub range_deletes: f64,
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
    workload_shaped(seed, small_shape(writes, keys, large, 1))
}

/// [`workload`] over `keyspaces` keyspaces, which it creates (see
/// [`Shape::keyspaces`]).
pub fn workload_in_keyspaces(seed: u64, writes: usize, keys: u64, keyspaces: u8) -> Vec<Op> {
    workload_shaped(seed, small_shape(writes, keys, 0.02, keyspaces))
}

/// [`workload_in_keyspaces`] where a write deletes a range or a prefix with
/// chance `range_deletes` (see [`Shape::range_deletes`]).
pub fn workload_with_range_deletes(
    seed: u64,
    writes: usize,
    keys: u64,
    keyspaces: u8,
    range_deletes: f64,
) -> Vec<Op> {
    workload_shaped(
        seed,
        Shape {
            range_deletes,
            ..small_shape(writes, keys, 0.02, keyspaces)
        },
    )
}

fn small_shape(writes: usize, keys: u64, large: f64, keyspaces: u8) -> Shape {
    Shape {
        writes,
        keys,
        max_pad: 120,
        large,
        // Larger than a whole MemTable of the scenarios' config (4 KiB).
        large_pad: 5000,
        keyspaces,
        range_deletes: 0.0,
    }
}

/// A seeded workload of the given shape, as [`workload`] describes.
pub fn workload_shaped(seed: u64, shape: Shape) -> Vec<Op> {
    let Shape {
        writes,
        keys,
        max_pad,
        large,
        large_pad,
        keyspaces,
        range_deletes,
    } = shape;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut ops = Vec::new();
    // The keyspaces written from the start: all but a cold one.
    let cold = (keyspaces >= 3).then_some(keyspaces - 1);
    let hot = cold.unwrap_or(keyspaces);
    ops.extend((1..hot).map(|i| Op::Keyspace(keyspace_name(i, keyspaces))));
    let mut cold_created = false;
    let mut written = 0;
    while written < writes {
        if let Some(cold) = cold {
            if !cold_created && written == writes / 5 {
                ops.push(Op::Keyspace(keyspace_name(cold, keyspaces)));
                cold_created = true;
            }
        }
        // Without keyspaces the generator draws exactly what it always did,
        // so the workloads of the other scenarios stay as they were.
        let pick = |rng: &mut StdRng| -> String {
            let i = match cold {
                Some(cold) if cold_created && rng.random_bool(0.05) => cold,
                _ if keyspaces > 1 => rng.random_range(0..hot),
                _ => 0,
            };
            keyspace_name(i, keyspaces)
        };
        match rng.random_range(0..100) {
            0..=2 => ops.push(Op::Flush),
            3..=14 => {
                let ks = pick(&mut rng);
                ops.push(Op::Get(model_key(&ks, &key(rng.random_range(0..keys)))));
            }
            _ if range_deletes > 0.0 && rng.random_bool(range_deletes) => {
                let ks = pick(&mut rng);
                let ranged = range_change(&mut rng, ks, keys);
                if rng.random_bool(0.5) {
                    ops.push(Op::DeleteRange(ranged));
                } else {
                    // Inside a batch of points of its keyspace, some before
                    // it (hidden where it covers them), some after.
                    let name = ranged.keyspace().unwrap_or(DEFAULT).to_string();
                    let mut batch: Vec<Change> = (0..rng.random_range(1..=4))
                        .map(|_| {
                            let k = model_key(&name, &key(rng.random_range(0..keys)));
                            let mut v =
                                format!("{}@{written}:", String::from_utf8_lossy(&k)).into_bytes();
                            v.resize(v.len() + rng.random_range(0..max_pad), b'.');
                            Change::Put(k, v)
                        })
                        .collect();
                    batch.insert(rng.random_range(0..=batch.len()), ranged);
                    ops.push(Op::Write(batch));
                }
                written += 1;
            }
            _ => {
                // With keyspaces, more batches of several changes (most span
                // keyspaces), but smaller, so a workload writes about as much.
                let (single, most) = if keyspaces > 1 { (0.5, 4) } else { (0.7, 5) };
                let entries = if rng.random_bool(single) {
                    1
                } else {
                    rng.random_range(2..=most)
                };
                let batch = (0..entries)
                    .map(|_| {
                        let ks = pick(&mut rng);
                        let k = model_key(&ks, &key(rng.random_range(0..keys)));
                        if rng.random_bool(0.15) {
                            Change::Delete(k)
                        } else {
                            // Now and then a value larger than a whole
                            // MemTable, which gets one of its own.
                            let pad = if rng.random_bool(large) {
                                large_pad
                            } else {
                                rng.random_range(0..max_pad)
                            };
                            let mut v =
                                format!("{}@{written}:", String::from_utf8_lossy(&k)).into_bytes();
                            v.resize(v.len() + pad, b'.');
                            Change::Put(k, v)
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

/// A range delete or (one time in three) a prefix delete in keyspace `ks`,
/// over the workload's keys: a range of one to eight keys from a key, now
/// and then from the smallest key or to no upper bound; a prefix of ten
/// keys (`key001`), of one (`key0012`), or now and then of a hundred.
fn range_change(rng: &mut StdRng, ks: String, keys: u64) -> Change {
    let from = rng.random_range(0..keys);
    if rng.random_bool(1.0 / 3.0) {
        let len = match rng.random_range(0..10) {
            0 => 5,
            1..=2 => 7,
            _ => 6,
        };
        let mut prefix = key(from);
        prefix.truncate(len);
        return Change::DeletePrefix {
            keyspace: ks,
            prefix,
        };
    }
    let start = if rng.random_bool(0.05) {
        Vec::new()
    } else {
        key(from)
    };
    let end = (!rng.random_bool(0.1)).then(|| key(from + rng.random_range(1..=8)));
    Change::DeleteRange {
        keyspace: ks,
        start,
        end,
    }
}

/// `ops` with a [`Op::SyncWal`] after each write with chance `chance`
/// (seeded apart from the workload, which stays as it was).
pub fn with_sync_wal(ops: Vec<Op>, seed: u64, chance: f64) -> Vec<Op> {
    let mut rng = StdRng::seed_from_u64(seed ^ 0x5eed_5a11);
    let mut out = Vec::with_capacity(ops.len() + ops.len() / 4);
    for op in ops {
        let write = op.changes().is_some();
        out.push(op);
        if write && rng.random_bool(chance) {
            out.push(Op::SyncWal);
        }
    }
    out
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
    let mut handles = Handles::new();
    for op in ops {
        let result = match op {
            Op::Keyspace(name) => create_keyspace(db, name, &mut handles, history),
            // A write naming a keyspace whose create failed tries the create
            // again; if that fails too, the write is not attempted.
            Op::Write(_) | Op::DeleteRange(_) => {
                let changes = op.changes().expect("a write");
                ensure_handles(db, changes, &mut handles, history).and_then(|()| {
                    let result = match op {
                        Op::DeleteRange(change) => delete_range(db, change, &handles),
                        _ => db.write(to_batch_in(changes, &handles)),
                    };
                    let acknowledged = result.is_ok();
                    history.attempts.push(Attempt {
                        changes: changes.to_vec(),
                        acknowledged,
                    });
                    apply(&mut model, changes);
                    result.map(drop)
                })
            }
            Op::Get(k) => match read_one(db, &handles, k) {
                // A keyspace whose create failed: nothing to read.
                None => Ok(()),
                Some(Ok(found)) => {
                    if !history.any_failed() {
                        assert_eq!(
                            found.as_deref(),
                            model.get(k).map(Vec::as_slice),
                            "read of {} disagrees with the model",
                            String::from_utf8_lossy(k)
                        );
                    }
                    Ok(())
                }
                Some(Err(e)) => Err(e),
            },
            // Both make every write before them durable, in any sync mode.
            Op::Flush => db
                .flush()
                .map(|()| history.durable = history.attempts.len()),
            Op::SyncWal => db
                .sync_wal()
                .map(|()| history.durable = history.attempts.len()),
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

/// The engine's value of model key `k`, or `None` if its keyspace has no
/// handle (its create failed).
fn read_one(
    db: &StorageEngine,
    handles: &Handles,
    k: &[u8],
) -> Option<ferrisdb_storage::Result<Option<ferrisdb_storage::Slice>>> {
    match split_key(k) {
        (None, key) => Some(db.get(key)),
        (Some(name), key) => handles.get(name).map(|ks| ks.get(key)),
    }
}
