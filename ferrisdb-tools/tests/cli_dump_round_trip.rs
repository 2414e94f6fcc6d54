//! `dump` then `load` into a new database gives identical contents, for
//! the contents that are hard to carry: every byte in keys and values, the
//! empty key and value, backslashes and quotes, bytes that are not UTF-8, a
//! key and a value longer than the default limits (the application's
//! database allows them), many keyspaces, empty ones among them, and pairs
//! deleted by a range. Regressions: a keyspace without pairs was lost, and
//! a value over the default `max_value_size` did not load.

mod cli_common;

use std::collections::BTreeMap;
use std::path::Path;

use cli_common::dump_and_load;
use ferrisdb_storage::{StorageConfig, StorageEngine, MAX_KEY_SIZE};

type Contents = BTreeMap<String, Vec<(Vec<u8>, Vec<u8>)>>;

/// Every keyspace of `db` with its pairs, in key order.
fn contents(db: &Path) -> Contents {
    let db = StorageEngine::open_read_only(StorageConfig::new(db)).unwrap();
    db.keyspaces()
        .into_iter()
        .map(|name| {
            let pairs = db.keyspace(&name).unwrap().iter().unwrap();
            let pairs = pairs
                .map(|p| p.unwrap())
                .map(|(k, v)| (k.to_vec(), v.to_vec()));
            (name, pairs.collect())
        })
        .collect()
}

/// A database of awkward contents, written by an application that allows
/// long keys and values.
fn made(dir: &Path) {
    let config = StorageConfig {
        max_key_size: MAX_KEY_SIZE,
        max_value_size: 20 << 20,
        ..StorageConfig::new(dir)
    };
    let db = StorageEngine::open(config).unwrap();
    let every_byte: Vec<u8> = (0..=255).collect();
    for b in 0..=255u8 {
        db.put([b], [b, b'\\', b]).unwrap();
    }
    db.put(b"", b"the empty key").unwrap();
    db.put(b"empty value", b"").unwrap();
    db.put(br"\x00 \\ \x", every_byte.clone()).unwrap();
    db.put("quote\"d \u{e9}", "caf\u{e9} \"\\\"").unwrap();
    db.put([0xff, 0xfe, 0x80], [0xc3, 0x28, 0xa0, 0xa1])
        .unwrap();
    db.put(vec![b'k'; 100 << 10], b"a key over 64 KiB").unwrap();
    let big: Vec<u8> = (0..17 << 20).map(|i| b"ab\\\x00"[i % 4]).collect();
    db.put(b"big value", &big).unwrap();
    db.flush().unwrap();
    // Deleted by a range: in the tables, dead in the MemTable.
    for i in 0..10 {
        db.put(format!("r{i}"), "x").unwrap();
    }
    db.flush().unwrap();
    db.delete_range(&b"r3"[..]..&b"r7"[..]).unwrap();
    for i in 0..20 {
        let keyspace = db.keyspace(&format!("keyspace {i:02}")).unwrap();
        for j in 0..i {
            keyspace.put(format!("{j}"), &every_byte[j * 7..]).unwrap();
        }
    }
    // Pairs once, none now.
    let emptied = db.keyspace("emptied").unwrap();
    emptied.put("gone", "soon").unwrap();
    emptied.delete("gone").unwrap();
    db.close().unwrap();
}

#[test]
fn a_dump_loads_back_to_identical_contents() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    made(&from);
    let original = contents(&from);
    assert_eq!(original.len(), 22);
    assert!(original["emptied"].is_empty() && original["keyspace 00"].is_empty());
    let live_r: Vec<_> = original["default"]
        .iter()
        .filter(|(k, _)| k.len() == 2 && k[0] == b'r')
        .collect();
    assert_eq!(live_r.len(), 6, "r0-r2 and r7-r9");

    // The two formats are independent: one thread each, so the debug
    // binary's dump and load of the 17 MiB value use both of CI's cores.
    std::thread::scope(|s| {
        for hex in [false, true] {
            let (dir, from, original) = (dir.path(), &from, &original);
            s.spawn(move || {
                let dump = dir.join(format!("dump-{hex}"));
                let to = dir.join(format!("to-{hex}"));
                dump_and_load(from, &dump, &to, hex);
                assert!(contents(&to) == *original, "hex {hex}: the contents differ");
            });
        }
    });
}
