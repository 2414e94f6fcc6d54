//! Write skew and phantoms: the anomalies snapshot isolation allows and
//! serializable transactions must not.
//!
//! - The on-call example: Alice and Bob are on call; each of two
//!   transactions reads both and, seeing two on call, takes one of them
//!   off. Interleaved (both begin, both read, both write, both commit),
//!   their write sets are disjoint, so only the read tracking stops both
//!   from committing, which would leave no one on call. Promise: the first
//!   to commit succeeds, the second fails with `TransactionConflict`, and
//!   someone is on call; read by `get` and by a scan.
//! - A phantom: T1 counts the rows of a range (`scan_prefix`) and writes
//!   the count; T2 inserts a new row into the range and commits first.
//!   Promise: T1's commit fails. So does it after a plain `put` or
//!   `delete` into the range, or a write into a range T1 scanned
//!   backwards or with explicit bounds; writes outside the range, at its
//!   excluded end, or before T1 began do not stop it.
//!
//! Without the range tracking (`self.reads.add_range` in
//! `Transaction::scan_of` left out) every test here but the one of writes
//! outside the range fails: the scans record nothing, and T1 commits a
//! stale count. Checked by hand; a test cannot turn the tracking off.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{Error, Result, StorageConfig, StorageEngine, Transaction};

fn open() -> StorageEngine {
    let fs = FaultFileSystem::new();
    StorageEngine::open(StorageConfig {
        file_system: Arc::new(fs),
        ..StorageConfig::new("/db")
    })
    .unwrap()
}

fn assert_conflict(result: Result<u64>, what: &str) {
    match result {
        Err(Error::TransactionConflict { .. }) => {}
        other => panic!("{what}: expected a conflict, got {other:?}"),
    }
}

/// How a doctor's transaction reads who is on call.
#[derive(Clone, Copy, Debug)]
enum Read {
    Gets,
    Scan,
}

/// The doctors on call as `tx` reads them.
fn on_call(tx: &mut Transaction, read: Read) -> Vec<String> {
    let pairs: Vec<(String, String)> = match read {
        Read::Gets => ["alice", "bob"]
            .iter()
            .filter_map(|name| {
                let v = tx.get(format!("oncall:{name}")).unwrap()?;
                Some((name.to_string(), String::from_utf8(v.to_vec()).unwrap()))
            })
            .collect(),
        Read::Scan => tx
            .scan_prefix("oncall:")
            .unwrap()
            .map(|item| {
                let (k, v) = item.unwrap();
                let name = String::from_utf8(k[7..].to_vec()).unwrap();
                (name, String::from_utf8(v.to_vec()).unwrap())
            })
            .collect(),
    };
    pairs
        .into_iter()
        .filter(|(_, v)| v == "yes")
        .map(|(name, _)| name)
        .collect()
}

fn on_call_example(read: Read, bob_commits_first: bool) {
    let what = format!("{read:?}, bob first: {bob_commits_first}");
    let db = open();
    db.put("oncall:alice", "yes").unwrap();
    db.put("oncall:bob", "yes").unwrap();

    let mut alice = db.transaction().unwrap();
    let mut bob = db.transaction().unwrap();
    assert_eq!(on_call(&mut alice, read), ["alice", "bob"], "{what}");
    assert_eq!(on_call(&mut bob, read), ["alice", "bob"], "{what}");
    alice.put("oncall:alice", "no").unwrap();
    bob.put("oncall:bob", "no").unwrap();
    let (first, second) = if bob_commits_first {
        (bob, alice)
    } else {
        (alice, bob)
    };
    first
        .commit()
        .expect("the first commit has nothing to conflict with");
    assert_conflict(second.commit(), &what);

    let mut tx = db.transaction().unwrap();
    let left = on_call(&mut tx, Read::Scan);
    let expected = if bob_commits_first { "alice" } else { "bob" };
    assert_eq!(left, [expected], "{what}: exactly one took himself off");
}

#[test]
fn on_call_write_skew_lets_exactly_one_commit() {
    for read in [Read::Gets, Read::Scan] {
        for bob_commits_first in [false, true] {
            on_call_example(read, bob_commits_first);
        }
    }
}

/// T1 counts the shifts and writes the count as a summary.
fn count_shifts(db: &StorageEngine) -> Transaction {
    let mut t1 = db.transaction().unwrap();
    let count = t1.scan_prefix("shift:").unwrap().count();
    t1.put("summary", count.to_string()).unwrap();
    t1
}

fn shifts(db: &StorageEngine) {
    for day in ["mon", "tue", "wed"] {
        db.put(format!("shift:{day}"), "x").unwrap();
    }
}

#[test]
fn an_insert_into_a_scanned_range_committed_first_fails_the_scanner() {
    let db = open();
    shifts(&db);
    let t1 = count_shifts(&db);
    let mut t2 = db.transaction().unwrap();
    t2.put("shift:thu", "x").unwrap();
    t2.commit().unwrap();
    assert_conflict(t1.commit(), "T2 inserted into T1's range");
    assert_eq!(db.get("summary").unwrap(), None, "T1 wrote nothing");

    // Run again, it sees the new row.
    let t1 = count_shifts(&db);
    t1.commit().unwrap();
    assert_eq!(db.get("summary").unwrap().as_deref(), Some(&b"4"[..]));
}

#[test]
fn a_plain_write_into_a_scanned_range_fails_the_scanner() {
    let db = open();
    shifts(&db);
    let t1 = count_shifts(&db);
    db.put("shift:fri", "x").unwrap();
    assert_conflict(t1.commit(), "a put into the range");

    let t1 = count_shifts(&db);
    db.delete("shift:mon").unwrap();
    assert_conflict(t1.commit(), "a delete in the range");
}

#[test]
fn writes_outside_the_scanned_range_or_before_it_began_do_not_conflict() {
    let db = open();
    shifts(&db);
    db.put("shift:sat", "x").unwrap();
    let t1 = count_shifts(&db);
    // "shift;" is the first key after the prefix, "shift" the last before.
    db.put("shift;", "x").unwrap();
    db.put("shift", "x").unwrap();
    db.put("shifts", "x").unwrap();
    t1.commit().expect("no write into the range since T1 began");
    assert_eq!(db.get("summary").unwrap().as_deref(), Some(&b"4"[..]));
}

#[test]
fn a_range_scanned_with_bounds_or_backwards_is_read_whole() {
    let db = open();
    for key in ["a", "b", "c", "d"] {
        db.put(key, "x").unwrap();
    }
    // [b, d): a write at b conflicts, at d (excluded) or a does not.
    let scan = |db: &StorageEngine, reversed: bool| {
        let mut tx = db.transaction().unwrap();
        let scan = tx.scan("b".."d").unwrap();
        let count = if reversed {
            scan.rev().count()
        } else {
            scan.count()
        };
        assert_eq!(count, 2);
        tx.put("summary", count.to_string()).unwrap();
        tx
    };
    for reversed in [false, true] {
        let tx = scan(&db, reversed);
        db.put("d", "y").unwrap();
        db.put("a", "y").unwrap();
        tx.commit().expect("a and d are outside [b, d)");

        let tx = scan(&db, reversed);
        db.put("bb", "y").unwrap();
        assert_conflict(tx.commit(), "bb was absent but is in [b, d)");
        db.delete("bb").unwrap();

        let tx = scan(&db, reversed);
        db.put("b", "y").unwrap();
        assert_conflict(tx.commit(), "b is the included start");
    }
}
