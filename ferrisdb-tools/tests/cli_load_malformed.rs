//! `load` of crafted and malformed dumps: each refused in one line naming
//! the line and what is wrong with it, never a panic, and never a partial
//! load it does not own up to. Regressions: a bad keyspace name, a line
//! that is not UTF-8, and a write the database refused were reported
//! without their line; a stop part way did not say pairs were written; an
//! input that is not a dump made a database.

mod cli_common;

use std::path::Path;

use cli_common::{ferrisdb_with, one_line_failure};
use ferrisdb_storage::{StorageConfig, StorageEngine, MAX_KEY_SIZE};

const HEADER: &str = r#"{"ferrisdb_dump":1,"encoding":"escaped"}"#;

/// `load` of `input` into a new database in `dir`: its one-line error.
fn refused(dir: &Path, name: &str, input: &[u8]) -> String {
    let output = ferrisdb_with(&dir.join(name), &["load"], input);
    one_line_failure(&output, 1)
}

fn pair(key: &str, value: &str) -> String {
    format!(r#"{{"keyspace":"default","key":"{key}","value":"{value}"}}"#)
}

#[test]
fn every_bad_line_is_named_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let good = pair("a", "1");
    let long_key = "k".repeat(MAX_KEY_SIZE + 1);
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "bad-escape",
            format!("{HEADER}\n{good}\n{}\n", pair(r"b\\q", "2")),
            r#"line 3: key: bad escape "\\q" at byte 1"#,
        ),
        (
            "bad-value",
            format!("{HEADER}\n{}\n", pair("b", r"\\x4")),
            "line 2: value: bad escape",
        ),
        (
            "bad-hex",
            format!(
                "{}\n{}\n",
                HEADER.replace("escaped", "hex"),
                pair("0g", "00")
            ),
            "line 2: key: not hex: 'g' at byte 1",
        ),
        (
            "bad-keyspace",
            format!("{HEADER}\n{}\n", pair("a", "1").replace("default", "a/b")),
            "line 2: keyspace \"a/b\"",
        ),
        (
            "empty-keyspace",
            format!("{HEADER}\n{}\n", pair("a", "1").replace("default", "")),
            "line 2: keyspace \"\"",
        ),
        (
            "not-json",
            format!("{HEADER}\n{good}\nkey=value\n"),
            "line 3: column 1: expected value",
        ),
        (
            "unknown-field",
            format!("{HEADER}\n{}\n", good.replace('}', r#","deleted":true}"#)),
            "line 2: column",
        ),
        (
            "missing-field",
            format!("{HEADER}\n{{\"keyspace\":\"default\",\"key\":\"a\"}}\n"),
            "line 2: column",
        ),
        (
            "blank-line",
            format!("{HEADER}\n{good}\n\n"),
            "line 3: column 0: EOF",
        ),
        (
            "after-the-end",
            format!("{HEADER}\n{good}\n{{\"ferrisdb_dump_end\":1}}\n{good}\n"),
            "line 4: a line after the end (line 3)",
        ),
        (
            "miscounted",
            format!("{HEADER}\n{good}\n{{\"ferrisdb_dump_end\":2}}\n"),
            "line 3: the end counts 2 pairs, the dump holds 1",
        ),
        (
            "key-too-long",
            format!(
                "{HEADER}\n{good}\n{}\n{{\"ferrisdb_dump_end\":2}}\n",
                pair(&long_key, "v")
            ),
            "line 3: key of 1048577 bytes",
        ),
        (
            "newer-format",
            "{\"ferrisdb_dump\":2,\"encoding\":\"base64\"}\n".into(),
            "the dump is of format 2",
        ),
        (
            "no-header",
            format!("{good}\n"),
            "line 1 is not a ferrisdb dump header",
        ),
        ("empty", String::new(), "the dump is empty"),
    ];
    for (name, input, says) in cases {
        let error = refused(dir.path(), name, input.as_bytes());
        assert!(error.contains(says), "{name}: {error}");
        assert!(error.len() < 400, "{name}: {error}");
    }
    let mut not_utf8 = format!("{HEADER}\n{good}\n").into_bytes();
    not_utf8.extend_from_slice(b"{\"keyspace\":\"default\",\"key\":\"\xff\",\"value\":\"\"}\n");
    let error = refused(dir.path(), "not-utf8", &not_utf8);
    assert!(error.contains("line 3: "), "{error}");
    // What is not a dump makes no database.
    for name in ["newer-format", "no-header", "empty"] {
        assert!(!dir.path().join(name).exists(), "{name}");
    }
}

#[test]
fn a_load_stopped_part_way_says_how_many_pairs_it_wrote() {
    let dir = tempfile::tempdir().unwrap();
    let mut input = format!("{HEADER}\n");
    for i in 0..1500 {
        let value = if i == 1200 {
            r"\\x".to_owned()
        } else {
            format!("{i}")
        };
        input += &pair(&format!("k{i:04}"), &value);
        input.push('\n');
    }
    let error = refused(dir.path(), "db", input.as_bytes());
    assert!(error.contains("line 1202: value: bad escape"), "{error}");
    let db = StorageEngine::open_read_only(StorageConfig::new(dir.path().join("db"))).unwrap();
    let loaded = db.iter().unwrap().count();
    assert!(loaded > 0 && loaded < 1200, "{loaded}");
    assert!(
        error.contains(&format!("the first {loaded} pairs of the dump written")),
        "{loaded} pairs in the database: {error}"
    );
    // The first ones, in order.
    let last = db.iter().unwrap().last().unwrap().unwrap().0;
    assert_eq!(last, format!("k{:04}", loaded - 1).as_bytes());
}
