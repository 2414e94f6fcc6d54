//! `raft-kv`: a replicated key-value service on FerrisDB, its nodes
//! talking over TCP. A node is a [`Raft`] on a [`LogStore`] and a
//! [`StateMachine`] in one database; [`server`] answers the other nodes'
//! RPCs ([`network`] sends them) and the clients ([`client`]), in frames of
//! [`wire`].

pub mod bench;
pub mod client;
pub mod network;
pub mod read_index;
pub mod server;
pub mod wire;

use std::path::Path;
use std::sync::Arc;

use ferrisdb_storage::{StorageConfig, StorageEngine};
use tokio::net::TcpListener;

use crate::{LogStore, StateMachine, TypeConfig};

/// A node's Raft.
pub type Raft = openraft::Raft<TypeConfig>;

/// The Raft settings of a `raft-kv` node on a local network. openraft 0.9
/// gives each AppendEntries the heartbeat interval as its timeout, so the
/// heartbeat is long enough (500 ms) for a batch of entries (at most 4 MiB
/// past its first, `MAX_BYTES_PER_READ`) to cross and be synced; elections
/// wait four to eight heartbeats; a snapshot chunk (3 MiB) has 5 s.
///
/// # Panics
///
/// Never: the settings are valid.
pub fn config() -> Arc<openraft::Config> {
    let config = openraft::Config {
        cluster_name: "raft-kv".into(),
        heartbeat_interval: 500,
        election_timeout_min: 2000,
        election_timeout_max: 4000,
        install_snapshot_timeout: 5000,
        ..openraft::Config::default()
    };
    Arc::new(config.validate().expect("valid settings"))
}

/// Runs node `id` on the database in `dir`, serving on `listen`, until the
/// node stops.
///
/// # Errors
///
/// The database's, the store's or the listener's error; the node's fatal
/// error (a failed disk, say) if it stops on one.
pub async fn run_node(id: u64, dir: &Path, listen: &str) -> Result<(), Box<dyn std::error::Error>> {
    let listener = TcpListener::bind(listen).await?;
    let raft = start_node(id, dir, listener).await?;
    let metrics = (raft.wait(None))
        .state(openraft::ServerState::Shutdown, "the node runs")
        .await?;
    match metrics.running_state {
        Ok(()) | Err(openraft::error::Fatal::Stopped) => Ok(()),
        Err(fatal) => Err(format!("node {id} stopped: {fatal}").into()),
    }
}

/// Starts node `id` on the database in `dir`, serving what `listener`
/// accepts on a task of its own; returns its Raft (to shut it down).
///
/// # Errors
///
/// The database's or the store's error.
pub async fn start_node(
    id: u64,
    dir: &Path,
    listener: TcpListener,
) -> Result<Raft, Box<dyn std::error::Error>> {
    let db = StorageEngine::open(StorageConfig::new(dir))?;
    let log = LogStore::open(&db)?;
    let sm = StateMachine::open(&db)?;
    let raft = Raft::new(id, config(), network::Network::new(id), log, sm.clone()).await?;
    tokio::spawn(server::serve(listener, raft.clone(), sm));
    Ok(raft)
}
