//! Scans over a key with hundreds of versions, where the walk seeks past
//! versions instead of stepping over each: checked against the model of the
//! history at every snapshot, from both ends, and for how few moves it takes.

use std::ops::Bound;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::tombstone_tests::{counted_scan, moves_of, owned, scan_of};
use crate::iterator::model::history::{History, Op};
use crate::iterator::model::Entry;
use crate::range_del::fragments::FragmentedTombstones;
use crate::{InternalKey, Key, Operation, Timestamp};
use ferrisdb_core::RangeTombstone;

/// A history of `writes` writes, most of them to the hot key `h`: puts,
/// point deletes, and range deletes over it (some bounded just around it,
/// some wider, some unbounded), with a few writes to its neighbours `g`
/// and `i`, dealt out to up to four sources.
fn hot_key_history(rng: &mut StdRng, writes: usize) -> History {
    let key = |k: &str| k.as_bytes().to_vec();
    let ops: Vec<(Op, usize, bool)> = (0..writes)
        .map(|_| {
            let op = match rng.random_range(0..100) {
                0..80 => Op::Put(key("h")),
                80..88 => Op::Delete(key("h")),
                88..90 => Op::DeleteRange(key("h"), Some(key("h\0"))),
                90..91 => Op::DeleteRange(key("g"), Some(key("z"))),
                91..92 => Op::DeleteRange(key("a"), None),
                92..96 => Op::Put(key("g")),
                _ => Op::Put(key("i")),
            };
            (op, rng.random_range(0..4), rng.random_bool(0.3))
        })
        .collect();
    History::new(&ops, rng.random_range(1..5), rng.random_bool(0.5))
}

#[test]
fn a_key_of_hundreds_of_versions_reads_as_the_model_at_every_snapshot() {
    let mut rng = StdRng::seed_from_u64(22);
    let bounds = [
        (Bound::Unbounded, Bound::Unbounded),
        (
            Bound::Included(b"h".to_vec()),
            Bound::Included(b"h".to_vec()),
        ),
        (
            Bound::Excluded(b"g".to_vec()),
            Bound::Excluded(b"i".to_vec()),
        ),
        (Bound::Excluded(b"h".to_vec()), Bound::Unbounded),
    ];
    for _ in 0..6 {
        let history = hot_key_history(&mut rng, 300);
        let entries: Vec<Vec<Entry>> = history.sources.iter().map(|s| s.entries.clone()).collect();
        let lists = history.fragmented();
        let stepping: Vec<bool> = (0..4).map(|_| rng.random_bool(0.5)).collect();
        // Every third snapshot, from a random start, so over the histories
        // each offset is met.
        let first = rng.random_range(0..3);
        for snapshot in (first..=history.last_timestamp() + 1).step_by(3) {
            let range = bounds[rng.random_range(0..bounds.len())].clone();
            let expected = history.expected(snapshot, &range);
            let scan = || scan_of(&entries, &lists, &stepping, snapshot, range.clone());

            let forward: Vec<_> = scan().map(owned).collect();
            assert_eq!(forward, expected, "forwards at {snapshot} over {range:?}");
            let mut backward: Vec<_> = scan().rev().map(owned).collect();
            backward.reverse();
            assert_eq!(backward, expected, "backwards at {snapshot} over {range:?}");

            // Both ends at once: every key exactly once, in order.
            let mut both = scan();
            let (mut head, mut tail) = (Vec::new(), Vec::new());
            loop {
                let (item, side) = match rng.random_bool(0.5) {
                    true => (both.next(), &mut head),
                    false => (both.next_back(), &mut tail),
                };
                match item {
                    Some(kv) => side.push(owned(kv)),
                    None => break,
                }
            }
            tail.reverse();
            head.extend(tail);
            assert_eq!(head, expected, "both ends at {snapshot} over {range:?}");
        }
    }
}

