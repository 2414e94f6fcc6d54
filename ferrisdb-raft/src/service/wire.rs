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
    /// openraft's RPCs, from another node.
    AppendEntries(AppendEntriesRequest<TypeConfig>),
    Vote(VoteRequest<u64>),
    InstallSnapshot(InstallSnapshotRequest<TypeConfig>),
    /// A client's write, through the log.
    Write(Request),
    /// A client's linearizable read of a key.
    Read(Vec<u8>),
    /// A client's linearizable read of the keys in `start..end` (to the
    /// end if `None`), at most `limit` of them.
    Scan {
        start: Vec<u8>,
        end: Option<Vec<u8>>,
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
    AppendEntries(Result<AppendEntriesResponse<u64>, RaftError<u64>>),
    Vote(Result<VoteResponse<u64>, RaftError<u64>>),
    InstallSnapshot(Result<InstallSnapshotResponse<u64>, RaftError<u64, InstallSnapshotError>>),
    Written(Response),
    Value(Option<Vec<u8>>),
    /// The pairs of a scan, and whether the reply filled up
    /// ([`SCAN_REPLY_BYTES`](super::server::SCAN_REPLY_BYTES)) with pairs
    /// left in the range.
    Pairs {
        pairs: Vec<Pair>,
        more: bool,
    },
    Initialized,
    /// The node's id, the leader it knows and its address, its term and
    /// last applied index.
    Status {
        id: u64,
        leader: Option<(u64, String)>,
        term: u64,
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
