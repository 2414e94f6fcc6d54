//! The messages of `raft-kv` on the wire, between nodes (openraft's RPCs)
//! and from clients, and their framing: a 4-byte big-endian length, then
//! the message in postcard. A frame's length is a trust boundary: one above
//! [`MAX_FRAME_LEN`] is an error before anything is allocated.

use std::collections::BTreeMap;
use std::io;

use openraft::error::{InstallSnapshotError, RaftError};
use openraft::raft::{
    AppendEntriesRequest, AppendEntriesResponse, InstallSnapshotRequest, InstallSnapshotResponse,
    VoteRequest, VoteResponse,
};
use openraft::BasicNode;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::{Pair, Request, Response, TypeConfig};

/// The longest frame a peer may send: a log entry (16 MiB at most) and
/// its framing, or a snapshot chunk.
pub const MAX_FRAME_LEN: usize = 32 << 20;

/// What a node is asked.
#[derive(Debug, Serialize, Deserialize)]
pub enum Message {
    /// openraft's RPCs, from another node: entries to append (a heartbeat
    /// when empty), ...
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    /// ... a candidate's request for this node's vote, ...
    Vote(VoteRequest<u64>),
    /// ... and a chunk of the leader's snapshot, for a node too far behind
    /// for the log.
    InstallSnapshot(InstallSnapshotRequest<TypeConfig>),
    /// A client's write, through the log.
    Write(Request),
    /// A client's linearizable read of a key.
    Read(Vec<u8>),
    /// A client's linearizable read of the keys in `start..end` (to the
    /// end if `None`), at most `limit` of them.
    Scan {
        /// The first key of the range (included).
        start: Vec<u8>,
        /// The end of the range (excluded); `None`: no end.
        end: Option<Vec<u8>>,
        /// The most pairs the reply holds.
        limit: usize,
    },
    /// Makes the cluster of `members` (on a node never initialized).
    Initialize(BTreeMap<u64, BasicNode>),
    /// The node's view of the cluster.
    Status,
}

/// What a node answers.
#[derive(Debug, Serialize, Deserialize)]
pub enum Reply {
    /// openraft's answer to [`Message::AppendEntries`], ...
    AppendEntries(Result<AppendEntriesResponse<u64>, RaftError<u64>>),
    /// ... to [`Message::Vote`] ...
    Vote(Result<VoteResponse<u64>, RaftError<u64>>),
    /// ... and to [`Message::InstallSnapshot`].
    InstallSnapshot(Result<InstallSnapshotResponse<u64>, RaftError<u64, InstallSnapshotError>>),
    /// A [`Message::Write`] is committed and applied: what the state machine
    /// answered.
    Written(Response),
    /// The value of the key of a [`Message::Read`]; `None`: absent.
    Value(Option<Vec<u8>>),
    /// The pairs of a scan, and whether the reply filled up
    /// ([`SCAN_REPLY_BYTES`](super::server::SCAN_REPLY_BYTES)) with pairs
    /// left in the range.
    Pairs {
        /// The pairs, in key order.
        pairs: Vec<Pair>,
        /// Whether the reply filled up with pairs of the range left past
        /// its last key (`false` when `limit` stopped it): scan again
        /// after that key.
        more: bool,
    },
    /// The cluster of a [`Message::Initialize`] is made.
    Initialized,
    /// The node's id, the leader it knows and its address, its term and
    /// last applied index.
    Status {
        /// The node's id.
        id: u64,
        /// The leader's id and address, if the node knows one.
        leader: Option<(u64, String)>,
        /// The node's current term.
        term: u64,
        /// The index of the last log entry it applied; `None` before any.
        applied: Option<u64>,
    },
    /// Not the leader: ask this one, if known.
    NotLeader(Option<(u64, String)>),
    /// The request failed: why.
    Failed(String),
}

/// Sends `message` as one frame.
///
/// # Errors
///
/// The stream's error; `InvalidInput` for a message over [`MAX_FRAME_LEN`].
pub async fn send<T: Serialize>(stream: &mut TcpStream, message: &T) -> io::Result<()> {
    let bytes = postcard::to_stdvec(message).map_err(io::Error::other)?;
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&len| len as usize <= MAX_FRAME_LEN)
        .ok_or_else(|| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("a message of {} bytes is over {MAX_FRAME_LEN}", bytes.len()),
            )
        })?;
    stream.write_all(&len.to_be_bytes()).await?;
    stream.write_all(&bytes).await?;
    stream.flush().await
}

/// Receives one frame; `None` if the peer closed the stream between
/// frames.
///
/// # Errors
///
/// The stream's error; `InvalidData` for a frame over [`MAX_FRAME_LEN`] or
/// one that does not decode.
pub async fn receive<T: DeserializeOwned>(stream: &mut TcpStream) -> io::Result<Option<T>> {
    let mut len = [0; 4];
    match stream.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME_LEN {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is over {MAX_FRAME_LEN}"),
        ));
    }
    let mut bytes = vec![0; len];
    stream.read_exact(&mut bytes).await?;
    match postcard::take_from_bytes(&bytes) {
        Ok((message, [])) => Ok(Some(message)),
        Ok((_, rest)) => Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("{} bytes after the message in a frame", rest.len()),
        )),
        Err(e) => Err(io::Error::new(io::ErrorKind::InvalidData, e)),
    }
}
