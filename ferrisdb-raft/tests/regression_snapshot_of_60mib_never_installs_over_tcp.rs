//! Finding of the third review of issue 25: over `raft-kv`'s TCP network
//! a node that must catch up through a snapshot of a map of 60 MiB never
//! does. `service::config` keeps openraft's snapshot defaults: chunks of
//! 3 MiB (`snapshot_max_chunk_size`), each with 200 ms
//! (`install_snapshot_timeout`) to be sent, decoded and written; and in
//! openraft 0.9.25 a chunk that times out ends the whole transfer
//! (`snapshot_transport.rs`: "Don't retry here"), which the replication
//! then begins again from offset 0. With twenty chunks, one of them is
//! always late. The in-process cluster test of a snapshot catch-up has no
//! such timeouts, so only this path shows it.
//!
//! Nodes 1 and 2 take 120 writes of 512 KiB (node 3 is a member but not
//! up), snapshot and purge their logs; node 3 then starts and must apply
//! them within 30 s. Review runs (2-core VM, debug build): with 40 writes
//! (20 MiB) it caught up in 7.7 s; with 120 it had no snapshot after 30 s.
//! (Node 3 applies a few entries first: requests the leader sent into its
//! listener's backlog before it accepted, which is harmless.)
//!
//! Debug builds only, as far as shown: the same test passes in a release
//! build on the same VM (review run; presumably because unoptimised code
//! encodes, copies and checks multi-MiB frames many times slower). `cargo test -p ferrisdb-raft` (the
//! issue's bar) builds debug, and the margin in release is unknown: the
//! timeouts are openraft's defaults, not chosen for `raft-kv`'s largest
//! values, and no test covers large values or a snapshot over TCP.
//!
//! Fixed by `raft-kv`'s own timeouts (`service::config`): 5 s for a snapshot
//! chunk (`install_snapshot_timeout`); it passes in 30 to 55 s, too long for
//! every run.

mod tcp;

use std::time::{Duration, Instant};

use ferrisdb_raft::service::client::Client;
use tcp::{applied, catch_up, start_cluster_but_3};

#[ignore = "slow: 30 to 55 s in a debug build; run with --ignored"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_a_purged_log_catches_up_by_snapshot() {
    let (mut cluster, late) = start_cluster_but_3().await;
    let mut client = Client::new(&cluster.addrs[&1]);
    let value = vec![7u8; 512 << 10];
    let n: u32 = 120;
    for i in 0..n {
        client.write(&i.to_be_bytes(), Some(&value)).await.unwrap();
    }
    let target = applied(&cluster.addrs[&1]).await.unwrap();
    for raft in cluster.rafts.values() {
        raft.trigger().snapshot().await.unwrap();
    }
    for raft in cluster.rafts.values() {
        raft.wait(Some(Duration::from_secs(20)))
            .snapshot(
                openraft::LogId::new(openraft::CommittedLeaderId::new(1, 1), target),
                "snap",
            )
            .await
            .ok();
        raft.trigger().purge_log(target).await.unwrap();
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    for (id, raft) in &cluster.rafts {
        let m = raft.metrics().borrow().clone();
        eprintln!(
            "node {id}: snapshot {:?} purged {:?} leader {:?}",
            m.snapshot, m.purged, m.current_leader
        );
    }
    let started = Instant::now();
    let caught_up = catch_up(&mut cluster, late, target, Duration::from_secs(30)).await;
    eprintln!("caught up {caught_up} after {:?}", started.elapsed());
    let node3 = applied(&cluster.addrs[&3]).await;
    let m = cluster.rafts[&3].metrics().borrow().clone();
    eprintln!("node 3: snapshot {:?} applied {node3:?}", m.snapshot);
    for raft in cluster.rafts.values() {
        raft.shutdown().await.unwrap();
    }
    assert!(
        caught_up,
        "node 3 applied {node3:?} of {target} within 30 s"
    );
}
