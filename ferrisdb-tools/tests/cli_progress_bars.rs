//! `verify`, `repair`, `dump`, `load` and `compact` draw a progress bar on
//! a terminal, and nothing when their stderr is a pipe. The terminal is a
//! pseudo-terminal `script(1)` (util-linux, in every Debian) runs the
//! command in.

use std::path::Path;
use std::process::Command;

use ferrisdb_storage::{StorageConfig, StorageEngine};

const COMMANDS: [(&str, &str); 5] = [
    ("verify", "verifying ["),
    ("dump --out DIR/dump.jsonl", "dumped ["),
    ("compact", "compacting ["),
    ("load --in DIR/dump.jsonl --db DIR/copy", "loading ["),
    ("repair", "repairing ["),
];

/// A database of 2000 keys in two keyspaces, flushed.
fn made(dir: &Path) {
    let db = StorageEngine::open(StorageConfig::new(dir)).unwrap();
    let logs = db.keyspace("logs").unwrap();
    for i in 0..2000 {
        db.put(format!("user:{i:05}"), format!("name {i}")).unwrap();
        logs.put(format!("{i:05}"), [0u8, 1, 0xff]).unwrap();
    }
    db.flush().unwrap();
    db.close().unwrap();
}

/// `ferrisdb --db DIR/db ARGS`, with DIR in `args` replaced by `dir`.
fn command_line(dir: &Path, args: &str) -> String {
    let binary = env!("CARGO_BIN_EXE_ferrisdb");
    let args = args.replace("DIR", dir.to_str().unwrap());
    format!("{binary} --db {}/db {args}", dir.to_str().unwrap())
}

#[test]
fn each_long_command_draws_a_bar_on_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    made(&dir.path().join("db"));
    for (args, bar) in COMMANDS {
        let typescript = dir.path().join("typescript");
        let status = Command::new("script")
            .args(["--quiet", "--return", "--command"])
            .arg(command_line(dir.path(), args))
            .arg(&typescript)
            .status()
            .expect("script(1), from util-linux, runs the command on a terminal");
        assert!(status.success(), "{args}: {status}");
        let seen = String::from_utf8_lossy(&std::fs::read(&typescript).unwrap()).into_owned();
        assert!(seen.contains(bar), "{args}: no bar drawn:\n{seen}");
    }
}

#[test]
fn each_long_command_stays_quiet_when_piped() {
    let dir = tempfile::tempdir().unwrap();
    made(&dir.path().join("db"));
    for (args, bar) in COMMANDS {
        let output = Command::new("sh")
            .args(["-c", &command_line(dir.path(), args)])
            .output()
            .unwrap();
        assert!(output.status.success(), "{args}: {output:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            !stderr.contains(bar.trim_end_matches(" [")),
            "{args}: {stderr}"
        );
    }
}
