//! Unit tests of [`MemTable`](super::MemTable).

use super::*;

fn put(table: &MemTable, key: &str, value: &str, ts: Timestamp) -> Result<(), InsertError> {
    table.put(key.into(), value.into(), ts)
}

#[test]
fn get_returns_newest_version_at_or_below_timestamp() {
    let table = MemTable::new(1 << 20);
    put(&table, "k", "v1", 10).unwrap();
    put(&table, "k", "v2", 20).unwrap();
    table.delete(b"k".to_vec(), 30).unwrap();
    assert_eq!(table.get(b"k", 5), None);
    assert_eq!(table.get(b"k", 10), Some(("v1".into(), Operation::Put)));
    assert_eq!(table.get(b"k", 25), Some(("v2".into(), Operation::Put)));
    assert_eq!(table.get(b"k", 30), Some((Slice::new(), Operation::Delete)));
    assert_eq!(table.get(b"j", 99), None);
    assert_eq!(table.get(b"kk", 99), None);
    assert_eq!(table.entry_count(), 3);
}

#[test]
fn scan_hides_tombstones_newer_versions_and_respects_bounds() {
    let table = MemTable::new(1 << 20);
    put(&table, "a", "a1", 1).unwrap();
    put(&table, "b", "b1", 1).unwrap();
    put(&table, "b", "b5", 5).unwrap();
    put(&table, "c", "c1", 1).unwrap();
    table.delete(b"c".to_vec(), 3).unwrap();
    put(&table, "d", "d1", 1).unwrap();
    let pairs = |v: &[(&str, &str)]| -> Vec<(Key, Value)> {
        v.iter().map(|&(k, v)| (k.into(), v.into())).collect()
    };
    assert_eq!(
        table.scan(b"a", b"d", 4),
        pairs(&[("a", "a1"), ("b", "b1")])
    );
    assert_eq!(
        table.scan(b"b", b"e", 9),
        pairs(&[("b", "b5"), ("d", "d1")])
    );
    assert_eq!(table.scan(b"c", b"c", 9), pairs(&[]));
    assert_eq!(table.scan(b"d", b"a", 9), pairs(&[]));
    assert_eq!(table.scan(b"c", b"d", 2), pairs(&[("c", "c1")]));
}

#[test]
fn duplicate_is_rejected_and_its_bytes_returned() {
    let table = MemTable::new(1 << 20);
    put(&table, "k", "v", 7).unwrap();
    let used = table.memory_usage();
    assert_eq!(used, MemTable::entry_size(1, 1));
    let err = put(&table, "k", "other", 7).unwrap_err();
    assert!(matches!(err, InsertError::Duplicate(_)));
    assert!(table.delete(b"k".to_vec(), 7).is_err());
    assert_eq!(table.memory_usage(), used);
    assert_eq!(table.entry_count(), 1);
    assert_eq!(table.get(b"k", 7), Some(("v".into(), Operation::Put)));
}

#[test]
fn full_table_rejects_and_inserts_nothing() {
    let one = MemTable::entry_size(3, 5);
    let table = MemTable::new(2 * one + 1);
    put(&table, "k01", "value", 1).unwrap();
    put(&table, "k02", "value", 1).unwrap();
    assert!(table.is_full());
    match put(&table, "k03", "value", 1).unwrap_err() {
        InsertError::Full {
            needed,
            available,
            limit,
        } => {
            assert_eq!((needed, available, limit), (one, 1, 2 * one + 1));
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(table.entry_count(), 2);
    assert_eq!(table.memory_usage(), 2 * one);
    assert_eq!(table.get(b"k03", 1), None);
    // A duplicate is reported as one even when the table is full.
    let err = put(&table, "k01", "value", 1).unwrap_err();
    assert!(matches!(err, InsertError::Duplicate(_)));
}

#[test]
fn entry_fitting_exactly_is_accepted() {
    let table = MemTable::new(MemTable::entry_size(1, 2));
    assert!(!table.is_full());
    put(&table, "k", "vv", 1).unwrap();
    assert_eq!(table.memory_usage(), table.max_size());
    assert!(table.is_full());
}

#[test]
fn empty_table_reports_empty() {
    let table = MemTable::new(100);
    assert!(table.is_empty());
    assert_eq!(table.entry_count(), 0);
    assert_eq!(table.memory_usage(), 0);
    assert!(table.entries().next().is_none());
    assert!(table.scan(b"", b"\xff", u64::MAX).is_empty());
    put(&table, "", "", 0).unwrap();
    assert!(!table.is_empty());
}

#[test]
fn gets_agree_with_and_without_the_key_filter() {
    let with = MemTable::with_filter(1 << 20, true);
    let without = MemTable::with_filter(1 << 20, false);
    // Small under Miri, which interprets every hash and every skip-list hop.
    let n = if cfg!(miri) { 60 } else { 2_000u64 };
    for i in (0..n).step_by(3) {
        for table in [&with, &without] {
            let key = format!("{i:08}");
            table
                .insert(key.as_bytes(), b"v", i + 1, Operation::Put)
                .unwrap();
        }
    }
    for i in 0..n {
        let key = format!("{i:08}");
        for ts in [0, i, i + 1, u64::MAX] {
            assert_eq!(
                with.get(key.as_bytes(), ts),
                without.get(key.as_bytes(), ts)
            );
        }
    }
    assert!(with.get(b"00000003", u64::MAX).is_some());
    assert!(with.get(b"00000004", u64::MAX).is_none());
}
