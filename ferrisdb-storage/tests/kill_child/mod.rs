//! A child process that writes until it is killed with SIGKILL, and the
//! parent that kills it and checks every acknowledged write.
//!
//! The test binary is its own child (through `child_process/`): run with
//! `FERRISDB_KILL_CHILD_DIR` set, the calling test writes forever instead,
//! printing each acknowledged key.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use ferrisdb_storage::{StorageConfig, StorageEngine};
use rand::{Rng, SeedableRng};

use super::child_process;

const CHILD_DIR: &str = "FERRISDB_KILL_CHILD_DIR";
const CHILD_START: &str = "FERRISDB_KILL_CHILD_START";

fn value_for(key: &str) -> Vec<u8> {
    format!("value-of-{key}").repeat(3).into_bytes()
}

/// If this process is a child, writes until killed and never returns.
pub fn child_if_requested(config: fn(&Path) -> StorageConfig) {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return;
    };
    let db = StorageEngine::open(config(Path::new(&dir))).expect("child open");
    let start: u64 = std::env::var(CHILD_START).unwrap().parse().unwrap();
    let mut out = std::io::stdout().lock();
    for i in start.. {
        // Keys spread over the key space, so compactions overlap.
        let key = format!("key{:08}-{i}", (i * 7919) % 100_000);
        db.put(&key, value_for(&key)).expect("child put");
        // Printed only after `put` returned: the write is acknowledged.
        writeln!(out, "{key}").unwrap();
        out.flush().unwrap();
    }
}

/// Runs `rounds` children of the test `test_name`, each killed at a random
/// moment, and checks after each that every acknowledged key is present and
/// that `check_dir` accepts the reopened directory.
pub fn kill_rounds(
    test_name: &str,
    rounds: u64,
    config: fn(&Path) -> StorageConfig,
    check_dir: impl Fn(&StorageEngine, &Path),
) {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..rounds {
        let mut child = child_process::command(test_name)
            .env(CHILD_DIR, dir.path())
            .env(CHILD_START, (round * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut lines = BufReader::new(stdout).lines();
        // The kill lands a random time after the first acknowledged write, so
        // a slow open (a long log to replay on a busy machine) cannot make a
        // round kill the child before it wrote anything.
        let mut this_round = 0;
        let mut deadline: Option<Instant> = None;
        while deadline.is_none_or(|d| Instant::now() < d) {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("key") => {
                    acknowledged.push(line);
                    this_round += 1;
                    deadline.get_or_insert_with(|| {
                        Instant::now() + Duration::from_millis(rng.random_range(20..300))
                    });
                }
                Some(_) => {}
                None => break,
            }
        }
        child.kill().unwrap(); // SIGKILL on Unix
        child.wait().unwrap();
        // Lines already in the pipe were acknowledged too.
        for line in lines.map_while(Result::ok) {
            if line.starts_with("key") {
                acknowledged.push(line);
                this_round += 1;
            }
        }
        assert!(
            this_round > 0,
            "round {round}: the child acknowledged nothing"
        );

        let db = StorageEngine::open(config(dir.path())).unwrap();
        // Every key acknowledged so far, a check that grows with each round:
        // two threads read half each, so it uses both of CI's cores.
        std::thread::scope(|s| {
            for half in acknowledged.chunks(acknowledged.len().div_ceil(2)) {
                let db = &db;
                s.spawn(move || {
                    for key in half {
                        assert_eq!(
                            db.get(key).unwrap().as_deref(),
                            Some(&value_for(key)[..]),
                            "round {round}: lost {key}"
                        );
                    }
                });
            }
        });
        check_dir(&db, dir.path());
        db.close().unwrap();
    }
}
