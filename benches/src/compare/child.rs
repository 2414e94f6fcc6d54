//! One process of the suite: one engine, one profile, one group of
//! workloads, its records printed as JSON lines on stdout.
//!
//! The driver starts each child with its stdin piped and writes one line
//! when the child may start, after moving it into the memory limit's
//! cgroup, so no byte of the child's memory escapes the limit.

use std::io::{BufRead, Write};
use std::path::PathBuf;

use super::engine::{PeerResult, Profile};
use super::workloads::{run_group, Context, Dirs, Group, Scale};

/// What one child runs.
#[derive(Debug, Clone, clap::Args)]
pub struct ChildArgs {
    /// Engine: ferrisdb, fjall or rocksdb.
    #[arg(long)]
    pub engine: String,
    /// Profile: defaults or equal.
    #[arg(long)]
    pub profile: String,
    /// Group: fillseq, random, fillsync, ycsb or compressible.
    #[arg(long)]
    pub group: String,
    /// Scale: small, large, ab or tiny.
    #[arg(long)]
    pub scale: String,
    /// Run number, from 1.
    #[arg(long, default_value_t = 1)]
    pub run: u32,
    /// Position in the suite's order, from 1.
    #[arg(long, default_value_t = 1)]
    pub slot: u32,
    /// Seed of the keys and values.
    #[arg(long, default_value_t = 301)]
    pub seed: u64,
    /// The group's private directory (removed at the end).
    #[arg(long)]
    pub dir: PathBuf,
    /// Where to write the engine's settings.
    #[arg(long)]
    pub settings: Option<PathBuf>,
    /// Wait for a line on stdin before starting.
    #[arg(long)]
    pub wait_for_start: bool,
}

/// Runs the child: the group's workloads, each record as one JSON line on
/// `out` as it ends.
///
/// # Errors
/// An unknown name, or the first error of the engine or the file system.
pub fn run_child(args: &ChildArgs, out: &mut dyn Write) -> PeerResult<()> {
    let engine = super::opener(&args.engine)?;
    let profile = Profile::from_name(&args.profile)
        .ok_or_else(|| format!("unknown profile '{}': use defaults or equal", args.profile))?;
    let group = Group::from_name(&args.group).ok_or_else(|| {
        format!(
            "unknown group '{}': use fillseq, random, fillsync, ycsb or compressible",
            args.group
        )
    })?;
    let scale = Scale::from_name(&args.scale).ok_or_else(|| {
        format!(
            "unknown scale '{}': use small, large, ab or tiny",
            args.scale
        )
    })?;
    if args.wait_for_start {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
    }
    let ctx = Context {
        scale,
        profile,
        run: args.run,
        slot: args.slot,
        seed: args.seed,
        dirs: Dirs {
            root: args.dir.clone(),
            settings: args.settings.clone(),
        },
    };
    let mut failed = None;
    run_group(&*engine, group, &ctx, &mut |record| {
        if failed.is_some() {
            return;
        }
        let line = serde_json::to_string(&record).map_err(|e| e.to_string());
        if let Err(e) = line.and_then(|l| writeln!(out, "{l}").map_err(|e| e.to_string())) {
            failed = Some(e);
        }
        let _ = out.flush();
    })?;
    match failed {
        Some(e) => Err(e.into()),
        None => Ok(()),
    }
}