#[test]
fn versions_of_one_key_are_sought_past_not_stepped_over() {
    // A thousand versions of `h`, a tombstone among them, between `g` and
    // `i`, in one source; a reader in the middle of them and one above.
    let put = |key: &str, ts: Timestamp| {
        let value = format!("{key}@{ts}").into_bytes();
        (InternalKey::new(key, ts), Operation::Put, value)
    };
    let mut entries: Vec<Entry> = (1..=1000).map(|ts| put("h", ts)).collect();
    entries[599] = (InternalKey::new("h", 600), Operation::Delete, Vec::new());
    entries.extend([put("g", 1), put("i", 1)]);
    let sources = [entries];
    let lists = [FragmentedTombstones::empty()];
    let everything = || (Bound::<Key>::Unbounded, Bound::<Key>::Unbounded);
    for (snapshot, expected) in [
        (2000, ["g@1", "h@1000", "i@1"]),
        (700, ["g@1", "h@700", "i@1"]),
        (599, ["g@1", "h@599", "i@1"]),
    ] {
        let values = |scan: &mut dyn Iterator<Item = _>| -> Vec<String> {
            scan.map(owned)
                .map(|(_, v)| String::from_utf8(v).unwrap())
                .collect()
        };
        let (mut scan, moves) = counted_scan(&sources, &lists, &[false], snapshot, everything(), 0);
        assert_eq!(values(&mut scan), expected, "forwards at {snapshot}");
        let front = moves_of(&moves, 0);
        assert!(front < 40, "{front} moves forwards at {snapshot}");

        let (scan, moves) = counted_scan(&sources, &lists, &[false], snapshot, everything(), 0);
        let mut backward = values(&mut scan.rev());
        backward.reverse();
        assert_eq!(backward, expected, "backwards at {snapshot}");
        let back = moves_of(&moves, 1);
        assert!(back < 40, "{back} moves backwards at {snapshot}");
    }
    // At the tombstone, the key is deleted.
    let (scan, _) = counted_scan(&sources, &lists, &[false], 600, everything(), 0);
    assert_eq!(scan.map(owned).count(), 2);
    let (scan, _) = counted_scan(&sources, &lists, &[false], 600, everything(), 0);
    assert_eq!(scan.rev().map(owned).count(), 2);
}

#[test]
fn a_seek_past_versions_does_not_undo_a_seek_past_a_range_tombstone() {
    // A thousand old keys in a table-like source, deleted by a range
    // tombstone of a newer, MemTable-like source that also holds a hundred
    // newer versions of one key inside the range. The scan seeks the old
    // source past the range once; seeking past the hundred versions moves
    // only the newer source, so the old one is not stepped through the
    // rest of the range.
    let put = |key: &str, ts: Timestamp| {
        let value = format!("{key}@{ts}").into_bytes();
        (InternalKey::new(key, ts), Operation::Put, value)
    };
    let old: Vec<Entry> = (0..1000).map(|i| put(&format!("k{i:04}"), i + 1)).collect();
    let newer: Vec<Entry> = (2000..2100).map(|ts| put("k0500", ts)).collect();
    let sources = [newer, old];
    let deleted = RangeTombstone::new("k", Some(b"l".to_vec()), 1500);
    let lists = [
        FragmentedTombstones::from_tombstones(vec![deleted]),
        FragmentedTombstones::empty(),
    ];
    let everything = || (Bound::<Key>::Unbounded, Bound::<Key>::Unbounded);
    let (scan, moves) = counted_scan(&sources, &lists, &[true, false], 3000, everything(), 1);
    let values: Vec<_> = scan.map(owned).map(|(_, v)| v).collect();
    assert_eq!(values, [b"k0500@2099".to_vec()]);
    let front = moves_of(&moves, 0);
    assert!(front <= 4, "the old source moved {front} times forwards");

    let (scan, moves) = counted_scan(&sources, &lists, &[true, false], 3000, everything(), 1);
    let values: Vec<_> = scan.rev().map(owned).map(|(_, v)| v).collect();
    assert_eq!(values, [b"k0500@2099".to_vec()]);
    let back = moves_of(&moves, 1);
    assert!(back <= 4, "the old source moved {back} times backwards");
}
