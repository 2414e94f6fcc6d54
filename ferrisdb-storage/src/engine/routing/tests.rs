//! Unit tests of routing a batch: its keyspaces and their charges, and
//! applying it with the last write of a key in each keyspace winning.

use std::collections::BTreeMap;

use rand::{Rng, SeedableRng};

use super::{apply_routed, Routing, APPLY_RUN};
use crate::memtable::MemTable;
use crate::write_batch::{Entries, Entry};
use crate::{Error, Operation, WriteBatch, DEFAULT_KEYSPACE_ID};

/// The bytes `entries` take in MemTables, whatever their keyspaces: what
/// `Routing` must charge.
fn charge(entries: Entries<'_>) -> usize {
    entries
        .iter()
        .map(|(_, key, value)| MemTable::entry_size(key.len(), value.len()))
        .fold(0, usize::saturating_add)
}

fn size(key: &str, value: &str) -> usize {
    MemTable::entry_size(key.len(), value.len())
}

fn routing(batch: &WriteBatch) -> Routing {
    Routing::of(batch.entries(), |_| Ok(())).unwrap()
}

#[test]
fn a_batch_of_one_keyspace_is_routed_to_it_whole() {
    let mut batch = WriteBatch::new();
    batch.put("a", "1").delete("b").put("c", "333");
    let bytes = size("a", "1") + size("b", "") + size("c", "333");
    assert_eq!(routing(&batch), Routing::One(DEFAULT_KEYSPACE_ID, bytes));
    assert_eq!(charge(batch.entries()), bytes);

    let mut other = WriteBatch::new();
    other.put_to(4, b"k", b"v").delete_to(4, b"j");
    let bytes = size("k", "v") + size("j", "");
    assert_eq!(routing(&other), Routing::One(4, bytes));
    // An empty batch writes nothing, to `default`.
    assert_eq!(routing(&WriteBatch::new()), Routing::One(0, 0));
}

#[test]
fn a_batch_across_keyspaces_lists_each_once_in_order() {
    let mut batch = WriteBatch::new();
    batch
        .put_to(2, b"a", b"1")
        .put("b", "2")
        .delete_to(2, b"c")
        .put_to(7, b"d", b"4");
    assert_eq!(
        routing(&batch),
        Routing::Many(vec![
            (2, size("a", "1") + size("c", "")),
            (0, size("b", "2")),
            (7, size("d", "4")),
        ])
    );
    assert_eq!(charge(batch.entries()), size("a", "1") * 3 + size("c", ""));
}

#[test]
fn the_check_sees_every_entry_and_its_error_stops_the_routing() {
    let batch: WriteBatch = [("a", "1"), ("big", "2"), ("c", "3")].into_iter().collect();
    let mut seen = Vec::new();
    let err = Routing::of(batch.entries(), |entry| {
        let Entry::Point { key, .. } = *entry else {
            panic!("no range delete was added")
        };
        seen.push(key.to_vec());
        if key == b"big" {
            return Err(Error::KeyTooLarge { len: 3, limit: 2 });
        }
        Ok(())
    })
    .unwrap_err();
    assert!(matches!(err, Error::KeyTooLarge { .. }), "{err}");
    assert_eq!(seen, [b"a".to_vec(), b"big".to_vec()]);
}

#[test]
fn apply_routed_keeps_the_last_write_of_a_key_in_each_keyspace() {
    let (zero, four) = (MemTable::new(4 << 10), MemTable::new(4 << 10));
    let mut batch = WriteBatch::new();
    batch
        .put("k", "first")
        .put_to(4, b"k", b"other")
        .put("k", "last")
        .delete_to(4, b"gone");
    apply_routed(batch.entries(), 9, |id| if id == 4 { &four } else { &zero }).unwrap();
    let read = |m: &MemTable, key: &str| m.get(key.as_bytes(), 9);
    assert_eq!(read(&zero, "k").unwrap().0, "last");
    assert_eq!(zero.entry_count(), 1, "one version of k in default");
    assert_eq!(read(&four, "k").unwrap().0, "other");
    assert_eq!(read(&four, "gone").unwrap().1, Operation::Delete);
    assert_eq!(four.entry_count(), 2);
}

#[test]
fn the_last_entry_of_a_key_in_each_keyspace_wins_across_runs() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(18);
    for len in [2, APPLY_RUN, APPLY_RUN + 1, 5 * APPLY_RUN + 3] {
        let mut batch = WriteBatch::new();
        let mut models = [BTreeMap::new(), BTreeMap::new()];
        for i in 0..len {
            // Few keys, so most repeat, in other runs too; the same keys
            // in both keyspaces.
            let keyspace = rng.random_range(0..2u32);
            let key = vec![rng.random_range(0..40u8); rng.random_range(0..3)];
            let model = &mut models[keyspace as usize];
            if rng.random_bool(0.3) {
                batch.delete_to(keyspace, &key);
                model.insert(key, (Operation::Delete, Vec::new()));
            } else {
                let value = i.to_le_bytes().to_vec();
                batch.put_to(keyspace, &key, &value);
                model.insert(key, (Operation::Put, value));
            }
        }
        let memtables = [MemTable::new(usize::MAX), MemTable::new(usize::MAX)];
        apply_routed(batch.entries(), 7, |id| &memtables[id as usize]).unwrap();
        for (memtable, model) in memtables.iter().zip(models) {
            let held: Vec<_> = memtable
                .entries()
                .map(|e| (e.user_key.to_vec(), (e.operation, e.value.to_vec())))
                .collect();
            assert_eq!(held, model.into_iter().collect::<Vec<_>>(), "{len} entries");
            // Each entry charged once: the earlier entries of a key took
            // nothing.
            let charged: usize = held
                .iter()
                .map(|(k, (_, v))| MemTable::entry_size(k.len(), v.len()))
                .sum();
            assert_eq!(memtable.memory_usage(), charged);
        }
    }
}

