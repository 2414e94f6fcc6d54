//! Regression: a dump cut short at a line boundary (a dump that failed part
//! way, a full disk, `dump | load` whose dump died) loaded as if whole,
//! exit code 0, with nothing to tell the copy lacks pairs. A dump ends with
//! a line counting its pairs, and `load` refuses one without it, saying
//! how many pairs it wrote.

mod cli_common;

use std::path::Path;

use cli_common::{ferrisdb_with, ok, one_line_failure};
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// The pairs of every keyspace of `db`.
fn pairs(db: &Path) -> usize {
    let db = StorageEngine::open_read_only(StorageConfig::new(db)).unwrap();
    db.keyspaces()
        .iter()
        .map(|name| db.keyspace(name).unwrap().iter().unwrap().count())
        .sum()
}

#[test]
fn a_dump_cut_short_is_refused_saying_how_much_is_loaded() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    let db = StorageEngine::open(StorageConfig::new(&from)).unwrap();
    for i in 0..2500 {
        db.put(format!("key:{i:05}"), format!("value {i}")).unwrap();
    }
    db.close().unwrap();
    let dump = ok(&from, &["dump"]);
    let lines: Vec<&str> = dump.lines().collect();
    assert_eq!(lines.len(), 2502, "the header, 2500 pairs, the end");

    // Whole: loads.
    let whole = ferrisdb_with(&dir.path().join("whole"), &["load"], dump.as_bytes());
    assert!(whole.status.success(), "{whole:?}");
    assert_eq!(pairs(&dir.path().join("whole")), 2500);

    // Cut at a line boundary (the end line lost), or in the middle of a
    // line, down a pipe: refused, naming what is wrong and how much is in.
    let at_a_line = lines[..2400].join("\n") + "\n";
    let middle = dump.len() / 2;
    let in_a_line = &dump[..middle + dump[middle..].find('\n').unwrap() - 5];
    let cut_line = format!("line {}: column", in_a_line.lines().count());
    for (name, input, says) in [
        ("at-a-line", at_a_line.as_str(), "cut short"),
        ("in-a-line", in_a_line, cut_line.as_str()),
    ] {
        let to = dir.path().join(name);
        let output = ferrisdb_with(&to, &["load"], input.as_bytes());
        let error = one_line_failure(&output, 1);
        assert!(error.contains(says), "{name}: {error}");
        let loaded = pairs(&to);
        assert!(loaded < 2500, "{name}: {loaded}");
        assert!(
            error.contains(&format!("the first {loaded} pairs of the dump written")),
            "{name}: {loaded} pairs in the database: {error}"
        );
    }
}
