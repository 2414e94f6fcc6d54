//! openraft's network for `raft-kv`: each RPC a frame on a TCP connection
//! to the target's address. Connections outlive openraft's clients: a
//! client's connection goes back to a pool of idle ones when openraft drops
//! the client, and the next client to that node takes it, because openraft
//! makes a client per leadership round of a read (a connection per round
//! would cost a handshake per round and leave a socket in `TIME_WAIT` for
//! each, which between hosts runs out of ports within seconds).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use openraft::error::{
    InstallSnapshotError, NetworkError, RPCError, RaftError, RemoteError, Timeout, Unreachable,
};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use tokio::net::TcpStream;

use super::wire::{receive, send, Message, Reply};
use crate::TypeConfig;

/// The most idle connections kept to one node: more than the RPCs openraft
/// has in flight to a node at once (replication, a heartbeat round, a vote).
const MAX_IDLE_PER_NODE: usize = 4;

/// Idle connections, by the address of the node they reach.
type Pool = Arc<Mutex<HashMap<String, Vec<TcpStream>>>>;

/// Makes a node's connections to the others.
#[derive(Debug)]
pub struct Network {
    id: u64,
    idle: Pool,
}

impl Network {
    /// The network of node `id`.
    pub fn new(id: u64) -> Network {
        Network {
            id,
            idle: Pool::default(),
        }
    }
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Connection;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Connection {
        Connection {
            from: self.id,
            target,
            addr: node.addr.clone(),
            stream: None,
            idle: Arc::clone(&self.idle),
        }
    }
}

/// A connection to one node.
#[derive(Debug)]
pub struct Connection {
    from: u64,
    target: u64,
    addr: String,
    /// Open, with no request on it, after a successful RPC; none after an
    /// error, and while an RPC is on it.
    stream: Option<TcpStream>,
    idle: Pool,
}

impl Drop for Connection {
    /// Hands the stream, if it is still good, to the next client.
    fn drop(&mut self) {
        if let Some(stream) = self.stream.take() {
            let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
            let streams = idle.entry(self.addr.clone()).or_default();
            if streams.len() < MAX_IDLE_PER_NODE {
                streams.push(stream);
            }
        }
    }
}

type RpcError<E = openraft::error::Infallible> = RPCError<u64, BasicNode, RaftError<u64, E>>;

impl Connection {
    /// An idle connection to this node, if the pool has one.
    fn take_idle(&self) -> Option<TcpStream> {
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        idle.get_mut(&self.addr).and_then(Vec::pop)
    }

    /// Sends `message` and returns the reply, within `ttl`; the connection
    /// is closed on any error, and another opened by the next RPC. A
    /// connection that was open before this RPC may have been closed by
    /// the other side meanwhile (it restarted, say): if it fails, the RPC
    /// is sent once more on a new one. Raft's RPCs bear being received
    /// twice.
    async fn call<E: std::error::Error>(
        &mut self,
        message: Message,
        ttl: Duration,
    ) -> Result<Reply, RpcError<E>> {
        let exchange = async {
            // The stream is out of `self` while a request is on it: if this
            // future is dropped midway (a timeout, openraft giving up on the
            // RPC), the stream goes with it, and no later request can read
            // this one's reply.
            let mut reused = self.stream.take().or_else(|| self.take_idle());
            loop {
                let retry = reused.is_some();
                let mut stream = match reused.take() {
                    Some(stream) => stream,
                    None => {
                        let stream = TcpStream::connect(&self.addr).await?;
                        stream.set_nodelay(true)?;
                        stream
                    }
                };
                let reply = async {
                    send(&mut stream, &message).await?;
                    receive::<Reply>(&mut stream).await?.ok_or_else(|| {
                        std::io::Error::new(
                            std::io::ErrorKind::UnexpectedEof,
                            "the node closed the connection",
                        )
                    })
                };
                match reply.await {
                    Ok(reply) => {
                        self.stream = Some(stream);
                        return Ok(reply);
                    }
                    // Once more, on a new connection, unless the request
                    // itself is at fault.
                    Err(e) if retry && e.kind() != std::io::ErrorKind::InvalidInput => {}
                    Err(e) => return Err(e),
                }
            }
        };
        match tokio::time::timeout(ttl, exchange).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => Err(RPCError::Unreachable(Unreachable::new(&e))),
            Err(_) => Err(RPCError::Timeout(Timeout {
                action: openraft::RPCTypes::AppendEntries,
                id: self.from,
                target: self.target,
                timeout: ttl,
            })),
        }
    }

    /// The error of a reply of the wrong kind.
    fn unexpected<E: std::error::Error>(reply: &Reply) -> RpcError<E> {
        let e = std::io::Error::other(format!("unexpected reply {reply:?}"));
        RPCError::Network(NetworkError::new(&e))
    }
}

impl RaftNetwork<TypeConfig> for Connection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<AppendEntriesResponse<u64>, RpcError> {
        match self
            .call(Message::AppendEntries(rpc), option.hard_ttl())
            .await?
        {
            Reply::AppendEntries(r) => {
                r.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
            }
            other => Err(Self::unexpected(&other)),
        }
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        option: RPCOption,
    ) -> Result<InstallSnapshotResponse<u64>, RpcError<InstallSnapshotError>> {
        match self
            .call(Message::InstallSnapshot(rpc), option.hard_ttl())
            .await?
        {
            Reply::InstallSnapshot(r) => {
                r.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
            }
            other => Err(Self::unexpected(&other)),
        }
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        option: RPCOption,
    ) -> Result<VoteResponse<u64>, RpcError> {
        match self.call(Message::Vote(rpc), option.hard_ttl()).await? {
            Reply::Vote(r) => {
                r.map_err(|e| RPCError::RemoteError(RemoteError::new(self.target, e)))
            }
            other => Err(Self::unexpected(&other)),
        }
    }
}
