//! The client side of `raft-kv`: sends a request to a node and follows
//! its redirects to the leader.

use std::collections::BTreeMap;
use std::io;

use openraft::BasicNode;
use tokio::net::TcpStream;

use super::wire::{receive, send, Message, Reply};
use crate::{Pair, Request, Response};

/// How long a client waits for a node's answer: longer than the node's own
/// deadline for a write, so that it hears that answer.
pub const REQUEST_DEADLINE: std::time::Duration = std::time::Duration::from_secs(10);

/// How many redirects a request follows before it gives up.
const MAX_REDIRECTS: usize = 5;

/// A client of a `raft-kv` cluster, knowing one node's address.
#[derive(Debug)]
pub struct Client {
    addr: String,
    stream: Option<TcpStream>,
}

impl Client {
    /// A client that starts with the node at `addr`.
    pub fn new(addr: impl Into<String>) -> Client {
        Client {
            addr: addr.into(),
            stream: None,
        }
    }

    /// Sends `message` to the current node and returns its reply,
    /// following `NotLeader` redirects.
    async fn request(&mut self, message: &Message) -> io::Result<Reply> {
        for _ in 0..MAX_REDIRECTS {
            if self.stream.is_none() {
                let stream = TcpStream::connect(&self.addr).await?;
                stream.set_nodelay(true)?;
                self.stream = Some(stream);
            }
            let stream = self.stream.as_mut().expect("connected above");
            let exchange = async {
                send(stream, message).await?;
                receive::<Reply>(stream).await
            };
            let reply = match tokio::time::timeout(REQUEST_DEADLINE, exchange).await {
                Ok(Ok(Some(reply))) => reply,
                Ok(Ok(None) | Err(_)) | Err(_) => {
                    self.stream = None;
                    return Err(io::Error::other(format!(
                        "node {} did not answer",
                        self.addr
                    )));
                }
            };
            match reply {
                Reply::NotLeader(Some((_, addr))) if addr != self.addr => {
                    self.addr = addr;
                    self.stream = None;
                }
                Reply::NotLeader(_) => {
                    return Err(io::Error::other(
                        "no leader known: the cluster is electing one",
                    ))
                }
                Reply::Failed(why) => return Err(io::Error::other(why)),
                reply => return Ok(reply),
            }
        }
        Err(io::Error::other("too many redirects"))
    }

    /// Sets `key` to `value`, or deletes it (`None`), through the log.
    ///
    /// # Errors
    ///
    /// The connection's error, or the cluster's answer if it refused.
    pub async fn write(&mut self, key: &[u8], value: Option<&[u8]>) -> io::Result<Response> {
        let request = Request {
            key: key.to_vec(),
            value: value.map(<[u8]>::to_vec),
        };
        match self.request(&Message::Write(request)).await? {
            Reply::Written(response) => Ok(response),
            other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }

    /// Reads `key`, linearizably.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub async fn read(&mut self, key: &[u8]) -> io::Result<Option<Vec<u8>>> {
        match self.request(&Message::Read(key.to_vec())).await? {
            Reply::Value(value) => Ok(value),
            other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }

    /// Reads the keys in `start..end` (to the end if `None`), at most
    /// `limit`, linearizably. Also whether the reply filled up
    /// ([`SCAN_REPLY_BYTES`](super::server::SCAN_REPLY_BYTES)) with keys
    /// left in the range: scan again from after the last key.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write).
    pub async fn scan(
        &mut self,
        start: &[u8],
        end: Option<&[u8]>,
        limit: usize,
    ) -> io::Result<(Vec<Pair>, bool)> {
        let message = Message::Scan {
            start: start.to_vec(),
            end: end.map(<[u8]>::to_vec),
            limit,
        };
        match self.request(&message).await? {
            Reply::Pairs { pairs, more } => Ok((pairs, more)),
            other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }

    /// Makes the cluster of `members` (ids and addresses) from this node.
    ///
    /// # Errors
    ///
    /// As [`write`](Self::write); a node already initialized refuses.
    pub async fn initialize(&mut self, members: &BTreeMap<u64, String>) -> io::Result<()> {
        let members = (members.iter())
            .map(|(id, addr)| (*id, BasicNode::new(addr)))
            .collect();
        match self.request(&Message::Initialize(members)).await? {
            Reply::Initialized => Ok(()),
            other => Err(io::Error::other(format!("unexpected reply {other:?}"))),
        }
    }

    /// The node's id, the leader it knows, its term and applied index.
    ///
    /// # Errors
    ///
    /// The connection's error.
    pub async fn status(&mut self) -> io::Result<Reply> {
        self.request(&Message::Status).await
    }
}
