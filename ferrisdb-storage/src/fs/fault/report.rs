//! [`CrashReport`]: what [`FaultFileSystem::crash_with`](super::FaultFileSystem::crash_with)
//! did, for statistics and for a failing test to print.

use std::collections::BTreeSet;
use std::fmt;
use std::path::PathBuf;

use super::crash_kinds::{CrashKind, CrashModel};
use super::pages::{FileCrash, PageFate};

/// What [`FaultFileSystem::crash_with`](crate::fs::FaultFileSystem::crash_with) did: every choice it made about
/// unsynced data and names. Its `Display` lists them, for a failing test to
/// print.
#[derive(Debug, Clone)]
pub struct CrashReport {
    pub(super) model: CrashModel,
    /// Every surviving file that had unsynced data.
    pub(super) files: Vec<FileCrash>,
    /// Every unsynced name change, and whether it survived.
    pub(super) names: Vec<(String, bool)>,
    /// Every unsynced directory, and whether it survived.
    pub(super) dirs: Vec<(PathBuf, bool)>,
    pub(super) kinds: BTreeSet<CrashKind>,
}

impl CrashReport {
    pub(super) fn new(model: CrashModel) -> Self {
        CrashReport {
            model,
            files: Vec::new(),
            names: Vec::new(),
            dirs: Vec::new(),
            kinds: BTreeSet::new(),
        }
    }

    /// The model and seed of the crash.
    pub fn model(&self) -> CrashModel {
        self.model
    }

    /// Every kind of thing the crash did.
    pub fn kinds(&self) -> &BTreeSet<CrashKind> {
        &self.kinds
    }

    /// The kinds of thing the crash did to the data of files whose name
    /// contains `pattern` (`".wal"`: the logs).
    pub fn file_kinds(&self, pattern: &str) -> BTreeSet<CrashKind> {
        let mut kinds = BTreeSet::new();
        for file in &self.files {
            if file.path.to_string_lossy().contains(pattern) {
                file_kinds(file, &mut kinds);
            }
        }
        kinds
    }
}

pub(super) fn file_kinds(file: &FileCrash, kinds: &mut BTreeSet<CrashKind>) {
    // The last bytes written: past the synced length, or else the last page
    // overwritten in place.
    let cut_short = if file.written > file.synced {
        file.pieces.last().map_or(file.synced, |(r, _)| r.end) < file.written
    } else {
        file.overwritten
            .last()
            .is_some_and(|(_, fate)| *fate != PageFate::Kept)
    };
    let mut add = |yes: bool, kind| {
        if yes {
            kinds.insert(kind);
        }
    };
    add(cut_short, CrashKind::CutShort);
    add(file.kept_after_lost(), CrashKind::KeptAfterLost);
    let has = |wanted: fn(&PageFate) -> bool| file.all_pieces().any(|(_, f)| wanted(f));
    add(has(|f| *f == PageFate::Zeroed), CrashKind::ZeroedPage);
    add(has(|f| matches!(f, PageFate::Torn(_))), CrashKind::TornPage);
    let garbage_tail = file.tail.as_ref().is_some_and(|t| t.garbage);
    add(
        has(|f| *f == PageFate::Garbage) || garbage_tail,
        CrashKind::Garbage,
    );
    add(
        file.overwritten
            .iter()
            .any(|(_, f)| matches!(f, PageFate::Old | PageFate::Torn(_))),
        CrashKind::OverwriteLost,
    );
    add(file.len > file.written, CrashKind::Extended);
}

impl fmt::Display for CrashReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.model;
        writeln!(
            f,
            "crash seed {} (pages reordered: {}, garbage: {}, names reordered: {})",
            m.seed, m.reorder_pages, m.garbage, m.reorder_names
        )?;
        for file in &self.files {
            write!(
                f,
                "  {}: synced {} of {} bytes written, {} after the crash:",
                file.path.display(),
                file.synced,
                file.written,
                file.len
            )?;
            if !file.overwritten.is_empty() {
                write!(f, " overwritten in place:")?;
                write_runs(f, &file.overwritten)?;
            }
            if file.written > file.synced {
                if !file.overwritten.is_empty() {
                    write!(f, " past the synced length:")?;
                }
                if file.pieces.is_empty() {
                    write!(f, " every unsynced byte lost")?;
                }
                write_runs(f, &file.pieces)?;
            }
            if let Some(tail) = &file.tail {
                let what = if tail.garbage { "garbage" } else { "zeros" };
                write!(f, " tail {}..{} {what}", tail.range.start, tail.range.end)?;
            }
            writeln!(f)?;
        }
        for (what, kept) in &self.names {
            let verdict = if *kept { "kept" } else { "lost" };
            writeln!(f, "  unsynced name change {verdict}: {what}")?;
        }
        for (dir, kept) in &self.dirs {
            let verdict = if *kept { "kept" } else { "lost" };
            writeln!(f, "  unsynced directory {verdict}: {}", dir.display())?;
        }
        write!(f, "  kinds: {:?}", self.kinds)
    }
}

/// Writes runs of pieces with the same fate, as one range each.
fn write_runs(
    f: &mut fmt::Formatter<'_>,
    pieces: &[(std::ops::Range<usize>, PageFate)],
) -> fmt::Result {
    let mut runs: Vec<(std::ops::Range<usize>, PageFate)> = Vec::new();
    for (range, fate) in pieces {
        match runs.last_mut() {
            Some((last, f)) if f == fate && !matches!(fate, PageFate::Torn(_)) => {
                last.end = range.end;
            }
            _ => runs.push((range.clone(), *fate)),
        }
    }
    for (range, fate) in runs {
        write!(f, " {}..{} {:?};", range.start, range.end, fate)?;
    }
    Ok(())
}
