//! The command line of `ferrisdb-compare`: `run` (the suite at one scale),
//! `ab` (two builds of FerrisDB against each other), `report` (the summary
//! again from `records.jsonl`) and `child` (one process of the suite).

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use super::cgroup::MemoryLimit;
use super::child::{run_child, ChildArgs};
use super::driver::{plan, write_reports, Runner, Slot};
use super::engine::{PeerResult, Profile};
use super::report;
use super::workloads::Group;

/// FerrisDB, fjall and RocksDB under the same workloads, each engine in its
/// own process, in a shuffled and interleaved order.
#[derive(Debug, Parser)]
#[command(name = "ferrisdb-compare", version, args_override_self = true)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Runs the suite at one scale and writes the results to --out.
    Run(RunArgs),
    /// Compares two builds of ferrisdb-compare (two commits of FerrisDB),
    /// A/B interleaved, and prints each workload's ratio B/A with its 95%
    /// confidence interval.
    Ab(AbArgs),
    /// Writes the CSV, summary and charts again from --out's records.jsonl.
    Report {
        /// The results directory.
        #[arg(long)]
        out: PathBuf,
    },
    /// One process of the suite (started by `run` and `ab`).
    #[command(hide = true)]
    Child(ChildArgs),
}

/// `run`'s flags.
#[derive(Debug, clap::Args)]
pub struct RunArgs {
    /// small (1M keys of 116 bytes, in RAM) or large (5M keys of 516
    /// bytes under a 512 MiB memory limit).
    #[arg(long, default_value = "small")]
    pub scale: String,
    /// Runs of every cell.
    #[arg(long, default_value_t = 5)]
    pub runs: u32,
    /// The number of the first run: with `--first-run 2 --runs 4`, this
    /// invocation makes runs 2 to 5, to be merged with an earlier run 1
    /// (concatenate the two `records.jsonl` files, then `report`).
    #[arg(long, default_value_t = 1)]
    pub first_run: u32,
    /// Engines, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = default_engines())]
    pub engines: Vec<String>,
    /// Profiles, comma-separated: defaults, equal.
    #[arg(long, value_delimiter = ',', default_values_t = ["defaults".to_string(), "equal".to_string()])]
    pub profiles: Vec<String>,
    /// Groups of workloads, comma-separated: fillseq, random, fillsync,
    /// ycsb, compressible.
    #[arg(long, value_delimiter = ',', default_values_t = Group::ALL.map(|g| g.name().to_string()))]
    pub groups: Vec<String>,
    /// Seed of the order and of the keys and values.
    #[arg(long, default_value_t = 301)]
    pub seed: u64,
    /// The results directory (default `target/compare/<scale>`).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Where the databases are made (default `<out>/db`).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Memory limit of every child, page cache included, in MiB; 0 for
    /// none. Default: 512 at the large scale, none otherwise.
    #[arg(long)]
    pub memory_limit_mib: Option<u64>,
}

/// `ab`'s flags.
#[derive(Debug, clap::Args)]
pub struct AbArgs {
    /// ferrisdb-compare built from commit A.
    #[arg(long)]
    pub a: PathBuf,
    /// ferrisdb-compare built from commit B.
    #[arg(long)]
    pub b: PathBuf,
    /// A/B pairs per group.
    #[arg(long, default_value_t = 5)]
    pub pairs: u32,
    /// Groups, comma-separated.
    #[arg(long, value_delimiter = ',', default_values_t = ["fillseq".to_string(), "random".to_string(), "ycsb".to_string()])]
    pub groups: Vec<String>,
    /// Profile.
    #[arg(long, default_value = "equal")]
    pub profile: String,
    /// Scale: ab (300k keys), small or large.
    #[arg(long, default_value = "ab")]
    pub scale: String,
    /// Seed.
    #[arg(long, default_value_t = 301)]
    pub seed: u64,
    /// The results directory.
    #[arg(long, default_value = "target/compare/ab")]
    pub out: PathBuf,
}

fn default_engines() -> Vec<String> {
    let mut engines = vec!["ferrisdb".to_string(), "fjall".to_string()];
    if cfg!(feature = "rocksdb") {
        engines.push("rocksdb".into());
    }
    engines
}

fn groups(names: &[String]) -> PeerResult<Vec<Group>> {
    names
        .iter()
        .map(|n| Group::from_name(n).ok_or_else(|| format!("unknown group '{n}'").into()))
        .collect()
}

