//! Bug: a frame whose message does not fill it was accepted: postcard's
//! `from_bytes` ignores what follows the message, so a frame is not
//! checked to be exactly one message.
//!
//! Now a frame must hold exactly one message.

use ferrisdb_raft::service::wire::{receive, Message};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};

#[tokio::test]
async fn a_frame_with_bytes_after_its_message_is_refused() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut sender = TcpStream::connect(addr).await.unwrap();
    let (mut receiver, _) = listener.accept().await.unwrap();
    let mut bytes = postcard::to_stdvec(&Message::Status).unwrap();
    bytes.extend_from_slice(b"trailing garbage");
    let len = u32::try_from(bytes.len()).unwrap();
    sender.write_all(&len.to_be_bytes()).await.unwrap();
    sender.write_all(&bytes).await.unwrap();
    let decoded = receive::<Message>(&mut receiver).await;
    assert!(
        decoded.is_err(),
        "a frame of {} bytes holding a message of 1 byte decoded as {decoded:?}",
        bytes.len()
    );
}
