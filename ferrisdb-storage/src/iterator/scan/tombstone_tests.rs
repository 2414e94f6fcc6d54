//! Scans over range tombstones: what they hide, checked against the model
//! of a history at random snapshots from both ends, and how a scan moves
//! past a covered range (sought, not stepped; never past a newer write).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use ferrisdb_core::{RangeTombstone, Value};
use proptest::prelude::*;

use super::*;
use crate::iterator::model::history::{bound, op, History};
use crate::iterator::model::{Entry, VecCursor};
use crate::iterator::Cursor;
use crate::range_del::fragments::FragmentedTombstones;
use crate::InternalKey;
use crate::Operation;

/// Children over `sources`' entries (a source marked in `stepping` answers
/// `max_timestamp_in` with the default, as a MemTable does), merged.
fn merged(sources: &[Vec<Entry>], stepping: &[bool]) -> MergingCursor {
    let children = sources
        .iter()
        .enumerate()
        .map(|(i, entries)| {
            let cursor = if stepping.get(i).copied().unwrap_or(false) {
                VecCursor::stepping(entries.clone())
            } else {
                VecCursor::new(entries.clone())
            };
            Box::new(cursor) as Box<dyn Cursor>
        })
        .collect();
    MergingCursor::new(children)
}

pub(super) fn scan_of(
    sources: &[Vec<Entry>],
    lists: &[FragmentedTombstones],
    stepping: &[bool],
    snapshot: Timestamp,
    range: (Bound<Key>, Bound<Key>),
) -> Scan {
    let tombstones = ScanTombstones::new(lists, snapshot, &range);
    let (sources, stepping) = (sources.to_vec(), stepping.to_vec());
    let forward = merged(&sources, &stepping);
    let backward = Box::new(move || merged(&sources, &stepping));
    Scan::new(forward, backward, snapshot, range, tombstones)
}

pub(super) fn owned(item: Result<(Slice, Slice)>) -> (Key, Value) {
    let (key, value) = item.unwrap();
    (key.to_vec(), value.to_vec())
}

fn put(key: &str, ts: Timestamp) -> Entry {
    let value = format!("{key}@{ts}").into_bytes();
    (InternalKey::new(key, ts), Operation::Put, value)
}

fn pairs(scan: impl Iterator<Item = Result<(Slice, Slice)>>) -> Vec<String> {
    scan.map(|item| {
        let (_, value) = item.unwrap();
        String::from_utf8(value.to_vec()).unwrap()
    })
    .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn scans_hide_what_range_tombstones_hide_at_every_snapshot_from_both_ends(
        ops in prop::collection::vec(op(), 0..40),
        sources in 1..5usize,
        ordered in any::<bool>(),
        stepping in prop::collection::vec(any::<bool>(), 4),
        snapshot in 0..45u64,
        start in bound(),
        end in bound(),
        sides in prop::collection::vec(any::<bool>(), 40),
    ) {
        let history = History::new(&ops, sources, ordered);
        let entries: Vec<Vec<Entry>> =
            history.sources.iter().map(|s| s.entries.clone()).collect();
        let lists = history.fragmented();
        let range = (start, end);
        let expected = history.expected(snapshot, &range);
        let scan = || scan_of(&entries, &lists, &stepping, snapshot, range.clone());

        let forward: Vec<_> = scan().map(owned).collect();
        prop_assert_eq!(&forward, &expected);
        let mut backward: Vec<_> = scan().rev().map(owned).collect();
        backward.reverse();
        prop_assert_eq!(&backward, &expected);

        // Both ends at once: every key exactly once, in order.
        let mut both = scan();
        let (mut head, mut tail) = (Vec::new(), Vec::new());
        for front in sides.iter().copied().cycle() {
            let (item, side) = if front {
                (both.next(), &mut head)
            } else {
                (both.next_back(), &mut tail)
            };
            match item {
                Some(kv) => side.push(owned(kv)),
                None => break,
            }
        }
        tail.reverse();
        head.extend(tail);
        prop_assert_eq!(&head, &expected);
    }
}

/// `count` keys `k0000`, `k0001`, ... at timestamps 1, 2, ...
fn old_keys(count: usize) -> Vec<Entry> {
    (0..count)
        .map(|i| put(&format!("k{i:04}"), i as Timestamp + 1))
        .collect()
}

fn deleted(start: &str, end: Option<&str>, ts: Timestamp) -> FragmentedTombstones {
    let end = end.map(|e| e.as_bytes().to_vec());
    FragmentedTombstones::from_tombstones(vec![RangeTombstone::new(start, end, ts)])
}

/// The move counters of one source of a scan, one per merge made: the
/// front end's, then the back end's once it is made.
pub(super) type Moves = Arc<Mutex<Vec<Arc<AtomicUsize>>>>;

/// The `counted`th source's moves in `moves`, in the merge made `n`th.
pub(super) fn moves_of(moves: &Moves, n: usize) -> usize {
    moves.lock().unwrap()[n].load(Ordering::Relaxed)
}

