//! Finding of the review of issue 25: every leadership round of the read
//! index opens a new TCP connection to every follower, and closes it.
//!
//! openraft 0.9 confirms a read's leadership
//! (`handle_check_is_leader_request`) with heartbeats sent through a
//! *fresh* `RaftNetworkFactory::new_client` per round, and `raft-kv`'s
//! `service::network::Network::new_client` returns a `Connection` with no
//! stream, which connects on its first RPC and is dropped with the round.
//! So a round costs a TCP handshake and a close per follower, and leaves a
//! socket in TIME_WAIT on the leader for each (60 s on Linux). A review run
//! of 16 clients reading for 8 s (79,424 reads) left 15,246 sockets in TIME_WAIT. On
//! loopback Linux reuses them (`tcp_tw_reuse = 2`); between hosts it does
//! not by default, and at that rate the leader runs out of its ~28,000
//! ephemeral ports to a follower in about 15 s, after which every round
//! fails to connect and every read is refused. Fixed: the factory keeps a
//! pool of idle streams per node, which the rounds' connections take and
//! give back.
//!
//! The test reads 200 times, one at a time (so one round a read), and
//! counts the leader's sockets in TIME_WAIT towards the followers' ports:
//! a connection kept open would leave none.

mod tcp;

use tcp::{leader, start_cluster, TcpCluster};

use ferrisdb_raft::service::client::Client;

/// The sockets in TIME_WAIT whose remote port is one of `ports`, from
/// `/proc/net/tcp` (Linux; state `06`).
fn time_wait_to(ports: &[u16]) -> usize {
    let table = std::fs::read_to_string("/proc/net/tcp").expect("Linux's /proc/net/tcp");
    table
        .lines()
        .skip(1)
        .filter(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            let remote_port = fields[2].rsplit(':').next().unwrap();
            let port = u16::from_str_radix(remote_port, 16).unwrap();
            fields[3] == "06" && ports.contains(&port)
        })
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_rounds_reuse_the_connections_to_the_followers() {
    let TcpCluster {
        dir: _dir,
        addrs,
        rafts,
    } = start_cluster().await;
    let (first, addr) = leader(&addrs[&1]).await;
    let followers: Vec<u16> = (addrs.iter())
        .filter(|(&id, _)| id != first)
        .map(|(_, a)| a.rsplit(':').next().unwrap().parse().unwrap())
        .collect();
    let mut client = Client::new(&addr);
    client.write(b"k", Some(b"v")).await.unwrap();
    let before = time_wait_to(&followers);
    for _ in 0..200 {
        assert_eq!(client.read(b"k").await.unwrap().as_deref(), Some(&b"v"[..]));
    }
    let opened = time_wait_to(&followers).saturating_sub(before);
    for (_, raft) in rafts {
        raft.shutdown().await.unwrap();
    }
    assert!(
        opened < 20,
        "200 reads left {opened} closed connections from the leader to its followers"
    );
}
