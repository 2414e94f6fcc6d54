//! A transaction reads its own writes over its snapshot.
//!
//! Promise: `get` and every scan (forwards, backwards, from both ends at
//! once) see the transaction's pending puts, deletes, range deletes and
//! prefix deletes over its snapshot, a later write of a key winning over
//! an earlier range delete and the reverse; a scan holds the writes made
//! before it was made; writes committed by others after it began are
//! not seen; and none of it is visible outside until the commit.

use std::sync::Arc;

use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::{StorageConfig, StorageEngine, TransactionScan};

fn open() -> StorageEngine {
    let db = StorageEngine::open(StorageConfig {
        file_system: Arc::new(FaultFileSystem::new()),
        ..StorageConfig::new("/db")
    })
    .unwrap();
    for key in ["a", "b", "c", "d", "e", "f"] {
        db.put(key, format!("{key}0")).unwrap();
    }
    db
}

fn keys(
    scan: impl Iterator<
        Item = ferrisdb_storage::Result<(ferrisdb_storage::Slice, ferrisdb_storage::Slice)>,
    >,
) -> Vec<String> {
    scan.map(|item| {
        let (k, v) = item.unwrap();
        format!(
            "{}={}",
            String::from_utf8_lossy(&k),
            String::from_utf8_lossy(&v)
        )
    })
    .collect()
}

/// The scan read from both ends, alternating, front first.
fn both_ends(mut scan: TransactionScan) -> Vec<String> {
    let (mut front, mut back) = (Vec::new(), Vec::new());
    loop {
        match scan.next() {
            Some(item) => front.push(item),
            None => break,
        }
        match scan.next_back() {
            Some(item) => back.push(item),
            None => break,
        }
    }
    assert!(scan.next().is_none() && scan.next_back().is_none(), "fused");
    keys(front.into_iter().chain(back.into_iter().rev()))
}

#[test]
fn reads_see_pending_puts_deletes_and_range_deletes() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    tx.put("a", "a1").unwrap();
    tx.put("bb", "bb1").unwrap(); // a new key between two old ones
    tx.delete("c").unwrap();
    tx.delete_range("d".."f").unwrap();
    tx.put("e", "e1").unwrap(); // after the range delete: it wins
    tx.put("g", "g1").unwrap();
    tx.delete_prefix("g").unwrap(); // after the put: the put is gone

    let want = ["a=a1", "b=b0", "bb=bb1", "e=e1", "f=f0"];
    assert_eq!(keys(tx.iter().unwrap()), want);
    assert_eq!(
        keys(tx.iter().unwrap().rev()),
        want.iter().rev().copied().collect::<Vec<_>>()
    );
    assert_eq!(both_ends(tx.iter().unwrap()), want);
    assert_eq!(keys(tx.scan("b".."f").unwrap()), ["b=b0", "bb=bb1", "e=e1"]);
    assert_eq!(
        keys(tx.scan("b".."f").unwrap().rev()),
        ["e=e1", "bb=bb1", "b=b0"]
    );
    assert_eq!(keys(tx.scan_prefix("b").unwrap()), ["b=b0", "bb=bb1"]);
    for (key, value) in [
        ("a", Some("a1")),
        ("c", None),
        ("d", None),
        ("e", Some("e1")),
        ("g", None),
    ] {
        let got = tx.get(key).unwrap();
        assert_eq!(got.as_deref(), value.map(str::as_bytes), "get {key}");
    }

    // Outside, nothing changed until the commit.
    assert_eq!(db.get("a").unwrap().as_deref(), Some(&b"a0"[..]));
    assert_eq!(db.get("c").unwrap().as_deref(), Some(&b"c0"[..]));
    tx.commit().unwrap();
    assert_eq!(keys(db.iter().unwrap()), want);
}

#[test]
fn writes_committed_after_it_began_are_not_seen() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    tx.put("b", "b1").unwrap();
    db.put("a", "a1").unwrap();
    db.put("bb", "bb0").unwrap();
    db.delete("c").unwrap();
    assert_eq!(tx.get("a").unwrap().as_deref(), Some(&b"a0"[..]));
    assert_eq!(keys(tx.scan("a".."d").unwrap()), ["a=a0", "b=b1", "c=c0"]);
    assert_eq!(
        keys(tx.scan("a".."d").unwrap().rev()),
        ["c=c0", "b=b1", "a=a0"]
    );
    assert!(
        tx.commit().unwrap_err().is_conflict(),
        "it read what they wrote"
    );
}

#[test]
fn a_scan_holds_the_writes_made_before_it() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    tx.put("b", "b1").unwrap();
    let mut scan = tx.scan("a".."d").unwrap();
    assert_eq!(keys(scan.next().into_iter()), ["a=a0"]);
    // Read the rest after more writes: the scan does not see them.
    tx.put("bb", "bb1").unwrap();
    assert_eq!(keys(scan), ["b=b1", "c=c0"]);
    assert_eq!(
        keys(tx.scan("a".."d").unwrap()),
        ["a=a0", "b=b1", "bb=bb1", "c=c0"]
    );
}

#[test]
fn both_ends_meet_over_pending_writes_and_deletes() {
    let db = open();
    let mut tx = db.transaction().unwrap();
    // Pending writes at both ends and in the middle, deletes between.
    tx.put("0", "x").unwrap();
    tx.delete("b").unwrap();
    tx.put("cc", "x").unwrap();
    tx.delete_range("e"..).unwrap();
    tx.put("zz", "x").unwrap();
    let want = ["0=x", "a=a0", "c=c0", "cc=x", "d=d0", "zz=x"];
    assert_eq!(both_ends(tx.iter().unwrap()), want);
    // Every split of the reads between the ends gives the same pairs.
    for front in 0..=want.len() {
        let mut scan = tx.iter().unwrap();
        let mut got: Vec<_> = keys(scan.by_ref().take(front));
        let mut rest: Vec<_> = keys(scan.rev());
        rest.reverse();
        got.extend(rest);
        assert_eq!(got, want, "{front} from the front");
    }
    // Everything deleted: an empty scan from either end.
    tx.delete_range::<&str, _>(..).unwrap();
    assert!(tx.iter().unwrap().next().is_none());
    assert!(tx.iter().unwrap().next_back().is_none());
    assert_eq!(tx.get("a").unwrap(), None);
}
