//! The parent of a crash test (`--crash-test`): it starts this program as a
//! child with the same settings, kills it with SIGKILL at a random moment,
//! and verifies the database after every kill.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::{verify_db, BoxError, StressArgs, Sync};

/// The parent of a crash test: start, kill, verify, `iterations` times.
pub(super) fn crash_test(args: &StressArgs, out: &mut dyn Write) -> Result<bool, BoxError> {
    let exe = std::env::current_exe()?;
    let mut rng = StdRng::seed_from_u64(args.seed());
    let per_round = args.duration / args.iterations.max(1) as f64;
    let (mut operations, mut lost, mut kills) = (0u64, 0u64, 0u64);
    for round in 0..args.iterations {
        let mut child = Command::new(&exe)
            .args(child_args(args, rng.random()))
            .stdout(Stdio::piped())
            .spawn()?;
        let stdout = child.stdout.take().ok_or("no child stdout")?;
        let last = Arc::new(AtomicU64::new(0));
        let reader = {
            let last = Arc::clone(&last);
            std::thread::spawn(move || {
                for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                    if let Some(n) = line.strip_prefix("operations ") {
                        if let Ok(n) = n.trim().parse() {
                            last.store(n, Ordering::Relaxed);
                        }
                    }
                }
            })
        };
        // Kill at a random moment of the round (some right after start-up,
        // during recovery of the previous round's data).
        let wait = per_round * rng.random_range(0.1..1.0);
        std::thread::sleep(Duration::from_secs_f64(wait));
        let killed = child.try_wait()?.is_none();
        if killed {
            child.kill()?; // SIGKILL
            kills += 1;
        }
        let status = child.wait()?;
        let _ = reader.join();
        if !killed && !status.success() {
            return Err(format!("round {round}: the child failed: {status}").into());
        }
        operations += last.load(Ordering::Relaxed);
        let v = verify_db(args)?;
        lost += v.lost;
        let _ = writeln!(
            out,
            "round {round}: killed after {wait:.2}s, {} operations; verified {} keys, {} in-flight \
             kept, {} lost",
            last.load(Ordering::Relaxed),
            v.keys,
            v.in_flight_kept,
            v.lost
        );
        if v.lost > 0 {
            break;
        }
    }
    let _ = writeln!(
        out,
        "crash test: {} iterations, {kills} kills, {operations} operations, lost acknowledged \
         writes: {lost}",
        args.iterations
    );
    Ok(lost == 0)
}

/// The child's command line: this run's settings without `--crash-test`, a
/// long duration (it is killed first), a seed of its own.
fn child_args(args: &StressArgs, seed: u64) -> Vec<String> {
    let mut child = vec![
        "--db".to_string(),
        path_arg(&args.db),
        "--expected".to_string(),
        path_arg(&args.expected_path()),
        "--threads".to_string(),
        args.threads.to_string(),
        "--keys".to_string(),
        args.keys.to_string(),
        "--duration".to_string(),
        "3600".to_string(),
        "--value-size".to_string(),
        args.value_size.to_string(),
        "--memtable-size".to_string(),
        args.memtable_size.to_string(),
        "--seed".to_string(),
        seed.to_string(),
    ];
    if args.sync == Sync::Full {
        child.extend(["--sync".to_string(), "full".to_string()]);
    }
    child
}

fn path_arg(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}
