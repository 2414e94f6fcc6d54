//! Every shape of range a caller can give `delete_range` (each start bound
//! with each end bound), and the prefixes with and without a successor,
//! reach the log as one record each holding the half-open range
//! `[start, end)` the bounds describe, in the keyspace written to: the
//! database and a keyspace handle alike.

mod range_delete_common;

use std::ops::Bound::{self, Excluded, Included, Unbounded};

use ferrisdb_core::range_tombstone::half_open;
use ferrisdb_storage::fs::FaultFileSystem;
use ferrisdb_storage::StorageEngine;
use range_delete_common::{config, logged_range_deletes, Logged};

/// Every pair of bounds over `"b"` and `"d"`.
fn shapes() -> Vec<(Bound<&'static str>, Bound<&'static str>)> {
    let bounds = |key| [Included(key), Excluded(key), Unbounded];
    bounds("b")
        .into_iter()
        .flat_map(|start| bounds("d").map(|end| (start, end)))
        .collect()
}

fn owned(start: &[u8], end: Option<&[u8]>) -> (Vec<u8>, Option<Vec<u8>>) {
    (start.to_vec(), end.map(<[u8]>::to_vec))
}

#[test]
fn every_bound_shape_and_prefix_is_logged_half_open_in_its_keyspace() {
    let fs = FaultFileSystem::new();
    let db = StorageEngine::open(config(&fs)).unwrap();
    let users = db.keyspace("users").unwrap();
    let mut expected: Vec<Logged> = Vec::new();
    let mut log = |ts, keyspace: u32, (start, end): (Vec<u8>, Option<Vec<u8>>)| {
        expected.push((ts, keyspace, start, end));
    };
    for shape in shapes() {
        let range = half_open::<&str, _>(&shape).expect("b..d holds keys in every shape");
        log(db.delete_range::<&str, _>(shape).unwrap(), 0, range.clone());
        log(users.delete_range::<&str, _>(shape).unwrap(), 1, range);
    }
    // Ranges over arbitrary bytes, owned or borrowed.
    let ts = db.delete_range(vec![0u8]..=vec![0xff, 0xff]).unwrap();
    log(ts, 0, owned(&[0], Some(&[0xff, 0xff, 0])));
    let ts = db.delete_range(&b"x"[..]..).unwrap();
    log(ts, 0, owned(b"x", None));
    // Prefixes: with a successor, all `0xff` bytes, and the empty prefix,
    // the last two without an end.
    let prefixes: [(&[u8], Option<&[u8]>); 4] = [
        (b"user:", Some(b"user;")),
        (b"a\xff\xff", Some(b"b")),
        (b"\xff\xff", None),
        (b"", None),
    ];
    for (prefix, end) in prefixes {
        log(db.delete_prefix(prefix).unwrap(), 0, owned(prefix, end));
        log(users.delete_prefix(prefix).unwrap(), 1, owned(prefix, end));
    }

    let (logged, records) = logged_range_deletes(&fs);
    assert_eq!(logged, expected);
    assert_eq!(records, expected.len(), "one record per range delete");
}