#[test]
fn a_range_delete_is_charged_as_an_entry_of_its_bounds() {
    let mut batch = WriteBatch::new();
    batch
        .delete_range("a".."cc")
        .put("k", "v")
        .delete_prefix("");
    let bytes = size("a", "cc") + size("k", "v") + size("", "");
    assert_eq!(routing(&batch), Routing::One(DEFAULT_KEYSPACE_ID, bytes));
    // The routing charges a point that a later range delete drops as well:
    // it bounds what the batch takes.
    let memtable = MemTable::new(bytes);
    apply_routed(batch.entries(), 3, |_| &memtable).unwrap();
    assert_eq!(memtable.entry_count(), 0);

    let mut batch = WriteBatch::new();
    batch
        .delete_range("a".."cc")
        .put("k", "v")
        .delete_prefix("l");
    let bytes = size("a", "cc") + size("k", "v") + size("l", "m");
    assert_eq!(routing(&batch), Routing::One(DEFAULT_KEYSPACE_ID, bytes));
    let memtable = MemTable::new(bytes);
    apply_routed(batch.entries(), 3, |_| &memtable).unwrap();
    assert_eq!(
        memtable.memory_usage(),
        bytes,
        "the charge is what it takes"
    );
}

#[test]
fn a_range_delete_drops_the_batch_s_earlier_entries_it_covers_not_later_ones() {
    let (zero, four) = (MemTable::new(4 << 10), MemTable::new(4 << 10));
    let mut batch = WriteBatch::new();
    batch
        .put("a", "before")
        .put("b", "before")
        .put_to(4, b"b", b"other keyspace")
        .delete("bb")
        .delete_range("a".."c")
        .put("b", "after")
        .put("c", "outside");
    apply_routed(batch.entries(), 9, |id| if id == 4 { &four } else { &zero }).unwrap();
    let held: Vec<_> = zero
        .entries()
        .map(|e| (e.user_key.to_vec(), e.value.to_vec()))
        .collect();
    assert_eq!(
        held,
        [
            (b"b".to_vec(), b"after".to_vec()),
            (b"c".to_vec(), b"outside".to_vec())
        ]
    );
    assert_eq!(zero.range_delete_count(), 1);
    let tombstones = zero.range_tombstones().unwrap();
    assert_eq!(tombstones.covering(b"a", 9), Some(9));
    // Another keyspace's entries are not the range delete's.
    assert_eq!(four.get(b"b", 9).unwrap().0, "other keyspace");
    assert_eq!(four.range_delete_count(), 0);
}

/// A batch of puts, deletes and range deletes over few keys, in two
/// keyspaces, applied to a model in order: a range delete removes from the
/// model the keys written before it.
#[test]
fn batch_order_decides_across_runs_as_a_model_applied_in_order() {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    for len in [2, APPLY_RUN, APPLY_RUN + 1, 3 * APPLY_RUN + 7] {
        let mut batch = WriteBatch::new();
        let mut models = [BTreeMap::new(), BTreeMap::new()];
        let mut ranges = [0, 0];
        for i in 0..len {
            let keyspace = rng.random_range(0..2u32);
            let model = &mut models[keyspace as usize];
            let key = vec![rng.random_range(0..30u8)];
            match rng.random_range(0..10) {
                0 => {
                    let end = key[0].saturating_add(rng.random_range(1..8));
                    batch.delete_range_to(keyspace, &key, Some(&[end]));
                    model.retain(|k: &Vec<u8>, _| !(key <= *k && k[..] < [end][..]));
                    ranges[keyspace as usize] += 1;
                }
                1..=3 => {
                    batch.delete_to(keyspace, &key);
                    model.insert(key, (Operation::Delete, Vec::new()));
                }
                _ => {
                    let value = i.to_le_bytes().to_vec();
                    batch.put_to(keyspace, &key, &value);
                    model.insert(key, (Operation::Put, value));
                }
            }
        }
        let memtables = [MemTable::new(usize::MAX), MemTable::new(usize::MAX)];
        apply_routed(batch.entries(), 7, |id| &memtables[id as usize]).unwrap();
        for ((memtable, model), ranges) in memtables.iter().zip(models).zip(ranges) {
            let held: Vec<_> = memtable
                .entries()
                .map(|e| (e.user_key.to_vec(), (e.operation, e.value.to_vec())))
                .collect();
            assert_eq!(held, model.into_iter().collect::<Vec<_>>(), "{len} entries");
            assert_eq!(memtable.range_delete_count(), ranges, "{len} entries");
        }
    }
}
