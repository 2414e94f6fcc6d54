//! The suite's driver: every (engine, profile, group) of every run as its
//! own child process, in an order shuffled afresh for each run, so that no
//! engine always runs first, last, or after the same neighbour; the
//! records gathered into `records.jsonl`, then the raw CSV, the summary and
//! the charts.

use std::io::{BufRead, BufReader, Write};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use ferrisdb_tools::bench::data::Rng;

use super::cgroup::MemoryLimit;
use super::engine::{PeerError, PeerResult, Profile};
use super::record::Record;
use super::workloads::{Group, WORKLOADS};

/// One child process of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    /// The binary the child runs (the A or B build in an A/B check).
    pub binary: PathBuf,
    /// Engine name given to the child.
    pub engine: String,
    /// The name the records get (the engine, or `a`/`b`).
    pub label: String,
    /// Profile.
    pub profile: Profile,
    /// Group.
    pub group: Group,
    /// Run number, from 1.
    pub run: u32,
}

/// Shuffles `items` in place (Fisher-Yates) with `rng`.
pub fn shuffle<T>(items: &mut [T], rng: &mut Rng) {
    for i in (1..items.len()).rev() {
        let j = rng.below(i as u64 + 1) as usize;
        items.swap(i, j);
    }
}

/// The plan: for each run of `runs`, every slot of `cells` once, in an order
/// shuffled by `seed` and the run's number. A run's order depends on nothing
/// else, so runs 2 to 5 made by a later invocation (`--first-run 2`) hold the
/// same orders as in one invocation of five runs.
pub fn plan(cells: &[Slot], runs: RangeInclusive<u32>, seed: u64) -> Vec<Slot> {
    let mut out = Vec::new();
    for run in runs {
        let mut rng = Rng::new(seed ^ u64::from(run).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        let mut round: Vec<Slot> = cells
            .iter()
            .cloned()
            .map(|mut s| {
                s.run = run;
                s
            })
            .collect();
        shuffle(&mut round, &mut rng);
        out.extend(round);
    }
    out
}

/// Where and how the children run.
#[derive(Debug)]
pub struct Runner<'a> {
    /// Scale name given to the children.
    pub scale: String,
    /// Seed of the keys and values, the same for every child.
    pub seed: u64,
    /// Directory under which each child makes its databases.
    pub db_root: PathBuf,
    /// The results directory.
    pub out: PathBuf,
    /// The memory limit every child runs in, if set.
    pub limit: Option<&'a MemoryLimit>,
    /// Drop the page cache before each child (needs root), so each starts
    /// cold.
    pub drop_caches: bool,
}

