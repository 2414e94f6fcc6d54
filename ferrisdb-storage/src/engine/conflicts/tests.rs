use super::*;
use crate::WriteBatch;

const KS: KeyspaceId = 0;
const OTHER: KeyspaceId = 7;

fn puts(keys: &[&str]) -> WriteBatch {
    let mut batch = WriteBatch::new();
    for key in keys {
        batch.put(key, "v");
    }
    batch
}

fn reads(keys: &[&str], ranges: &[(&str, Option<&str>)]) -> ReadSet {
    let mut set = ReadSet::default();
    for key in keys {
        set.add_key(KS, key.as_bytes());
    }
    for (start, end) in ranges {
        set.add_range(
            KS,
            start.as_bytes().to_vec(),
            end.map(|e| e.as_bytes().to_vec()),
        );
    }
    set
}

#[test]
fn a_write_after_the_beginning_of_a_key_read_conflicts() {
    let mut log = ConflictLog::new(1 << 20);
    log.record(5, puts(&["a", "b"]).entries());
    let read_b = reads(&["b"], &[]);
    assert_eq!(log.check(5, &read_b), Ok(()), "written before it began");
    assert_eq!(
        log.check(4, &read_b),
        Err(Conflict::Write {
            keyspace: KS,
            key: b"b".to_vec(),
            at: 5
        })
    );
    assert_eq!(log.check(4, &reads(&["c"], &[])), Ok(()), "another key");
}

#[test]
fn a_write_into_a_scanned_range_conflicts_a_phantom() {
    let mut log = ConflictLog::new(1 << 20);
    log.record(9, puts(&["m"]).entries());
    assert!(log.check(8, &reads(&[], &[("a", Some("z"))])).is_err());
    assert!(log.check(8, &reads(&[], &[("m", None)])).is_err());
    assert_eq!(
        log.check(8, &reads(&[], &[("a", Some("m"))])),
        Ok(()),
        "end excluded"
    );
    assert_eq!(log.check(8, &reads(&[], &[("n", None)])), Ok(()));
}

#[test]
fn a_range_delete_over_a_read_conflicts() {
    let mut log = ConflictLog::new(1 << 20);
    let mut batch = WriteBatch::new();
    batch.delete_range("c".."f");
    log.record(3, batch.entries());
    assert!(log.check(2, &reads(&["d"], &[])).is_err());
    assert!(log.check(2, &reads(&[], &[("a", Some("d"))])).is_err());
    assert!(log.check(2, &reads(&[], &[("e", None)])).is_err());
    assert_eq!(log.check(2, &reads(&["f", "b"], &[("f", None)])), Ok(()));
    assert_eq!(log.check(3, &reads(&["d"], &[])), Ok(()));
}

#[test]
fn keyspaces_do_not_conflict_with_each_other() {
    let mut log = ConflictLog::new(1 << 20);
    let mut batch = WriteBatch::new();
    batch.put_to(OTHER, b"k", b"v");
    log.record(3, batch.entries());
    assert_eq!(log.check(1, &reads(&["k"], &[("a", None)])), Ok(()));
    let mut other = ReadSet::default();
    other.add_key(OTHER, b"k");
    assert!(log.check(1, &other).is_err());
}

#[test]
fn pruning_keeps_what_a_later_beginning_needs_and_refuses_older_ones() {
    let mut log = ConflictLog::new(1 << 20);
    log.record(2, puts(&["a"]).entries());
    log.record(4, puts(&["a", "b"]).entries());
    log.prune(2);
    assert!(
        log.check(3, &reads(&["a"], &[])).is_err(),
        "the newer write of a stays"
    );
    assert_eq!(
        log.check(1, &reads(&["z"], &[])),
        Err(Conflict::Evicted { floor: 2 })
    );
    log.prune(4);
    assert_eq!(log.bytes(), 0);
    assert_eq!(log.check(4, &reads(&["a", "b"], &[])), Ok(()));
}

#[test]
fn the_memory_limit_drops_the_oldest_writes_and_raises_the_floor() {
    let one = 2 * 2 + KEY_OVERHEAD;
    let mut log = ConflictLog::new(2 * one);
    for (i, key) in ["k1", "k2", "k3"].iter().enumerate() {
        log.record(i as u64 + 1, puts(&[key]).entries());
        assert!(log.bytes() <= 2 * one);
    }
    assert_eq!(
        log.check(0, &reads(&[], &[])),
        Err(Conflict::Evicted { floor: 1 })
    );
    assert!(log.check(1, &reads(&["k2"], &[])).is_err());
    assert_eq!(log.check(1, &reads(&["k1"], &[])), Ok(()));
}