/// A scan whose children count their moves: the `counted`th one's counts
/// are returned.
pub(super) fn counted_scan(
    sources: &[Vec<Entry>],
    lists: &[FragmentedTombstones],
    stepping: &[bool],
    snapshot: Timestamp,
    range: (Bound<Key>, Bound<Key>),
    counted: usize,
) -> (Scan, Moves) {
    let tombstones = ScanTombstones::new(lists, snapshot, &range);
    let counters = Moves::default();
    let (sources, stepping, made) = (sources.to_vec(), stepping.to_vec(), Arc::clone(&counters));
    let merge = move || {
        let children = sources
            .iter()
            .enumerate()
            .map(|(i, entries)| {
                let cursor = if stepping[i] {
                    VecCursor::stepping(entries.clone())
                } else {
                    VecCursor::new(entries.clone())
                };
                if i == counted {
                    made.lock().unwrap().push(cursor.moves());
                }
                Box::new(cursor) as Box<dyn Cursor>
            })
            .collect();
        MergingCursor::new(children)
    };
    let forward = merge();
    let scan = Scan::new(forward, Box::new(merge), snapshot, range, tombstones);
    (scan, counters)
}

#[test]
fn a_covered_range_in_an_older_source_is_sought_past_not_stepped() {
    // A thousand old keys in a table-like source; a newer MemTable-like
    // source holds only the range delete over all of them and one key after.
    let newer = vec![put("z", 2000)];
    let sources = [newer, old_keys(1000)];
    let lists = [deleted("k", Some("l"), 1500), FragmentedTombstones::empty()];
    let everything = (Bound::Unbounded, Bound::Unbounded);
    let (scan, moves) = counted_scan(&sources, &lists, &[true, false], 3000, everything, 1);
    assert_eq!(pairs(scan), ["z@2000"]);
    let front = moves_of(&moves, 0);
    assert!(front <= 3, "the old source stepped {front} times");
    let made = moves.lock().unwrap().len();
    assert_eq!(made, 1, "a scan read forwards made {made} merges");

    let everything = (Bound::Unbounded, Bound::Unbounded);
    let (scan, moves) = counted_scan(&sources, &lists, &[true, false], 3000, everything, 1);
    assert_eq!(pairs(scan.rev()), ["z@2000"]);
    assert!(moves_of(&moves, 1) <= 3, "stepped backwards");

    // An unbounded tombstone: the old source is moved past its last entry.
    let lists = [deleted("a", None, 1500), FragmentedTombstones::empty()];
    let from_k = (Bound::Included(b"k0500".to_vec()), Bound::Unbounded);
    let (scan, moves) = counted_scan(&sources, &lists, &[true, false], 3000, from_k, 1);
    assert_eq!(pairs(scan), ["z@2000"]);
    assert!(moves_of(&moves, 0) <= 3);
}

#[test]
fn a_newer_write_inside_a_deleted_range_survives_the_seek() {
    // Oldest: keys b..y at 1..; then [c, x) deleted at 50; then newer
    // writes inside the range, in a MemTable-like source (m@60), in a
    // table-like source that also holds covered old versions (p@70, and
    // d@10, which the tombstone hides), and one of the delete's own batch
    // (q@50, which it does not hide).
    let oldest: Vec<Entry> = (b'b'..=b'y')
        .zip(1..)
        .map(|(k, ts)| put(std::str::from_utf8(&[k]).unwrap(), ts))
        .collect();
    let table_like = vec![put("d", 30), put("p", 70)];
    let memtable_like = vec![put("m", 60), put("q", 50)];
    let sources = [memtable_like, table_like, oldest];
    let lists = [
        FragmentedTombstones::empty(),
        deleted("c", Some("x"), 50),
        FragmentedTombstones::empty(),
    ];
    let stepping = [true, false, false];
    let expected = ["b@1", "m@60", "p@70", "q@50", "x@23", "y@24"];
    let everything = || (Bound::Unbounded, Bound::Unbounded);
    let forward = pairs(scan_of(&sources, &lists, &stepping, 100, everything()));
    assert_eq!(forward, expected);
    let mut backward = pairs(scan_of(&sources, &lists, &stepping, 100, everything()).rev());
    backward.reverse();
    assert_eq!(backward, expected);
    // With every source sought where it can be (none stepping).
    let forward = pairs(scan_of(&sources, &lists, &[false; 3], 100, everything()));
    assert_eq!(forward, expected);

    // A snapshot before the delete sees the old data; one between the
    // delete and the newer writes sees neither.
    let before = pairs(scan_of(&sources, &lists, &stepping, 49, everything()));
    assert_eq!(before.len(), 24, "{before:?}");
    assert!(before.contains(&"d@30".to_string()));
    let between = pairs(scan_of(&sources, &lists, &stepping, 55, everything()));
    assert_eq!(between, ["b@1", "q@50", "x@23", "y@24"]);
}
