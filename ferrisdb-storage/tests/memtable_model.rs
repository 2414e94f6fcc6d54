//! Scenario: random puts, deletes, gets and scans against a `BTreeMap` model.
//!
//! The model is the simplest thing that is obviously right: for every user
//! key, a map from timestamp to `Some(value)` or `None` (a tombstone). Few
//! keys and a small timestamp range make many versions per key, duplicate
//! (key, timestamp) pairs, and reads between versions common. A small size
//! limit makes the table fill up part-way, so `InsertError::Full` is exercised too.

use std::collections::btree_map::Entry;
use std::collections::BTreeMap;
use std::sync::Arc;

use ferrisdb_core::{Key, Operation, Slice, Timestamp, Value};
use ferrisdb_storage::internals::iterator::Cursor;
use ferrisdb_storage::internals::memtable::{InsertError, MemTable};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

type Model = BTreeMap<Key, BTreeMap<Timestamp, Option<Value>>>;

fn random_key(rng: &mut StdRng) -> Key {
    let len = rng.random_range(0..3);
    (0..len).map(|_| rng.random_range(b'a'..=b'e')).collect()
}

fn model_get(model: &Model, key: &[u8], ts: Timestamp) -> Option<(Slice, Operation)> {
    let (_, version) = model.get(key)?.range(..=ts).next_back()?;
    Some(match version {
        Some(value) => (Slice::from(value.clone()), Operation::Put),
        None => (Slice::new(), Operation::Delete),
    })
}

fn model_scan(model: &Model, start: &[u8], end: &[u8], ts: Timestamp) -> Vec<(Key, Value)> {
    if start >= end {
        return Vec::new();
    }
    model
        .range::<[u8], _>((
            std::ops::Bound::Included(start),
            std::ops::Bound::Excluded(end),
        ))
        .filter_map(|(key, versions)| {
            let (_, version) = versions.range(..=ts).next_back()?;
            Some((key.clone(), version.clone()?))
        })
        .collect()
}

/// Every (key, timestamp, operation, value) of the model, in InternalKey order.
fn model_entries(model: &Model) -> Vec<(Key, Timestamp, Operation, Value)> {
    let mut out = Vec::new();
    for (key, versions) in model {
        for (&ts, version) in versions.iter().rev() {
            let (op, value) = match version {
                Some(v) => (Operation::Put, v.clone()),
                None => (Operation::Delete, Vec::new()),
            };
            out.push((key.clone(), ts, op, value));
        }
    }
    out
}

fn run(seed: u64, ops: usize, max_size: usize) {
    let mut rng = StdRng::seed_from_u64(seed);
    let table = Arc::new(MemTable::new(max_size));
    let mut model = Model::new();
    let mut used = 0usize;
    let mut rejected_full = 0;

    for step in 0..ops {
        let key = random_key(&mut rng);
        let ts = rng.random_range(0..40);
        match rng.random_range(0..10) {
            0..=5 => {
                // Four puts for every two deletes.
                let version = (rng.random_range(0..3) < 2).then(|| format!("{step}").into_bytes());
                let value_len = version.as_ref().map_or(0, Vec::len);
                let size = MemTable::entry_size(key.len(), value_len);
                let result = match &version {
                    Some(value) => table.put(key.clone(), value.clone(), ts),
                    None => table.delete(key.clone(), ts),
                };
                match model.entry(key).or_default().entry(ts) {
                    Entry::Occupied(_) => assert!(
                        matches!(result, Err(InsertError::Duplicate(_))),
                        "{result:?}"
                    ),
                    Entry::Vacant(_) if used + size > max_size => {
                        assert!(
                            matches!(result, Err(InsertError::Full { .. })),
                            "{result:?}"
                        );
                        rejected_full += 1;
                    }
                    Entry::Vacant(slot) => {
                        result.unwrap();
                        slot.insert(version);
                        used += size;
                    }
                }
            }
            6..=8 => {
                let read_ts = rng.random_range(0..45);
                assert_eq!(
                    table.get(&key, read_ts),
                    model_get(&model, &key, read_ts),
                    "get {key:?} at {read_ts}, step {step}"
                );
            }
            _ => {
                let end = random_key(&mut rng);
                let read_ts = rng.random_range(0..45);
                assert_eq!(
                    table.scan(&key, &end, read_ts),
                    model_scan(&model, &key, &end, read_ts),
                    "scan {key:?}..{end:?} at {read_ts}, step {step}"
                );
            }
        }
        assert_eq!(table.memory_usage(), used, "step {step}");
    }

    let expected = model_entries(&model);
    assert_eq!(table.entry_count(), expected.len());
    assert_eq!(table.is_empty(), expected.is_empty());
    let flushed: Vec<_> = table
        .entries()
        .map(|e| {
            (
                e.user_key.to_vec(),
                e.timestamp,
                e.operation,
                e.value.to_vec(),
            )
        })
        .collect();
    assert_eq!(flushed, expected);

    // The owning cursor, backwards, sees the same entries reversed.
    let mut iter = table.iter();
    iter.seek_to_last().unwrap();
    let mut backward = Vec::new();
    while iter.valid() {
        backward.push((
            iter.user_key().to_vec(),
            iter.timestamp(),
            iter.operation(),
            iter.value().to_vec(),
        ));
        iter.prev().unwrap();
    }
    backward.reverse();
    assert_eq!(backward, expected);

    if max_size < usize::MAX {
        assert!(rejected_full > 0, "the size limit was never reached");
    }
}

fn ops() -> usize {
    if cfg!(miri) {
        300
    } else {
        5_000
    }
}

#[test]
fn memtable_matches_btreemap_model_without_size_limit() {
    for seed in 0..4 {
        run(seed, ops(), usize::MAX);
    }
}

#[test]
fn memtable_matches_btreemap_model_while_filling_up() {
    // With 31 possible keys and 40 timestamps at most 1,240 versions exist;
    // room for about one in eight operations fills the table part-way.
    let limit = ops() / 8 * MemTable::entry_size(2, 4);
    for seed in 10..14 {
        run(seed, ops(), limit);
    }
}