/// Runs the command line; returns the exit code.
pub fn main_with(cli: Cli) -> i32 {
    let result = match cli.command {
        Command::Run(args) => run(&args),
        Command::Ab(args) => ab(&args),
        Command::Report { out } => report_again(&out),
        Command::Child(args) => run_child(&args, &mut std::io::stdout().lock()),
    };
    match result {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("ferrisdb-compare: {e}");
            1
        }
    }
}

fn run(args: &RunArgs) -> PeerResult<()> {
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| PathBuf::from("target/compare").join(&args.scale));
    let db_root = args.db.clone().unwrap_or_else(|| out.join("db"));
    let binary = std::env::current_exe()?;
    if args.runs == 0 || args.first_run == 0 {
        return Err("--runs and --first-run must be at least 1".into());
    }
    let last_run = args
        .first_run
        .checked_add(args.runs - 1)
        .ok_or("--first-run plus --runs is too large")?;
    for engine in &args.engines {
        super::opener(engine)?;
    }
    let mut cells = Vec::new();
    for group in groups(&args.groups)? {
        for profile in &args.profiles {
            let profile = Profile::from_name(profile)
                .ok_or_else(|| format!("unknown profile '{profile}': use defaults or equal"))?;
            for engine in &args.engines {
                cells.push(Slot {
                    binary: binary.clone(),
                    engine: engine.clone(),
                    label: engine.clone(),
                    profile,
                    group,
                    run: 0,
                });
            }
        }
    }
    let default_limit = if args.scale == "large" { 512 } else { 0 };
    let limit_mib = args.memory_limit_mib.unwrap_or(default_limit);
    let (limit, note) = if limit_mib > 0 {
        match MemoryLimit::create("ferrisdb-compare", limit_mib << 20) {
            Ok(limit) => {
                eprintln!(
                    "memory limit: {limit_mib} MiB, page cache included (cgroup {})",
                    limit.kind()
                );
                let note = format!("{} bytes (cgroup {})\n", limit.limit_bytes(), limit.kind());
                (Some(limit), Some(note))
            }
            Err(e) => {
                eprintln!(
                    "MEMORY LIMIT NOT SET: {e}\nThe runs go on without a limit: the page cache \
                     holds what it can, so these figures are NOT larger-than-memory figures."
                );
                (None, Some(format!("not set: {e}\n")))
            }
        }
    } else {
        (None, None)
    };
    std::fs::create_dir_all(&out)?;
    match note {
        Some(note) => std::fs::write(out.join("memory-limit.txt"), note)?,
        None => {
            let _ = std::fs::remove_file(out.join("memory-limit.txt"));
        }
    }
    let runner = Runner {
        scale: args.scale.clone(),
        seed: args.seed,
        db_root,
        out: out.clone(),
        limit: limit.as_ref(),
        drop_caches: limit.is_some(),
    };
    let slots = plan(&cells, args.first_run..=last_run, args.seed);
    runner.run_all(&slots)?;
    report_again(&out)
}

fn ab(args: &AbArgs) -> PeerResult<()> {
    let profile = Profile::from_name(&args.profile)
        .ok_or_else(|| format!("unknown profile '{}'", args.profile))?;
    let mut cells = Vec::new();
    for group in groups(&args.groups)? {
        for (label, binary) in [("a", &args.a), ("b", &args.b)] {
            cells.push(Slot {
                binary: binary.clone(),
                engine: "ferrisdb".into(),
                label: label.into(),
                profile,
                group,
                run: 0,
            });
        }
    }
    let runner = Runner {
        scale: args.scale.clone(),
        seed: args.seed,
        db_root: args.out.join("db"),
        out: args.out.clone(),
        limit: None,
        drop_caches: false,
    };
    let records = runner.run_all(&plan(&cells, 1..=args.pairs, args.seed))?;
    std::fs::write(args.out.join("runs.csv"), report::raw_csv(&records))?;
    let summary = report::ab_summary(&records);
    std::fs::write(args.out.join("summary.txt"), &summary)?;
    println!("{summary}");
    Ok(())
}

fn report_again(out: &std::path::Path) -> PeerResult<()> {
    let path = out.join("records.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let records = report::read_records(&text)?;
    write_reports(&records, out)?;
    eprintln!("wrote {}", out.join("summary.md").display());
    Ok(())
}
