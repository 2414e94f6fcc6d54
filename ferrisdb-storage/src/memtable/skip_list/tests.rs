//! Unit tests of the skip list on its own, without the MemTable around it.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, Ordering as StdOrdering};
use std::sync::{Arc, Barrier};
use std::thread;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

/// Scales a test size down under Miri, which runs code ~1000x slower.
fn size(normal: usize, miri: usize) -> usize {
    if cfg!(miri) {
        miri
    } else {
        normal
    }
}

fn ids(list: &SkipList) -> Vec<(Vec<u8>, Timestamp)> {
    list.entries()
        .map(|e| (e.user_key.to_vec(), e.timestamp))
        .collect()
}

#[test]
fn empty_list_has_nothing() {
    let list = SkipList::new();
    assert!(list.is_empty());
    assert_eq!(list.entries().count(), 0);
    assert!(list.get(b"a", u64::MAX).is_none());
    let mut cursor = list.cursor();
    cursor.seek_to_first();
    assert!(!cursor.valid());
    cursor.seek_to_last();
    assert!(!cursor.valid());
    cursor.seek(b"", 0);
    assert!(!cursor.valid());
}

#[test]
fn entries_come_out_in_internal_key_order() {
    let list = SkipList::new();
    for (key, ts) in [("b", 1), ("a", 3), ("b", 7), ("", 0), ("ab", 2), ("a", 9)] {
        assert!(list.insert(key.as_bytes(), ts, Operation::Put, b"v"));
    }
    let got: Vec<(String, Timestamp)> = list
        .entries()
        .map(|e| (String::from_utf8(e.user_key.to_vec()).unwrap(), e.timestamp))
        .collect();
    let want = [("", 0), ("a", 9), ("a", 3), ("ab", 2), ("b", 7), ("b", 1)];
    let want: Vec<(String, Timestamp)> = want.iter().map(|&(k, t)| (k.into(), t)).collect();
    assert_eq!(got, want);
    assert_eq!(list.len(), 6);
    list.check_structure();
}

#[test]
fn duplicate_key_and_timestamp_is_reported_and_not_counted() {
    let list = SkipList::new();
    assert!(list.insert(b"k", 5, Operation::Put, b"first"));
    assert!(!list.insert(b"k", 5, Operation::Delete, b"second"));
    assert!(list.insert(b"k", 6, Operation::Put, b"newer"));
    assert_eq!(list.len(), 2);
    let entry = list.get(b"k", 5).unwrap();
    assert_eq!(
        (entry.operation, entry.value),
        (Operation::Put, &b"first"[..])
    );
}

#[test]
fn get_sees_newest_version_at_or_below_timestamp() {
    let list = SkipList::new();
    list.insert(b"k", 10, Operation::Put, b"ten");
    list.insert(b"k", 20, Operation::Delete, b"");
    list.insert(b"l", 1, Operation::Put, b"other key");
    assert!(list.get(b"k", 9).is_none());
    assert_eq!(list.get(b"k", 15).unwrap().value, b"ten");
    assert_eq!(list.get(b"k", 20).unwrap().operation, Operation::Delete);
    assert!(list.get(b"j", 100).is_none());
}

#[test]
fn random_inserts_match_a_sorted_set_and_cursor_walks_both_ways() {
    let mut rng = StdRng::seed_from_u64(3);
    let list = SkipList::new();
    let mut model = BTreeSet::new();
    for _ in 0..size(3000, 150) {
        let key = vec![rng.random_range(b'a'..=b'h'); rng.random_range(0..3)];
        let ts = rng.random_range(0..50);
        let fresh = model.insert(InternalKey::new(key.clone(), ts));
        assert_eq!(list.insert(&key, ts, Operation::Put, &key), fresh);
    }
    list.check_structure();
    let model: Vec<(Vec<u8>, Timestamp)> = model
        .into_iter()
        .map(|k| (k.user_key, k.timestamp))
        .collect();
    assert_eq!(ids(&list), model);

    let mut cursor = list.cursor();
    cursor.seek_to_last();
    for want in model.iter().rev() {
        assert_eq!(
            (cursor.user_key(), cursor.timestamp()),
            (&want.0[..], want.1)
        );
        assert_eq!(cursor.value(), &want.0[..]);
        cursor.prev();
    }
    assert!(!cursor.valid());

    // Seeking to every entry lands on it; seeking between entries lands on
    // the next one.
    for (i, want) in model.iter().enumerate() {
        cursor.seek(&want.0, want.1);
        assert_eq!(
            (cursor.user_key(), cursor.timestamp()),
            (&want.0[..], want.1)
        );
        if want.1 > 0 {
            cursor.seek(&want.0, want.1 - 1);
            match model.get(i + 1) {
                Some(next) => assert_eq!(cursor.user_key(), &next.0[..]),
                None => assert!(!cursor.valid()),
            }
        }
    }
}