impl Runner<'_> {
    /// Runs the slots in order, writing each record to `records.jsonl` and
    /// each failure to `failures.txt`; returns the records. A failed child
    /// is reported, the records it printed before failing are kept, and the
    /// suite goes on.
    ///
    /// The results directory starts afresh: what an earlier invocation left
    /// there (records, order, failures, settings, reports) is removed, so
    /// medians never mix two invocations, and so perhaps two commits.
    ///
    /// # Errors
    /// Only errors writing the results directory.
    pub fn run_all(&self, slots: &[Slot]) -> PeerResult<Vec<Record>> {
        std::fs::create_dir_all(&self.out)?;
        for stale in [
            "failures.txt",
            "runs.csv",
            "timelines.csv",
            "summary.md",
            "summary.txt",
        ] {
            let _ = std::fs::remove_file(self.out.join(stale));
        }
        let _ = std::fs::remove_dir_all(self.out.join("settings"));
        let mut jsonl = std::fs::File::create(self.out.join("records.jsonl"))?;
        let mut order = std::fs::File::create(self.out.join("order.txt"))?;
        let mut records = Vec::new();
        for (index, slot) in slots.iter().enumerate() {
            let number = index as u32 + 1;
            let line = format!(
                "{number:>4}/{} run {} {} {} {}",
                slots.len(),
                slot.run,
                slot.label,
                slot.profile.name(),
                slot.group.name()
            );
            eprintln!("== {line}");
            writeln!(order, "{line}")?;
            let (found, failure) = self.run_one(slot, number);
            for mut record in found {
                record.engine = slot.label.clone();
                eprintln!(
                    "   {:<18} {:>12.0} ops/s  p99 {:>9.1} us  settle {:>6.2} s",
                    record.workload, record.ops_per_sec, record.p99_us, record.settle_secs
                );
                writeln!(jsonl, "{}", serde_json::to_string(&record)?)?;
                records.push(record);
            }
            match failure {
                None => {}
                Some(e) => {
                    eprintln!("   FAILED: {e}");
                    let mut failures = std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(self.out.join("failures.txt"))?;
                    writeln!(failures, "{line}: {e}")?;
                }
            }
        }
        Ok(records)
    }

    /// Runs one child and parses its records: the records it printed
    /// before any failure, and the failure. The child is always waited for
    /// and its directory removed.
    fn run_one(&self, slot: &Slot, number: u32) -> (Vec<Record>, Option<PeerError>) {
        // Write back every dirty page of earlier children, so their
        // writeback does not land in this child's time.
        sync_all();
        if self.drop_caches {
            let _ = std::fs::write("/proc/sys/vm/drop_caches", "3");
        }
        let dir = self.db_root.join(format!(
            "{}-{}-{}-{}",
            slot.label,
            slot.profile.name(),
            slot.group.name(),
            slot.run
        ));
        let spawned = Command::new(&slot.binary)
            .arg("child")
            .args(["--engine", &slot.engine])
            .args(["--profile", slot.profile.name()])
            .args(["--group", slot.group.name()])
            .args(["--scale", &self.scale])
            .args(["--run", &slot.run.to_string()])
            .args(["--slot", &number.to_string()])
            .args(["--seed", &self.seed.to_string()])
            .arg("--dir")
            .arg(&dir)
            .arg("--settings")
            .arg(self.out.join("settings"))
            .arg("--wait-for-start")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn();
        let mut child = match spawned {
            Ok(child) => child,
            Err(e) => {
                return (
                    Vec::new(),
                    Some(format!("{}: {e}", slot.binary.display()).into()),
                )
            }
        };
        // Drain stderr on its own thread from the start, so a child that
        // writes much there never blocks while its stdout is read.
        let stderr = child.stderr.take();
        let reader = std::thread::spawn(move || {
            let mut text = String::new();
            if let Some(mut stderr) = stderr {
                let _ = std::io::Read::read_to_string(&mut stderr, &mut text);
            }
            text
        });
        let (records, failure) = self.talk_to(&mut child);
        if failure.is_some() {
            let _ = child.kill();
        }
        let status = child.wait();
        let stderr = reader.join().unwrap_or_default();
        let _ = std::fs::remove_dir_all(&dir);
        let failure = failure.or_else(|| match status {
            Ok(status) if status.success() => None,
            Ok(status) => Some(
                format!(
                    "child exited with {status} after {} records: {}",
                    records.len(),
                    stderr.trim()
                )
                .into(),
            ),
            Err(e) => Some(e.into()),
        });
        (records, failure)
    }

    /// Lets the child start (in the memory limit, if any) and reads its
    /// records until its stdout closes or a line is not a record.
    fn talk_to(&self, child: &mut Child) -> (Vec<Record>, Option<PeerError>) {
        if let Some(limit) = self.limit {
            if let Err(e) = limit.add_process(child.id()) {
                return (Vec::new(), Some(e.into()));
            }
        }
        if let Some(mut stdin) = child.stdin.take() {
            if let Err(e) = writeln!(stdin, "start") {
                return (Vec::new(), Some(e.into()));
            }
        }
        let mut records = Vec::new();
        let Some(stdout) = child.stdout.take() else {
            return (records, Some("the child's stdout is not piped".into()));
        };
        for line in BufReader::new(stdout).lines() {
            let parsed = line.map_err(PeerError::from).and_then(|l| {
                Ok((!l.trim().is_empty())
                    .then(|| serde_json::from_str(&l))
                    .transpose()?)
            });
            match parsed {
                Ok(Some(record)) => records.push(record),
                Ok(None) => {}
                Err(e) => {
                    return (
                        records,
                        Some(format!("a line of the child's output: {e}").into()),
                    )
                }
            }
        }
        (records, None)
    }
}

/// Flushes the system's dirty pages (`sync(2)`).
fn sync_all() {
    let _ = Command::new("sync").status();
}

