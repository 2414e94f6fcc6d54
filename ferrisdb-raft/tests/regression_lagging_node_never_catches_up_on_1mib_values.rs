//! Finding of the third review of issue 25: a node that lags behind
//! entries of moderately large values never catches up over `raft-kv`'s
//! TCP network, although each of those writes committed in time on its
//! own. openraft 0.9.25 gives every AppendEntries the heartbeat interval
//! as its timeout (`replication/mod.rs`: `the_timeout =
//! heartbeat_interval`), 100 ms in `service::config`, and `Connection::call`
//! gives up at that `hard_ttl` too. A lagging node is sent several entries
//! at once; with 1 MiB values such a batch is not encoded, sent, decoded
//! and synced in 100 ms, so it times out, and openraft sends it again,
//! forever. The node stays behind, so the cluster has one node of slack
//! less than it seems: lose another and it commits nothing.
//!
//! Node 3 is a member from the start but comes up only after forty 1 MiB
//! writes committed on nodes 1 and 2; it must then apply them. A review
//! run: node 3 applied 7 of 41 entries in 20 s. With `heartbeat_interval:
//! 2000` (elections 6000..8000) in `service::config`, it passes in about
//! 20 s on the 2-core VM (debug build). The same cause keeps one write of
//! 4 MiB or more from ever committing: `regression_a_large_value_never_commits`.
//!
//! Debug builds only, as far as shown: the same test passes in a release
//! build on the same VM (review run; presumably because unoptimised code
//! encodes, copies and checks multi-MiB frames many times slower). `cargo test -p ferrisdb-raft` (the
//! issue's bar) builds debug, and the margin in release is unknown: the
//! timeouts are openraft's defaults, not chosen for `raft-kv`'s largest
//! values, and no test covers large values or a snapshot over TCP.
//!
//! Fixed by `raft-kv`'s own timeouts (`service::config`): a 500 ms heartbeat,
//! which openraft 0.9 uses as the AppendEntries timeout, so a batch of
//! entries (at most 4 MiB past its first, `MAX_BYTES_PER_READ`) has time to
//! cross; it passes in 30 to 50 s, too long for every run.

mod tcp;

use std::time::Duration;

use ferrisdb_raft::service::client::Client;
use tcp::{applied, catch_up, start_cluster_but_3};

#[ignore = "slow: 30 to 50 s in a debug build; run with --ignored"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_behind_large_values_catches_up() {
    let (mut cluster, late) = start_cluster_but_3().await;
    let mut client = Client::new(&cluster.addrs[&1]);
    let value = vec![7u8; 1 << 20];
    for i in 0..40u8 {
        client.write(&[i], Some(&value)).await.unwrap();
    }
    let target = applied(&cluster.addrs[&1]).await.unwrap();
    let caught_up = catch_up(&mut cluster, late, target, Duration::from_secs(20)).await;
    let node3 = applied(&cluster.addrs[&3]).await;
    for raft in cluster.rafts.values() {
        raft.shutdown().await.unwrap();
    }
    assert!(
        caught_up,
        "node 3 applied {node3:?} of {target} within 20 s"
    );
}
