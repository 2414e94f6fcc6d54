//! `raft-kv`: a replicated key-value service on FerrisDB. A thin `main`
//! over `ferrisdb_raft::service`: `serve` runs a node, `init` makes the
//! cluster, `put`/`get`/`delete`/`scan` are a client, `status` asks a node.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use ferrisdb_raft::service::bench::{self, Workload};
use ferrisdb_raft::service::client::Client;
use ferrisdb_raft::service::run_node;
use ferrisdb_raft::service::wire::Reply;

#[derive(Parser)]
#[command(
    name = "raft-kv",
    about = "A replicated key-value service on FerrisDB and openraft"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs node ID on the database in DIR, serving on ADDR.
    Serve {
        #[arg(long)]
        id: u64,
        #[arg(long)]
        listen: String,
        #[arg(long)]
        dir: PathBuf,
    },
    /// Makes the cluster of the given members (ID=ADDR, this node among them).
    Init {
        #[arg(long)]
        node: String,
        #[arg(long = "member", value_parser = parse_member, required = true)]
        members: Vec<(u64, String)>,
    },
    /// Sets KEY to VALUE, through the leader's log.
    Put {
        #[arg(long)]
        node: String,
        key: String,
        value: String,
    },
    /// Reads KEY, linearizably.
    Get {
        #[arg(long)]
        node: String,
        key: String,
    },
    /// Deletes KEY, through the leader's log.
    Delete {
        #[arg(long)]
        node: String,
        key: String,
    },
    /// Reads the keys from START (to END, exclusive), linearizably.
    Scan {
        #[arg(long)]
        node: String,
        #[arg(default_value = "")]
        start: String,
        end: Option<String>,
        #[arg(long, default_value_t = 100)]
        limit: usize,
    },
    /// The node's id, the leader it knows, its term and applied index.
    Status {
        #[arg(long)]
        node: String,
    },
    /// Operations per second of CLIENTS clients for SECONDS: writes of new
    /// keys (100-byte values) or reads of what a write run left; on the
    /// cluster at --node, or with --local DIR on one FerrisDB.
    Bench {
        #[arg(long, conflicts_with = "local")]
        node: Option<String>,
        #[arg(long)]
        local: Option<PathBuf>,
        #[arg(long, default_value_t = 16)]
        clients: u64,
        #[arg(long, default_value_t = 5.0)]
        seconds: f64,
        /// Reads instead of writes.
        #[arg(long)]
        read: bool,
    },
}

fn parse_member(s: &str) -> Result<(u64, String), String> {
    let (id, addr) = s.split_once('=').ok_or("a member is ID=ADDR")?;
    let id = id.parse().map_err(|e| format!("member id {id:?}: {e}"))?;
    Ok((id, addr.to_owned()))
}

async fn run(command: Command) -> Result<(), Box<dyn std::error::Error>> {
    match command {
        Command::Serve { id, listen, dir } => run_node(id, &dir, &listen).await?,
        Command::Init { node, members } => {
            let members: BTreeMap<u64, String> = members.into_iter().collect();
            Client::new(node).initialize(&members).await?;
            println!("initialized: {} members", members.len());
        }
        Command::Put { node, key, value } => {
            Client::new(node)
                .write(key.as_bytes(), Some(value.as_bytes()))
                .await?;
        }
        Command::Get { node, key } => match Client::new(node).read(key.as_bytes()).await? {
            Some(value) => println!("{}", String::from_utf8_lossy(&value)),
            None => return Err(format!("{key}: not found").into()),
        },
        Command::Delete { node, key } => {
            Client::new(node).write(key.as_bytes(), None).await?;
        }
        Command::Scan {
            node,
            start,
            end,
            limit,
        } => {
            let (pairs, more) = Client::new(node)
                .scan(start.as_bytes(), end.as_deref().map(str::as_bytes), limit)
                .await?;
            for (key, value) in &pairs {
                println!(
                    "{}\t{}",
                    String::from_utf8_lossy(key),
                    String::from_utf8_lossy(value)
                );
            }
            if let (true, Some((last, _))) = (more, pairs.last()) {
                eprintln!(
                    "raft-kv: the reply is full after {} pairs; scan again from {} for the rest",
                    pairs.len(),
                    String::from_utf8_lossy(last)
                );
            }
        }
        Command::Status { node } => {
            if let Reply::Status {
                id,
                leader,
                term,
                applied,
            } = Client::new(node).status().await?
            {
                let leader =
                    leader.map_or("none".to_owned(), |(id, addr)| format!("{id} at {addr}"));
                let applied = applied.map_or("none".to_owned(), |i| i.to_string());
                println!("node {id}: term {term}, leader {leader}, applied {applied}");
            }
        }
        Command::Bench {
            node,
            local,
            clients,
            seconds,
            read,
        } => {
            let workload = if read {
                Workload::Read
            } else {
                Workload::Write
            };
            let rate = match (node, local) {
                (Some(node), _) => bench::cluster(&node, clients, seconds, workload).await?,
                (None, Some(dir)) => {
                    tokio::task::spawn_blocking(move || {
                        bench::local(&dir, clients, seconds, workload)
                    })
                    .await??
                }
                (None, None) => return Err("bench needs --node ADDR or --local DIR".into()),
            };
            println!("{workload:?}: {rate:.0} operations/s ({clients} clients, {seconds} s)");
        }
    }
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    match run(Cli::parse().command).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("raft-kv: {e}");
            ExitCode::FAILURE
        }
    }
}
