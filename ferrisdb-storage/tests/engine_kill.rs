//! A child process writes and is killed with SIGKILL at a random moment; every
//! write it acknowledged must be there after reopen.
//!
//! The test binary is its own child: run with `FERRISDB_KILL_CHILD_DIR` set,
//! the test below writes forever, printing each acknowledged key.

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ferrisdb_storage::{StorageConfig, StorageEngine, SyncMode};
use rand::{Rng, SeedableRng};

const CHILD_ENV: &str = "FERRISDB_KILL_CHILD_DIR";

fn config(dir: &str) -> StorageConfig {
    StorageConfig {
        wal_sync_mode: SyncMode::Normal,
        // Small MemTables, so kills also land during flushes.
        memtable_size: 32 << 10,
        ..StorageConfig::new(dir)
    }
}

fn value_for(key: &str) -> Vec<u8> {
    format!("value-of-{key}").repeat(3).into_bytes()
}

/// The child's side: write until killed.
fn child(dir: &str) {
    let db = StorageEngine::open(config(dir)).expect("child open");
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let start: u64 = std::env::var("FERRISDB_KILL_CHILD_START")
        .unwrap()
        .parse()
        .unwrap();
    for i in start.. {
        let key = format!("key{i:08}");
        db.put(&key, value_for(&key)).expect("child put");
        // Printed only after `put` returned: the write is acknowledged.
        writeln!(out, "{key}").unwrap();
        out.flush().unwrap();
    }
}

#[test]
fn acknowledged_writes_survive_sigkill() {
    if let Ok(dir) = std::env::var(CHILD_ENV) {
        child(&dir);
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let dir_str = dir.path().to_str().unwrap().to_owned();
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    let mut acknowledged: Vec<String> = Vec::new();
    for round in 0..20u64 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "acknowledged_writes_survive_sigkill",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &dir_str)
            .env("FERRISDB_KILL_CHILD_START", (round * 1_000_000).to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let deadline = Instant::now() + Duration::from_millis(rng.random_range(50..400));
        let mut lines = BufReader::new(stdout).lines();
        let mut this_round = 0;
        while Instant::now() < deadline {
            match lines.next() {
                Some(Ok(line)) if line.starts_with("key") => {
                    acknowledged.push(line);
                    this_round += 1;
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

        let db = StorageEngine::open(config(&dir_str)).unwrap();
        for key in &acknowledged {
            assert_eq!(
                db.get(key).unwrap(),
                Some(value_for(key)),
                "round {round}: lost {key}"
            );
        }
        db.close().unwrap();
    }
}
