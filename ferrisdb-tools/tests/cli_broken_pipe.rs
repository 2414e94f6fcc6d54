//! Regression: `ferrisdb scan | head -1` printed "ferrisdb: Broken pipe (os
//! error 32)" and exited with 1 once `head` had its line, failing a script
//! run with `set -o pipefail`. A reader that goes away ends the command
//! quietly, with 0.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use ferrisdb_storage::{StorageConfig, StorageEngine};

#[test]
fn a_reader_that_goes_away_ends_a_scan_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let db = StorageEngine::open(StorageConfig::new(dir.path())).unwrap();
    // Far more than a pipe holds, so the scan is still writing.
    for i in 0..20_000 {
        db.put(format!("key:{i:06}"), vec![b'v'; 100]).unwrap();
    }
    db.close().unwrap();
    for command in ["scan", "dump"] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ferrisdb"))
            .arg("--db")
            .arg(dir.path())
            .arg(command)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty());
        // The reader is dropped: the pipe is closed.
        let output = child.wait_with_output().unwrap();
        assert_eq!(output.status.code(), Some(0), "{command}: {output:?}");
        assert!(output.stderr.is_empty(), "{command}: {output:?}");
    }
}
