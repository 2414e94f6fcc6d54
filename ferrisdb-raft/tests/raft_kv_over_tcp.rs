//! `raft-kv` on loopback TCP: three nodes, each on its own database and
//! port, made a cluster through one of them; a client sent to any node is
//! redirected to the leader for writes and linearizable reads and scans;
//! with the leader shut down, the other two elect a leader and serve on.

mod tcp;

use std::time::Duration;
use tcp::{leader, start_cluster, TcpCluster};

use ferrisdb_raft::service::client::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_loopback_cluster_serves_writes_and_reads_and_survives_its_leader() {
    let TcpCluster {
        dir: _dir,
        addrs,
        rafts,
    } = start_cluster().await;
    let (first, _) = leader(&addrs[&2]).await;

    // Any node takes the request: a follower redirects it.
    let follower = if first == 1 { 2 } else { 1 };
    let mut client = Client::new(&addrs[&follower]);
    for i in 0..20 {
        let key = format!("k{i:02}");
        client.write(key.as_bytes(), Some(b"v")).await.unwrap();
    }
    client.write(b"k05", None).await.unwrap();
    assert_eq!(
        client.read(b"k07").await.unwrap().as_deref(),
        Some(&b"v"[..])
    );
    assert_eq!(client.read(b"k05").await.unwrap(), None);
    let (pairs, more) = client.scan(b"k03", Some(b"k08"), 100).await.unwrap();
    let keys: Vec<&[u8]> = pairs.iter().map(|(k, _)| k.as_slice()).collect();
    assert_eq!(keys, [&b"k03"[..], b"k04", b"k06", b"k07"]);
    assert!(!more);

    // The leader goes; the others elect one and serve on.
    rafts[&first].shutdown().await.unwrap();
    let other = (1..=3).find(|&id| id != first).unwrap();
    let (second, _) = loop {
        let known = leader(&addrs[&other]).await;
        if known.0 != first {
            break known;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let mut client = Client::new(&addrs[&other]);
    client.write(b"after", Some(b"failover")).await.unwrap();
    assert_eq!(
        client.read(b"after").await.unwrap().as_deref(),
        Some(&b"failover"[..])
    );
    assert_eq!(
        client.read(b"k07").await.unwrap().as_deref(),
        Some(&b"v"[..])
    );
    assert_ne!(second, first);
    for (id, raft) in rafts {
        if id != first {
            raft.shutdown().await.unwrap();
        }
    }
}
