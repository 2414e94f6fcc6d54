//! The node side of `raft-kv`: answers each frame of a connection, the
//! other nodes' RPCs and the clients' requests. Writes go through the log;
//! reads first confirm the leadership with a quorum and wait until the map
//! applied that far (openraft's read index, shared by the reads that wait
//! at one time: [`ReadIndex`]).

use std::ops::Bound;
use std::sync::Arc;
use std::time::Duration;

use openraft::error::{ClientWriteError, RaftError};
use tokio::net::{TcpListener, TcpStream};

use super::read_index::ReadIndex;
use super::wire::{receive, send, Message, Reply, MAX_FRAME_LEN};
use super::Raft;
use crate::{StateMachine, MAX_KEY_LEN, MAX_VALUE_LEN, PAIR_OVERHEAD};

/// How long a write waits for its commit before the node answers that its
/// outcome is unknown: a leader cut off from its quorum commits nothing.
pub const WRITE_DEADLINE: Duration = Duration::from_secs(5);

/// How long a read or a scan waits for a quorum to confirm the leadership
/// (and the map to apply that far) before the node answers that it could
/// not: a leader cut off from its quorum confirms nothing.
pub const READ_DEADLINE: Duration = Duration::from_secs(5);

/// The most voters a `raft-kv` cluster has. Its client follows `NotLeader`
/// for a write, also the one a node answers when it truncated the write's
/// entry; such an entry never commits with up to four voters, but may with
/// five (see `docs/raft.md`, "Cluster tests"), and the write would then
/// take effect twice.
pub const MAX_VOTERS: usize = 4;

/// The most a scan's reply holds, counted as
/// [`StateMachine::scan`] counts (beyond its first pair, which comes
/// whatever its size): with the largest pair, it fits in a frame.
pub const SCAN_REPLY_BYTES: usize = 8 << 20;

const _: () = assert!(
    SCAN_REPLY_BYTES + MAX_KEY_LEN + MAX_VALUE_LEN + PAIR_OVERHEAD + 64 <= MAX_FRAME_LEN,
    "a scan's reply fits in a frame"
);

/// Serves the connections `listener` accepts, each on a task, until the
/// process ends.
///
/// # Errors
///
/// The listener's error.
pub async fn serve(listener: TcpListener, raft: Raft, sm: StateMachine) -> std::io::Result<()> {
    let node = Arc::new(Node {
        reads: ReadIndex::new(raft.clone()),
        raft,
        sm,
    });
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let node = Arc::clone(&node);
        tokio::spawn(async move {
            // A connection that fails ends; its peer opens another.
            let _ = connection(stream, &node).await;
        });
    }
}

/// What a connection answers with.
struct Node {
    raft: Raft,
    sm: StateMachine,
    reads: ReadIndex,
}

/// Answers the frames of one connection until it closes.
async fn connection(mut stream: TcpStream, node: &Node) -> std::io::Result<()> {
    while let Some(message) = receive::<Message>(&mut stream).await? {
        let reply = answer(message, node).await;
        send(&mut stream, &reply).await?;
    }
    Ok(())
}

/// The leader `raft` knows, with its address, for a redirect.
fn leader_of(raft: &Raft) -> Option<(u64, String)> {
    let metrics = raft.metrics().borrow().clone();
    let id = metrics.current_leader?;
    let node = metrics
        .membership_config
        .membership()
        .get_node(&id)?
        .clone();
    Some((id, node.addr))
}

/// The reply to a client request that failed with `e`.
fn failed<E: std::fmt::Display>(raft: &Raft, e: &RaftError<u64, E>, forward: bool) -> Reply {
    if forward {
        Reply::NotLeader(leader_of(raft))
    } else {
        Reply::Failed(e.to_string())
    }
}

/// Waits until a read that arrived now may be answered from the map (the
/// shared read index), or answers why not: not the leader (a redirect), or
/// no quorum within [`READ_DEADLINE`].
async fn confirm(node: &Node) -> Result<(), Reply> {
    match tokio::time::timeout(READ_DEADLINE, node.reads.ensure()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => {
            let forward = e.forward_to_leader().is_some();
            Err(failed(&node.raft, &e, forward))
        }
        Err(_) => Err(Reply::Failed(format!(
            "the leadership was not confirmed within {} s (is a quorum reachable?)",
            READ_DEADLINE.as_secs()
        ))),
    }
}

async fn answer(message: Message, node: &Node) -> Reply {
    let (raft, sm) = (&node.raft, &node.sm);
    match message {
        Message::AppendEntries(rpc) => Reply::AppendEntries(raft.append_entries(rpc).await),
        Message::Vote(rpc) => Reply::Vote(raft.vote(rpc).await),
        Message::InstallSnapshot(rpc) => Reply::InstallSnapshot(raft.install_snapshot(rpc).await),
        Message::Write(request) => {
            if let Err(e) = request.check() {
                return Reply::Failed(e.to_string());
            }
            let write = tokio::time::timeout(WRITE_DEADLINE, raft.client_write(request));
            match write.await {
                Err(_) => Reply::Failed(format!(
                    "no commit within {} s (is a quorum reachable?): the write may still take \
                     effect, or not",
                    WRITE_DEADLINE.as_secs()
                )),
                Ok(Ok(response)) => Reply::Written(response.data),
                Ok(Err(e)) => {
                    let forward =
                        matches!(e, RaftError::APIError(ClientWriteError::ForwardToLeader(_)));
                    failed(raft, &e, forward)
                }
            }
        }
        Message::Read(key) => match confirm(node).await {
            Ok(()) => match sm.get(&key) {
                Ok(value) => Reply::Value(value),
                Err(e) => Reply::Failed(e.to_string()),
            },
            Err(reply) => reply,
        },
        Message::Scan { start, end, limit } => match confirm(node).await {
            Ok(()) => {
                let end = end.map_or(Bound::Unbounded, Bound::Excluded);
                match sm.scan((Bound::Included(start), end), limit, SCAN_REPLY_BYTES) {
                    Ok((pairs, more)) => Reply::Pairs { pairs, more },
                    Err(e) => Reply::Failed(e.to_string()),
                }
            }
            Err(reply) => reply,
        },
        Message::Initialize(members) if members.len() > MAX_VOTERS => Reply::Failed(format!(
            "{} members: a raft-kv cluster has at most {MAX_VOTERS} (a client retries a write \
             whose entry a node truncated, which with five voters or more could still commit)",
            members.len()
        )),
        Message::Initialize(members) => match raft.initialize(members).await {
            Ok(()) => Reply::Initialized,
            Err(e) => Reply::Failed(e.to_string()),
        },
        Message::Status => {
            let metrics = raft.metrics().borrow().clone();
            Reply::Status {
                id: metrics.id,
                leader: leader_of(raft),
                term: metrics.current_term,
                applied: metrics.last_applied.map(|id| id.index),
            }
        }
    }
}
