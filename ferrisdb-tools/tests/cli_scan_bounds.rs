//! `scan`'s range as `--help` documents it: `--start` inclusive, `--end`
//! exclusive, `--prefix` every key starting with it (a prefix of `0xff`
//! bytes, which has no successor, included), `--reverse` from the last key
//! with `--limit` counting from there, an empty range for a start past the
//! end, and keys deleted by a range never shown, in either direction.

mod cli_common;

use cli_common::{fails, ok};
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// The keys `scan ARGS` prints, in order.
fn keys(db: &std::path::Path, args: &[&str]) -> Vec<String> {
    let mut all = vec!["--json", "scan"];
    all.extend_from_slice(args);
    ok(db, &all)
        .lines()
        .map(|line| {
            let pair: serde_json::Value = serde_json::from_str(line).unwrap();
            pair["key"].as_str().unwrap().to_owned()
        })
        .collect()
}

#[test]
fn scan_ranges_are_as_documented() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path();
    let engine = StorageEngine::open(StorageConfig::new(db)).unwrap();
    let all: [&[u8]; 9] = [
        b"a",
        b"b",
        b"ba",
        b"c",
        b"d",
        b"e",
        b"\xff",
        b"\xff\x00",
        b"\xff\xff",
    ];
    for key in all {
        engine.put(key, "v").unwrap();
    }
    engine.flush().unwrap();
    engine.delete_range(&b"d"[..]..&b"e"[..]).unwrap();
    engine.close().unwrap();

    assert_eq!(keys(db, &["--start", "b", "--end", "c"]), ["b", "ba"]);
    assert_eq!(keys(db, &["--start", "ba", "--end", "e"]), ["ba", "c"]);
    assert_eq!(keys(db, &["--end", "b"]), ["a"]);
    assert_eq!(
        keys(db, &["--start", r"\xff"]),
        [r"\xff", r"\xff\x00", r"\xff\xff"]
    );
    assert_eq!(keys(db, &["--prefix", "b"]), ["b", "ba"]);
    assert_eq!(
        keys(db, &["--prefix", r"\xff"]),
        [r"\xff", r"\xff\x00", r"\xff\xff"]
    );
    assert_eq!(keys(db, &["--prefix", r"\xff\xff"]), [r"\xff\xff"]);
    assert_eq!(
        keys(db, &["--prefix", r"\xff", "--reverse", "--limit", "2"]),
        [r"\xff\xff", r"\xff\x00"]
    );
    assert_eq!(
        keys(db, &["--start", "b", "--end", "\\xff", "--reverse"]),
        ["e", "c", "ba", "b"],
        "d, range-deleted, is not shown backwards either"
    );
    assert_eq!(keys(db, &["--limit", "3"]), ["a", "b", "ba"]);
    assert!(keys(db, &["--start", "c", "--end", "a"]).is_empty());
    assert!(keys(db, &["--limit", "0"]).is_empty());
    assert_eq!(
        keys(db, &["--hex", "--prefix", "ff", "--limit", "1"]),
        ["ff"]
    );
    fails(db, &["scan", "--prefix", "a", "--start", "a"]);
}
