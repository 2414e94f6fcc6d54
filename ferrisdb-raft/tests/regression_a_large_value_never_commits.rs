//! Finding of the third review of issue 25: over `raft-kv`'s TCP network a
//! write of a large value (allowed: up to `MAX_VALUE_LEN`, almost 16 MiB)
//! may never commit. openraft 0.9.25 gives every AppendEntries that
//! carries entries the heartbeat interval as its timeout
//! (`replication/mod.rs`: `the_timeout = heartbeat_interval`), which
//! `service::config` sets to 100 ms; `Connection::call` gives up at that
//! `hard_ttl` too. Encoding, sending, decoding and syncing a multi-MiB
//! entry on the follower takes longer, so the RPC times out, openraft sends
//! it again, and it times out again, on every follower: the client's write
//! ends with "no commit within 5 s" (or, as leaders change meanwhile, "too
//! many redirects", "no leader known"). Review runs on the 2-core VM, debug
//! build: 1 MiB commits; 4 MiB, 8 MiB and `MAX_VALUE_LEN` never do. With
//! `heartbeat_interval: 2000` (elections 6000..8000) in `service::config`,
//! 4 MiB commits in about 1 s and 16,000,000 bytes in about 5 s. Nothing in
//! `docs/raft.md` warns that values the service accepts cannot be
//! replicated.
//!
//! Debug builds only, as far as shown: the same test passes in a release
//! build on the same VM (review run; presumably because unoptimised code
//! encodes, copies and checks multi-MiB frames many times slower). `cargo test -p ferrisdb-raft` (the
//! issue's bar) builds debug, and the margin in release is unknown: the
//! timeouts are openraft's defaults, not chosen for `raft-kv`'s largest
//! values, and no test covers large values or a snapshot over TCP.
//!
//! The test writes one value of `MAX_VALUE_LEN` to a 3-node loopback
//! cluster, then a small one.
//!
//! Still open with `raft-kv`'s 500 ms heartbeat (the AppendEntries timeout):
//! in a debug build a 16 MiB entry does not cross within it. The lagging
//! node with 1 MiB entries and the 60 MiB snapshot do, since.

mod tcp;

use ferrisdb_raft::service::client::Client;
use ferrisdb_raft::MAX_VALUE_LEN;
use tcp::{leader, start_cluster, TcpCluster};

#[ignore = "finding (debug build): a write of a value near MAX_VALUE_LEN does not commit within 5 s, even with the 500 ms heartbeat"]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_value_of_the_largest_size_commits() {
    let TcpCluster {
        dir: _dir,
        addrs,
        rafts,
    } = start_cluster().await;
    let (_, addr) = leader(&addrs[&1]).await;
    let mut client = Client::new(&addr);
    let large = client
        .write(b"large", Some(&vec![1u8; MAX_VALUE_LEN]))
        .await
        .map(|_| ());
    let small = client.write(b"small", Some(b"v")).await.map(|_| ());
    for (_, raft) in rafts {
        raft.shutdown().await.unwrap();
    }
    large.expect("the largest value commits");
    small.expect("a small write after it commits");
}
