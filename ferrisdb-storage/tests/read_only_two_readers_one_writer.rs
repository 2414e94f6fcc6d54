//! Two read-only processes read while a third writes, flushes and
//! compacts: each reads the view it loaded even after the writer's
//! compaction deleted that view's tables, and `catch_up` brings it to the
//! writer's newest writes, flushed or only in the log.
//!
//! The test binary is its own reader process (through `child_process/`):
//! run with `FERRISDB_READER_DIR` set, the test acts out a reader instead,
//! taking one command per line on stdin.

mod child_process;

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Stdio};

use child_process::{said, say};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

const TEST_NAME: &str = "two_readers_follow_a_writer";
const DIR: &str = "FERRISDB_READER_DIR";

fn config(dir: &Path) -> StorageConfig {
    StorageConfig {
        memtable_size: 32 << 10,
        ..StorageConfig::new(dir)
    }
}

/// What a reader sees: how many keys hold a value of each kind (the value
/// up to its first `-`), as one line.
fn census(db: &StorageEngine) -> String {
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    for item in db.iter().unwrap() {
        let (_, value) = item.unwrap();
        let value = String::from_utf8(value.to_vec()).unwrap();
        let kind = value.split('-').next().unwrap().to_owned();
        *kinds.entry(kind).or_default() += 1;
    }
    kinds
        .iter()
        .map(|(kind, n)| format!("{kind}:{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The reader process: opens read-only, says its census, then for each
/// line on stdin (`read`, `catch_up`, `write`) says the census after it,
/// and exits at the end of input.
fn reader_if_requested() {
    let Ok(dir) = std::env::var(DIR) else {
        return;
    };
    let db = StorageEngine::open_read_only(config(&PathBuf::from(dir))).unwrap();
    let mut out = std::io::stdout().lock();
    say(&mut out, census(&db));
    for line in std::io::stdin().lock().lines() {
        let said = match line.unwrap().as_str() {
            "catch_up" => db.catch_up().map(|()| census(&db)),
            "write" => match db.put("reader", "x") {
                Err(Error::ReadOnly { .. }) => Ok("refused".to_owned()),
                other => Ok(format!("not refused: {other:?}")),
            },
            _ => Ok(census(&db)),
        };
        say(&mut out, said.unwrap_or_else(|e| format!("error {e}")));
    }
    std::process::exit(0);
}

struct Reader {
    process: Child,
    stdin: ChildStdin,
    said: Box<dyn Iterator<Item = String>>,
}

impl Reader {
    fn start(dir: &Path) -> Reader {
        let mut process = child_process::command(TEST_NAME)
            .env(DIR, dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = process.stdin.take().unwrap();
        let said = said(process.stdout.take().unwrap());
        Reader {
            process,
            stdin,
            said: Box::new(said),
        }
    }

    fn next(&mut self) -> String {
        self.said.next().expect("the reader said nothing")
    }

    fn ask(&mut self, command: &str) -> String {
        writeln!(self.stdin, "{command}").unwrap();
        self.next()
    }

    fn finish(mut self) {
        drop(self.stdin);
        assert!(self.process.wait().unwrap().success());
    }
}

fn write_all(db: &StorageEngine, kind: &str, keys: std::ops::Range<usize>) {
    for i in keys {
        db.put(format!("key{i:05}"), format!("{kind}-{i}")).unwrap();
    }
}

#[test]
fn two_readers_follow_a_writer() {
    reader_if_requested();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = StorageEngine::open(config(dir)).unwrap();
    write_all(&db, "v1", 0..2000);
    db.flush().unwrap();
    let tables_before: Vec<u64> = db.live_tables().iter().map(|t| t.file_number).collect();
    assert!(tables_before.len() > 1, "{tables_before:?}");

    let mut readers = [Reader::start(dir), Reader::start(dir)];
    for reader in &mut readers {
        assert_eq!(reader.next(), "v1:2000");
        assert_eq!(reader.ask("write"), "refused");
    }

    // The writer overwrites, deletes and compacts: the readers' tables are
    // deleted, and some writes are only in its log.
    write_all(&db, "v2", 0..1500);
    for i in 0..100 {
        db.delete(format!("key{i:05}")).unwrap();
    }
    db.compact().unwrap();
    let tables_after: Vec<u64> = db.live_tables().iter().map(|t| t.file_number).collect();
    for gone in &tables_before {
        assert!(
            !tables_after.contains(gone),
            "table {gone} survived the compaction"
        );
        assert!(
            !dir.join(format!("{gone:06}.sst")).exists(),
            "table {gone} was not deleted"
        );
    }
    write_all(&db, "v3", 1500..2500);

    for reader in &mut readers {
        // The old view, whole, though its tables are deleted.
        assert_eq!(reader.ask("read"), "v1:2000");
        assert_eq!(reader.ask("catch_up"), "v2:1400 v3:1000");
    }
    // More writes, only in the log: a second catch-up sees them.
    write_all(&db, "v4", 100..110);
    for reader in &mut readers {
        assert_eq!(reader.ask("catch_up"), "v2:1390 v3:1000 v4:10");
    }
    for reader in readers {
        reader.finish();
    }
    db.close().unwrap();
}
