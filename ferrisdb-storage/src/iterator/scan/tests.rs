use super::*;
use crate::iterator::model::{Entry, VecCursor};
use crate::iterator::Cursor;
use crate::InternalKey;
use crate::Operation;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::BTreeMap;

use ferrisdb_core::Value;

/// Random writes to few keys, split over a few sources, with the model of
/// the newest visible state at every timestamp.
fn history(rng: &mut StdRng) -> (Vec<Vec<Entry>>, Vec<BTreeMap<Key, Value>>) {
    let sources_n = rng.random_range(1..4);
    let mut sources = vec![Vec::new(); sources_n];
    let mut states = vec![BTreeMap::new()];
    for ts in 1..rng.random_range(1..60u64) {
        let key = vec![rng.random_range(b'a'..b'h')];
        let mut state = states.last().cloned().unwrap_or_default();
        let entry = if rng.random_bool(0.3) {
            state.remove(&key);
            (InternalKey::new(key, ts), Operation::Delete, Vec::new())
        } else {
            let value = format!("v{ts}").into_bytes();
            state.insert(key.clone(), value.clone());
            (InternalKey::new(key, ts), Operation::Put, value)
        };
        sources[rng.random_range(0..sources_n)].push(entry);
        states.push(state);
    }
    (sources, states)
}

fn owned(item: Result<(Slice, Slice)>) -> (Key, Value) {
    let (key, value) = item.unwrap();
    (key.to_vec(), value.to_vec())
}

fn scan(sources: &[Vec<Entry>], snapshot: u64, start: Bound<Key>, end: Bound<Key>) -> Scan {
    let sources = sources.to_vec();
    let cursor = move || {
        let children = sources
            .iter()
            .map(|s| Box::new(VecCursor::new(s.clone())) as Box<dyn Cursor>)
            .collect();
        MergingCursor::new(children)
    };
    Scan::new(cursor(), Box::new(cursor), snapshot, (start, end), None)
}

fn random_bound(rng: &mut StdRng) -> Bound<Key> {
    let key = vec![rng.random_range(b'a'..b'i')];
    match rng.random_range(0..3) {
        0 => Bound::Unbounded,
        1 => Bound::Included(key),
        _ => Bound::Excluded(key),
    }
}

#[test]
fn scan_matches_the_model_at_every_snapshot_from_both_ends() {
    let mut rng = StdRng::seed_from_u64(99);
    for _ in 0..400 {
        let (sources, states) = history(&mut rng);
        let snapshot = rng.random_range(0..states.len());
        let (start, end) = (random_bound(&mut rng), random_bound(&mut rng));
        let expected: Vec<(Key, Value)> = states[snapshot]
            .iter()
            .filter(|(k, _)| within_start(&start, k) && within_end(&end, k))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();

        let forward: Vec<_> = scan(&sources, snapshot as u64, start.clone(), end.clone())
            .map(owned)
            .collect();
        assert_eq!(forward, expected);

        let mut backward: Vec<_> = scan(&sources, snapshot as u64, start.clone(), end.clone())
            .rev()
            .map(owned)
            .collect();
        backward.reverse();
        assert_eq!(backward, expected);

        // Alternate ends at random: every key exactly once, in order.
        let mut s = scan(&sources, snapshot as u64, start, end);
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        loop {
            let (item, side) = if rng.random_bool(0.5) {
                (s.next(), &mut head)
            } else {
                (s.next_back(), &mut tail)
            };
            match item {
                Some(kv) => side.push(owned(kv)),
                None => break,
            }
        }
        tail.reverse();
        head.extend(tail);
        assert_eq!(head, expected);
    }
}
