//! `dump` of a database another process writes (here, another engine in
//! this process): it reads read-only, and what it copies is one instant of
//! the database, the same for every keyspace, as `docs/operations.md`
//! says. The writer moves a counter in two keyspaces in one batch, flushes
//! and compacts meanwhile; every dump, loaded back, holds the same counter
//! in both, and every key written before it.

mod cli_common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cli_common::ok;
use ferrisdb_storage::{StorageConfig, StorageEngine, WriteBatch};

#[test]
fn a_dump_beside_a_writer_copies_one_instant() {
    let dir = tempfile::tempdir().unwrap();
    let db_dir = dir.path().join("db");
    let config = StorageConfig {
        memtable_size: 64 << 10,
        ..StorageConfig::new(&db_dir)
    };
    let db = StorageEngine::open(config).unwrap();
    let (left, right) = (db.keyspace("left").unwrap(), db.keyspace("right").unwrap());
    left.put("counter", "0").unwrap();
    right.put("counter", "0").unwrap();
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let mut batch = WriteBatch::new();
                batch.put_in(&left, "counter", n.to_string());
                batch.put_in(&right, "counter", n.to_string());
                batch.put_in(&left, format!("key:{n:08}"), vec![b'v'; 200]);
                db.write(batch).unwrap();
                if n.is_multiple_of(500) {
                    db.compact().unwrap();
                }
            }
            db.close().unwrap();
            n
        })
    };
    for round in 0..5 {
        let dump = ok(&db_dir, &["dump"]);
        let counter = |keyspace: &str| -> u64 {
            let line = format!(r#"{{"keyspace":"{keyspace}","key":"counter","value":""#);
            let at = dump
                .find(&line)
                .unwrap_or_else(|| panic!("round {round}: no {keyspace}"));
            let rest = &dump[at + line.len()..];
            rest[..rest.find('"').unwrap()].parse().unwrap()
        };
        let n = counter("left");
        assert_eq!(
            counter("right"),
            n,
            "round {round}: the keyspaces of two instants"
        );
        let keys = dump
            .lines()
            .filter(|l| l.contains(r#""key":"key:"#))
            .count();
        assert_eq!(keys as u64, n, "round {round}");
        assert!(dump.ends_with(&format!("{{\"ferrisdb_dump_end\":{}}}\n", keys + 2)));
    }
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap();
    assert!(written > 0);
}