/// Writes the raw CSV, the timelines, the summary and the charts of
/// `records` into `out`.
///
/// # Errors
/// Errors writing the files.
pub fn write_reports(records: &[Record], out: &Path) -> PeerResult<()> {
    use super::{chart, report};
    // Records come in the shuffled order the processes ran in; the reports
    // list workloads in a fixed order, the defaults profile first.
    let rank = |name: &str| {
        WORKLOADS
            .iter()
            .position(|w| *w == name)
            .unwrap_or(WORKLOADS.len())
    };
    let mut sorted = records.to_vec();
    sorted.sort_by(|a, b| {
        (&a.scale, &a.profile, rank(&a.workload), &a.engine, a.run).cmp(&(
            &b.scale,
            &b.profile,
            rank(&b.workload),
            &b.engine,
            b.run,
        ))
    });
    let records = &sorted[..];
    std::fs::write(out.join("runs.csv"), report::raw_csv(records))?;
    std::fs::write(out.join("timelines.csv"), report::timeline_csv(records))?;
    let mut summary = report::summary_markdown(records, "ferrisdb");
    // A process that failed is part of the result: say which, and why.
    if let Ok(failures) = std::fs::read_to_string(out.join("failures.txt")) {
        summary.push_str(
            "\n## Failed processes\n\nTheir records before the failure are kept above.\n\n",
        );
        for line in failures.lines() {
            summary.push_str(&format!("- `{}`\n", line.trim()));
        }
    }
    std::fs::write(out.join("summary.md"), summary)?;
    let mut charts = Vec::new();
    for r in records {
        let key = (r.scale.clone(), r.profile.clone(), r.workload.clone());
        if matches!(r.workload.as_str(), "overwrite" | "readwhilewriting") && !charts.contains(&key)
        {
            charts.push(key);
        }
    }
    for (scale, profile, workload) in charts {
        if let Some(svg) = chart::timeline_svg(records, &scale, &profile, &workload) {
            let name = format!("timeline-{scale}-{profile}-{workload}.svg");
            std::fs::write(out.join(name), svg)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slot(engine: &str, group: Group) -> Slot {
        Slot {
            binary: PathBuf::from("x"),
            engine: engine.into(),
            label: engine.into(),
            profile: Profile::Equal,
            group,
            run: 0,
        }
    }

    #[test]
    fn the_summary_names_the_failed_processes() {
        let dir = tempfile::tempdir().unwrap();
        let line = "   4/15 run 1 fjall equal ycsb: child exited with signal: 9 (SIGKILL)";
        std::fs::write(dir.path().join("failures.txt"), format!("{line}\n")).unwrap();
        write_reports(&[], dir.path()).unwrap();
        let summary = std::fs::read_to_string(dir.path().join("summary.md")).unwrap();
        assert!(summary.contains("## Failed processes"), "{summary}");
        assert!(
            summary.contains("fjall equal ycsb: child exited with signal: 9"),
            "{summary}"
        );
    }

    #[test]
    fn every_run_holds_every_cell_once_in_varying_orders() {
        let cells = vec![
            slot("ferrisdb", Group::Random),
            slot("fjall", Group::Random),
            slot("rocksdb", Group::Random),
            slot("ferrisdb", Group::Ycsb),
        ];
        let plan = plan(&cells, 1..=5, 9);
        assert_eq!(plan.len(), 20);
        let mut firsts = Vec::new();
        for run in 1..=5u32 {
            let round: Vec<&Slot> = plan.iter().filter(|s| s.run == run).collect();
            assert_eq!(round.len(), 4);
            for cell in &cells {
                let same = |s: &&&Slot| s.engine == cell.engine && s.group == cell.group;
                assert_eq!(round.iter().filter(same).count(), 1);
            }
            firsts.push(round[0].engine.clone());
        }
        firsts.sort();
        firsts.dedup();
        assert!(firsts.len() > 1, "the same engine went first in every run");
        assert_eq!(plan, super::plan(&cells, 1..=5, 9), "the plan is seeded");
        assert_eq!(
            plan[8..],
            super::plan(&cells, 3..=5, 9)[..],
            "runs 3 to 5 made later hold the orders they hold in one invocation"
        );
    }
}
