//! openraft's network for `raft-kv`: each RPC a frame on a TCP connection
//! to the target's address, kept open between RPCs and opened again after
//! an error.

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

/// Makes a node's connections to the others.
#[derive(Debug)]
pub struct Network {
    pub(crate) id: u64,
}

impl RaftNetworkFactory<TypeConfig> for Network {
    type Network = Connection;

    async fn new_client(&mut self, target: u64, node: &BasicNode) -> Connection {
        Connection {
            from: self.id,
            target,
            addr: node.addr.clone(),
            stream: None,
        }
    }
}

/// A connection to one node.
#[derive(Debug)]
pub struct Connection {
    from: u64,
    target: u64,
    addr: String,
    stream: Option<TcpStream>,
}

type RpcError<E = openraft::error::Infallible> = RPCError<u64, BasicNode, RaftError<u64, E>>;

impl Connection {
    /// Sends `message` and returns the reply, within `ttl`; the connection
    /// is dropped on any error, to be opened again by the next RPC.
    async fn call<E: std::error::Error>(
        &mut self,
        message: Message,
        ttl: Duration,
    ) -> Result<Reply, RpcError<E>> {
        let exchange = async {
            if self.stream.is_none() {
                let stream = TcpStream::connect(&self.addr).await?;
                stream.set_nodelay(true)?;
                self.stream = Some(stream);
            }
            let stream = self.stream.as_mut().expect("connected above");
            send(stream, &message).await?;
            receive::<Reply>(stream).await?.ok_or_else(|| {
                std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    "the node closed the connection",
                )
            })
        };
        match tokio::time::timeout(ttl, exchange).await {
            Ok(Ok(reply)) => Ok(reply),
            Ok(Err(e)) => {
                self.stream = None;
                Err(RPCError::Unreachable(Unreachable::new(&e)))
            }
            Err(_) => {
                self.stream = None;
                Err(RPCError::Timeout(Timeout {
                    action: openraft::RPCTypes::AppendEntries,
                    id: self.from,
                    target: self.target,
                    timeout: ttl,
                }))
            }
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
