//! The directory lock held across two processes.
//!
//! A second process that opens a database another process has open gets
//! `Error::DatabaseLocked` naming the lock file, and the first keeps working:
//! its writes, reads, flushes and compactions after the failed attempt
//! succeed, and nothing the failed `open` did changes the database. Once the
//! first closes (or is killed), the second opens and finds every write. The
//! same holds the other way round, and for a second `open` in one process.
//!
//! The test binary is its own second process (through `child_process/`): run
//! with `FERRISDB_LOCK_CHILD` set, the test acts out that role instead.

mod child_process;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;

use child_process::{said, say};
use ferrisdb_storage::{Error, StorageConfig, StorageEngine};

const TEST_NAME: &str = "the_lock_holds_across_processes";
const ROLE: &str = "FERRISDB_LOCK_CHILD";
const DIR: &str = "FERRISDB_LOCK_CHILD_DIR";

fn config(dir: &Path) -> StorageConfig {
    StorageConfig {
        memtable_size: 32 << 10,
        ..StorageConfig::new(dir)
    }
}

fn count(db: &StorageEngine) -> usize {
    let mut n = 0;
    for item in db.iter().unwrap() {
        item.unwrap();
        n += 1;
    }
    n
}

/// The second process. Says one line per step, and exits.
///
/// - `try`: opens the database; prints `> locked PATH` on `DatabaseLocked`,
///   otherwise `> opened N` (the keys it finds), writes `child-try`, closes.
/// - `hold`: opens it, prints `> holding N`, waits for a line on stdin, then
///   writes `child-hold` and closes.
fn child_if_requested() {
    let Ok(role) = std::env::var(ROLE) else {
        return;
    };
    let dir = PathBuf::from(std::env::var(DIR).unwrap());
    let mut out = std::io::stdout().lock();
    match StorageEngine::open(config(&dir)) {
        Err(Error::DatabaseLocked { path }) => {
            say(&mut out, format_args!("locked {}", path.display()))
        }
        Err(other) => say(&mut out, format_args!("error {other}")),
        Ok(db) => {
            let verb = if role == "hold" { "holding" } else { "opened" };
            say(&mut out, format_args!("{verb} {}", count(&db)));
            if role == "hold" {
                let mut line = String::new();
                std::io::stdin().read_line(&mut line).unwrap();
            }
            db.put(format!("child-{role}"), "written by the second process")
                .unwrap();
            db.close().unwrap();
            say(&mut out, "closed");
        }
    }
    std::process::exit(0);
}

fn child(role: &str, dir: &Path) -> Command {
    let mut command = child_process::command(TEST_NAME);
    command.env(ROLE, role).env(DIR, dir);
    command
}

/// Runs a `try` child to its end and returns what it said.
fn try_open(dir: &Path) -> Vec<String> {
    let output = child("try", dir).output().unwrap();
    assert!(output.status.success(), "the child failed: {output:?}");
    said(output.stdout.as_slice()).collect()
}

/// Starts a `hold` child and waits until it holds the database.
fn hold(dir: &Path) -> (Child, impl Iterator<Item = String>) {
    let mut holder = child("hold", dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut said = said(holder.stdout.take().unwrap());
    let first = said.next().expect("the child said nothing");
    assert!(first.starts_with("holding "), "{first}");
    (holder, said)
}

fn assert_locked(result: ferrisdb_storage::Result<StorageEngine>, dir: &Path) {
    match result {
        Err(Error::DatabaseLocked { path }) => assert_eq!(path, dir.join("LOCK")),
        Err(other) => panic!("expected DatabaseLocked, got {other}"),
        Ok(_) => panic!("a second open of a locked database succeeded"),
    }
}

/// Writes, reads, flushes and compacts: everything still works.
fn use_it(db: &StorageEngine, from: usize, to: usize) {
    for i in from..to {
        db.put(format!("key{i:04}"), vec![b'v'; 300]).unwrap();
    }
    db.flush().unwrap();
    db.compact().unwrap();
    for i in 0..to {
        assert_eq!(
            db.get(format!("key{i:04}")).unwrap(),
            Some(vec![b'v'; 300].into()),
            "key{i:04}"
        );
    }
}

/// The two tests run one at a time: a child process the first one spawns
/// holds, between its fork and its exec, a copy of every descriptor the
/// process has open, the second test's LOCK included, and with it the lock.
/// A reopen right after `close` could then find the directory still locked
/// for that instant.
static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

#[test]
fn the_lock_holds_across_processes() {
    child_if_requested();
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();

    // This process holds it: the other is refused, and this one goes on.
    let db = StorageEngine::open(config(dir)).unwrap();
    use_it(&db, 0, 200);
    let files_before = std::fs::read_dir(dir).unwrap().count();
    assert_eq!(
        try_open(dir),
        [format!("locked {}", dir.join("LOCK").display())]
    );
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), files_before);
    use_it(&db, 200, 400);
    assert_eq!(count(&db), 400);
    // A second refusal, after the first one changed nothing.
    assert_eq!(try_open(dir).len(), 1);
    db.put("parent", "still writing").unwrap();
    db.close().unwrap();

    // Closed: the other process opens it and finds every write.
    assert_eq!(try_open(dir), ["opened 401", "closed"]);

    // The other way round: while the other process holds it, this one is
    // refused; once it closes, this one opens and sees its write.
    let (mut holder, mut said) = hold(dir);
    assert_locked(StorageEngine::open(config(dir)), dir);
    assert_locked(StorageEngine::open(config(dir)), dir);
    writeln!(holder.stdin.take().unwrap(), "go").unwrap();
    assert_eq!(said.next().as_deref(), Some("closed"));
    assert!(holder.wait().unwrap().success());
    let db = StorageEngine::open(config(dir)).unwrap();
    assert_eq!(count(&db), 403);
    assert!(db.get("child-try").unwrap().is_some());
    assert!(db.get("child-hold").unwrap().is_some());
    db.close().unwrap();

    // A holder killed with SIGKILL releases the lock with its process.
    let (mut holder, _said) = hold(dir);
    assert_locked(StorageEngine::open(config(dir)), dir);
    holder.kill().unwrap();
    holder.wait().unwrap();
    let db = StorageEngine::open(config(dir)).unwrap();
    assert_eq!(count(&db), 403);
    use_it(&db, 400, 450);
    db.close().unwrap();
}

#[test]
fn a_second_open_in_the_same_process_is_locked() {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|p| p.into_inner());
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = StorageEngine::open(config(dir)).unwrap();
    use_it(&db, 0, 100);
    assert_locked(StorageEngine::open(config(dir)), dir);
    use_it(&db, 100, 200);
    // From another thread too.
    let other = std::thread::scope(|s| s.spawn(|| StorageEngine::open(config(dir))).join());
    assert_locked(other.unwrap(), dir);
    use_it(&db, 200, 300);
    db.close().unwrap();
    let db = StorageEngine::open(config(dir)).unwrap();
    assert_eq!(count(&db), 300);
}