#[test]
fn tall_towers_and_large_payloads_work() {
    let list = SkipList::new();
    let big = vec![0xab; 10_000];
    for (i, height) in (1..=MAX_HEIGHT).enumerate() {
        let key = [i as u8];
        assert!(list.insert_with_height(&key, 0, Operation::Put, &big, height));
    }
    list.check_structure();
    assert!(list.entries().all(|e| e.value == &big[..]));
}

#[test]
fn concurrent_inserts_all_land_in_order() {
    let threads = 4;
    let per_thread = size(2000, 40);
    let list = Arc::new(SkipList::new());
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let (list, barrier) = (Arc::clone(&list), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                for i in 0..per_thread {
                    // Interleaved keys so threads insert next to each other,
                    // and one key every thread writes (timestamps differ).
                    let key = (i * threads + t).to_be_bytes();
                    assert!(list.insert(&key, 1, Operation::Put, &key));
                    assert!(list.insert(b"shared", (i * threads + t) as u64, Operation::Put, b""));
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    assert_eq!(list.len(), 2 * threads * per_thread);
    list.check_structure();
}

#[test]
fn racing_duplicates_insert_exactly_once() {
    let threads = 4;
    let keys = size(500, 20);
    let list = Arc::new(SkipList::new());
    let barrier = Arc::new(Barrier::new(threads));
    let handles: Vec<_> = (0..threads)
        .map(|_| {
            let (list, barrier) = (Arc::clone(&list), Arc::clone(&barrier));
            thread::spawn(move || {
                barrier.wait();
                (0..keys)
                    .filter(|i| list.insert(&i.to_be_bytes(), 9, Operation::Put, b"x"))
                    .count()
            })
        })
        .collect();
    let won: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
    assert_eq!(won, keys);
    assert_eq!(list.len(), keys);
    list.check_structure();
}

#[test]
fn cursor_sees_everything_present_at_creation_while_writers_insert() {
    let list = Arc::new(SkipList::new());
    let initial = size(1000, 30) as u64;
    for i in 0..initial {
        list.insert(&(i * 2).to_be_bytes(), 0, Operation::Put, b"old");
    }
    let done = Arc::new(AtomicBool::new(false));
    let writer = {
        let (list, done) = (Arc::clone(&list), Arc::clone(&done));
        thread::spawn(move || {
            for i in 0..initial {
                list.insert(&(i * 2 + 1).to_be_bytes(), 0, Operation::Put, b"new");
            }
            done.store(true, StdOrdering::Release);
        })
    };
    let mut rounds = 0;
    while !done.load(StdOrdering::Acquire) || rounds < 2 {
        rounds += 1;
        let seen: Vec<u64> = list
            .entries()
            .map(|e| u64::from_be_bytes(e.user_key.try_into().unwrap()))
            .collect();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "out of order");
        let old = seen.iter().filter(|&&k| k % 2 == 0).count() as u64;
        assert_eq!(old, initial, "an entry present at creation was missed");

        let mut cursor = Cursor::new(&*list);
        cursor.seek_to_last();
        let mut previous = u64::MAX;
        let mut old_backward = 0;
        while cursor.valid() {
            let key = u64::from_be_bytes(cursor.user_key().try_into().unwrap());
            assert!(key < previous, "backward walk out of order");
            assert_eq!(cursor.value(), if key % 2 == 0 { b"old" } else { b"new" });
            old_backward += u64::from(key % 2 == 0);
            previous = key;
            cursor.prev();
        }
        assert_eq!(old_backward, initial);
    }
    writer.join().unwrap();
    assert_eq!(list.len() as u64, 2 * initial);
}

#[test]
fn list_and_cursors_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SkipList>();
    assert_send_sync::<Cursor<&SkipList>>();
    assert_send_sync::<Cursor<Arc<SkipList>>>();
    assert_send_sync::<Entries<'_>>();
}
