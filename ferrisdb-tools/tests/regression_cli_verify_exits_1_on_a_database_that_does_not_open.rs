//! Regression: `ferrisdb verify` on a database whose cleanly closed log had
//! been cut short printed `ferrisdb: corruption in ...` and exited with 1,
//! the code of a mistyped command, so a health check waiting for 2 ("damage
//! found") took a damaged database for a usage error. The read-only open
//! refuses such a log, as `open` does; verify now reports that refusal as the
//! damage it is, naming the file and offset, and exits with 2.

mod cli_common;

use std::path::{Path, PathBuf};

use cli_common::{ferrisdb, ok};
use ferrisdb_storage::{StorageConfig, StorageEngine};

/// A closed database of a few keys, still all in its log; the log's path.
fn closed_with_keys_in_its_log(dir: &Path) -> PathBuf {
    let db = StorageEngine::open(StorageConfig::new(dir)).unwrap();
    for i in 0..20 {
        db.put(format!("key{i:02}"), "value").unwrap();
    }
    db.close().unwrap();
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.extension().is_some_and(|e| e == "wal") && std::fs::metadata(p).unwrap().len() > 0
        })
        .expect("a log holding the writes")
}

#[test]
fn verify_reports_a_log_cut_after_a_clean_close_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    let log = closed_with_keys_in_its_log(dir.path());
    assert!(ok(dir.path(), &["verify"]).contains("no damage found"));

    let len = std::fs::metadata(&log).unwrap().len();
    let file = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    file.set_len(len - 50).unwrap();
    drop(file);

    let output = ferrisdb(dir.path(), &["verify"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let report = String::from_utf8(output.stdout).unwrap();
    assert!(report.contains(log.to_str().unwrap()), "{report}");
    assert!(report.contains("closed cleanly"), "{report}");

    let output = ferrisdb(dir.path(), &["--json", "verify"]);
    assert_eq!(output.status.code(), Some(2), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["intact"], false);
    assert_eq!(json["damage"][0]["file"], log.to_str().unwrap());
    assert_eq!(json["damage"][0]["offset"], len - 50);
}

#[test]
fn verify_of_a_missing_database_is_still_an_error_not_damage() {
    let dir = tempfile::tempdir().unwrap();
    let output = ferrisdb(&dir.path().join("missing"), &["verify"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
}
