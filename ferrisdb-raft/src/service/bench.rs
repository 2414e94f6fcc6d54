//! The throughput of a `raft-kv` cluster, and of one FerrisDB on the same
//! workload, for `raft-kv bench`: `clients` clients (tasks, or threads for
//! the database) for `seconds`, each writing 16-byte keys and 100-byte
//! values, or reading them back; writes are durable in both (through the
//! log's synced append on a majority; `WriteOptions::durable` alone).

use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use ferrisdb_storage::{StorageConfig, StorageEngine, WriteOptions};

use super::client::Client;

/// What a run measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Workload {
    /// Writes of new keys.
    Write,
    /// Linearizable reads of the keys a write run left.
    Read,
}

/// The key of client `client`'s `n`th write.
fn key(client: u64, n: u64) -> Vec<u8> {
    format!("bench-{client:04}-{n:08}").into_bytes()
}

const VALUE: [u8; 100] = [b'v'; 100];

/// Operations per second of `clients` clients of the cluster at `addr`
/// for `seconds`. A read run reads the keys a write run of as many clients
/// wrote (the first 1000 of each client, round and round).
///
/// # Errors
///
/// A client's error.
pub async fn cluster(
    addr: &str,
    clients: u64,
    seconds: f64,
    workload: Workload,
) -> std::io::Result<f64> {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (stop, done, addr) = (Arc::clone(&stop), Arc::clone(&done), addr.to_owned());
        tasks.push(tokio::spawn(async move {
            let mut client = Client::new(addr);
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                match workload {
                    Workload::Write => {
                        client.write(&key(c, n), Some(&VALUE)).await?;
                    }
                    Workload::Read => {
                        client.read(&key(c, n % 1000)).await?;
                    }
                }
                n += 1;
                done.fetch_add(1, Ordering::Relaxed);
            }
            Ok::<_, std::io::Error>(())
        }));
    }
    let start = Instant::now();
    tokio::time::sleep(Duration::from_secs_f64(seconds)).await;
    stop.store(true, Ordering::Relaxed);
    let ops = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    for task in tasks {
        task.await.map_err(std::io::Error::other)??;
    }
    Ok(ops as f64 / elapsed)
}

/// Operations per second of `clients` threads on one FerrisDB in `dir`
/// (its defaults) for `seconds`, writing durably or reading what a write
/// run left.
///
/// # Errors
///
/// The database's error.
pub fn local(
    dir: &Path,
    clients: u64,
    seconds: f64,
    workload: Workload,
) -> ferrisdb_storage::Result<f64> {
    let db = StorageEngine::open(StorageConfig::new(dir))?;
    let stop = AtomicBool::new(false);
    let done = AtomicU64::new(0);
    let start = Instant::now();
    let result = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..clients)
            .map(|c| {
                let (db, stop, done) = (&db, &stop, &done);
                scope.spawn(move || {
                    let mut n = 0;
                    while !stop.load(Ordering::Relaxed) {
                        match workload {
                            Workload::Write => {
                                let mut batch = ferrisdb_storage::WriteBatch::new();
                                batch.put(key(c, n), VALUE);
                                db.write_opt(batch, &WriteOptions::durable())?;
                            }
                            Workload::Read => {
                                db.get(key(c, n % 1000))?;
                            }
                        }
                        n += 1;
                        done.fetch_add(1, Ordering::Relaxed);
                    }
                    Ok::<_, ferrisdb_storage::Error>(())
                })
            })
            .collect();
        std::thread::sleep(Duration::from_secs_f64(seconds));
        stop.store(true, Ordering::Relaxed);
        threads
            .into_iter()
            .map(|t| t.join().expect("a bench thread panicked"))
            .collect::<ferrisdb_storage::Result<Vec<()>>>()
    });
    let ops = done.load(Ordering::Relaxed);
    let elapsed = start.elapsed().as_secs_f64();
    result?;
    db.close()?;
    Ok(ops as f64 / elapsed)
}
