//! `ferrisdb dump` writing its pairs to the terminal (no `--out`) drew its
//! bar on the same screen: each redraw went after the line just printed,
//! and the pair printed next followed the bar's text on its line, so the
//! pairs on the screen read `dumped [...] 812/2000 pairs (...){"keyspace":
//! ...}`. Its pairs on the terminal, it draws none. The terminal is a
//! pseudo-terminal `script(1)` runs the command in, as in
//! `cli_progress_bars`.

use std::process::Command;

use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn dump_to_the_terminal_prints_each_pair_on_a_line_of_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let db_dir = dir.path().join("db");
    let db = StorageEngine::open(StorageConfig::new(&db_dir)).unwrap();
    for i in 0..20_000 {
        db.put(format!("user:{i:05}"), format!("name {i}")).unwrap();
    }
    db.flush().unwrap();
    db.close().unwrap();
    let typescript = dir.path().join("typescript");
    let command = format!(
        "{} --db {} dump",
        env!("CARGO_BIN_EXE_ferrisdb"),
        db_dir.to_str().unwrap()
    );
    let status = Command::new("script")
        .args(["--quiet", "--return", "--command", &command])
        .arg(&typescript)
        // The session is in the typescript; its copy on script's own output
        // would put 20,000 lines in the test log.
        .stdout(std::process::Stdio::null())
        .status()
        .expect("script(1), from util-linux, runs the command on a terminal");
    assert!(status.success(), "{status}");
    let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
    let pairs: Vec<&str> = seen
        .lines()
        .filter(|line| line.contains("\"keyspace\":"))
        .collect();
    assert_eq!(pairs.len(), 20_000, "{}", &seen[..seen.len().min(2000)]);
    for line in pairs {
        assert!(line.starts_with("{\"keyspace\":"), "a pair's line: {line}");
    }
    assert!(!seen.contains("dumped ["), "a bar drawn beside the pairs");
}
