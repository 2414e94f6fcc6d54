//! The router network of the cluster tests: RPCs are calls on the target's
//! `Raft`, in process, unless the test cut the link. A cut link drops the
//! request (the target never sees it), and a link cut in the other
//! direction drops the response (the target acted on the request, the
//! sender hears nothing): both as openraft's `Unreachable`. A lossy
//! network drops a share of the requests and of the responses on every
//! link, at random.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};

use ferrisdb_raft::TypeConfig;
use openraft::error::{InstallSnapshotError, RPCError, RaftError, RemoteError, Unreachable};
use openraft::network::{RPCOption, RaftNetwork, RaftNetworkFactory};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::Raft;

/// The nodes and the cut links, shared by every connection.
#[derive(Clone, Default)]
pub struct Router {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    nodes: BTreeMap<u64, Raft>,
    /// Links `(from, to)` that drop what is sent on them.
    cut: BTreeSet<(u64, u64)>,
    /// The share of messages lost on every link, in thousandths, and the
    /// draws that pick them.
    loss: u32,
    draws: Option<StdRng>,
}

impl State {
    /// Whether the message from `from` to `to` is dropped.
    fn drops(&mut self, from: u64, to: u64) -> bool {
        if self.cut.contains(&(from, to)) {
            return true;
        }
        let loss = self.loss;
        (self.draws.as_mut()).is_some_and(|draws| draws.random_range(0..1000) < loss)
    }
}

/// The error of a message the network dropped.
#[derive(Debug)]
struct Dropped(u64, u64);

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the network dropped a message from node {} to node {}",
            self.0, self.1
        )
    }
}

impl std::error::Error for Dropped {}

impl Router {
    pub fn add(&self, id: u64, raft: Raft) {
        self.state.lock().unwrap().nodes.insert(id, raft);
    }

    pub fn remove(&self, id: u64) {
        self.state.lock().unwrap().nodes.remove(&id);
    }

    /// Cuts every link between `group` and the other nodes, both ways.
    pub fn isolate(&self, group: &[u64], all: &[u64]) {
        let mut state = self.state.lock().unwrap();
        for &a in group {
            for &b in all.iter().filter(|b| !group.contains(b)) {
                state.cut.insert((a, b));
                state.cut.insert((b, a));
            }
        }
    }

    /// Restores every link.
    pub fn heal(&self) {
        self.state.lock().unwrap().cut.clear();
    }

    /// Drops `per_mille` thousandths of the messages on every link (0: none),
    /// drawn from `seed`.
    pub fn lose(&self, per_mille: u32, seed: u64) {
        let mut state = self.state.lock().unwrap();
        state.loss = per_mille;
        state.draws = Some(StdRng::seed_from_u64(seed));
    }

    /// The target of a message from `from` to `to`, unless the link is cut
    /// or the target is down.
    fn target(&self, from: u64, to: u64) -> Result<Raft, Unreachable> {
        let mut state = self.state.lock().unwrap();
        if state.drops(from, to) {
            return Err(Unreachable::new(&Dropped(from, to)));
        }
        (state.nodes.get(&to).cloned()).ok_or_else(|| Unreachable::new(&Dropped(from, to)))
    }

    /// Whether the response of `to` to `from` gets through.
    fn answer(&self, from: u64, to: u64) -> Result<(), Unreachable> {
        let mut state = self.state.lock().unwrap();
        match state.drops(to, from) {
            true => Err(Unreachable::new(&Dropped(to, from))),
            false => Ok(()),
        }
    }

    /// The connection factory of node `from`.
    pub fn factory(&self, from: u64) -> Factory {
        Factory {
            router: self.clone(),
            from,
        }
    }
}

/// Makes node `from`'s connections.
pub struct Factory {
    router: Router,
    from: u64,
}

impl RaftNetworkFactory<TypeConfig> for Factory {
    type Network = Connection;

    async fn new_client(&mut self, target: u64, _node: &BasicNode) -> Connection {
        Connection {
            router: self.router.clone(),
            from: self.from,
            to: target,
        }
    }
}

/// Node `from`'s connection to node `to`.
pub struct Connection {
    router: Router,
    from: u64,
    to: u64,
}

type RpcResult<T, E = openraft::error::Infallible> =
    Result<T, RPCError<u64, BasicNode, RaftError<u64, E>>>;

impl Connection {
    /// Delivers a request through `call` on the target, and its answer
    /// back, as the links allow.
    async fn deliver<T, E, F>(&self, call: impl FnOnce(Raft) -> F) -> RpcResult<T, E>
    where
        F: std::future::Future<Output = Result<T, RaftError<u64, E>>>,
        E: std::error::Error,
    {
        let raft = self.router.target(self.from, self.to)?;
        let answer = call(raft).await;
        self.router.answer(self.from, self.to)?;
        answer.map_err(|e| RPCError::RemoteError(RemoteError::new(self.to, e)))
    }
}

impl RaftNetwork<TypeConfig> for Connection {
    async fn append_entries(
        &mut self,
        rpc: AppendEntriesRequest<TypeConfig>,
        _option: RPCOption,
    ) -> RpcResult<AppendEntriesResponse<u64>> {
        self.deliver(|raft| async move { raft.append_entries(rpc).await })
            .await
    }

    async fn install_snapshot(
        &mut self,
        rpc: InstallSnapshotRequest<TypeConfig>,
        _option: RPCOption,
    ) -> RpcResult<InstallSnapshotResponse<u64>, InstallSnapshotError> {
        self.deliver(|raft| async move { raft.install_snapshot(rpc).await })
            .await
    }

    async fn vote(
        &mut self,
        rpc: VoteRequest<u64>,
        _option: RPCOption,
    ) -> RpcResult<VoteResponse<u64>> {
        self.deliver(|raft| async move { raft.vote(rpc).await })
            .await
    }
}
