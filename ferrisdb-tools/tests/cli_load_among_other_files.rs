//! Regression: `load` without `--db` (the current directory) or with a
//! mistyped one made a database among whatever files the directory held.
//! It makes a database only in a missing or empty directory, and loads
//! into an existing database as before.

mod cli_common;

use std::process::Command;

use cli_common::{fails, ok, one_line_failure};
use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn load_makes_no_database_among_other_files() {
    let dir = tempfile::tempdir().unwrap();
    let from = dir.path().join("from");
    StorageEngine::open(StorageConfig::new(&from))
        .unwrap()
        .put("k", "v")
        .unwrap();
    let dump = dir.path().join("dump.jsonl");
    ok(&from, &["dump", "--out", dump.to_str().unwrap()]);

    let home = dir.path().join("home");
    std::fs::create_dir(&home).unwrap();
    std::fs::write(home.join("notes.txt"), "mine").unwrap();
    let error = fails(&home, &["load", "--in", dump.to_str().unwrap()]);
    assert!(error.contains("holds files but no database"), "{error}");
    // Without --db: the current directory.
    let output = Command::new(env!("CARGO_BIN_EXE_ferrisdb"))
        .args(["load", "--in", dump.to_str().unwrap()])
        .current_dir(&home)
        .output()
        .unwrap();
    one_line_failure(&output, 1);
    let names: Vec<_> = std::fs::read_dir(&home)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"]);

    // A missing directory, an empty one, an existing database: loaded.
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    for to in [dir.path().join("new"), empty, from] {
        ok(&to, &["load", "--in", dump.to_str().unwrap()]);
        assert_eq!(ok(&to, &["get", "k"]), "v\n");
    }
}
