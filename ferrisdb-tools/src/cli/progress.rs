//! The progress a long command shows on a terminal (`indicatif`), and
//! nothing when its output goes to a pipe or a file, so scripts read only
//! their data.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// A count of work done, or a spinner for one long call, on stderr.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Counts `unit`s as they are `verb`: "dumped 1200 pairs".
    pub fn counting(verb: &str, unit: &str) -> Progress {
        let bar = new_bar();
        bar.set_style(
            ProgressStyle::with_template(&format!(
                "{{spinner}} {verb} {{pos}} {unit} ({{per_sec}})"
            ))
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }

    /// A spinner saying `what` while one call runs.
    pub fn working(what: &str) -> Progress {
        let bar = new_bar();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.set_message(what.to_owned());
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }

    /// Counts `n` more.
    pub fn add(&self, n: u64) {
        self.bar.inc(n);
    }

    /// Clears the line.
    pub fn finish(&self) {
        self.bar.finish_and_clear();
    }
}

/// A bar drawn where [`target`] says, cleared however it ends: a command
/// that stops on an error drops it unfinished, and its one line of error
/// then stands alone (indicatif leaves an unfinished bar drawn).
fn new_bar() -> ProgressBar {
    ProgressBar::with_draw_target(None, target()).with_finish(ProgressFinish::AndClear)
}

/// Stderr on a terminal; nowhere otherwise.
fn target() -> ProgressDrawTarget {
    if std::io::stderr().is_terminal() {
        ProgressDrawTarget::stderr()
    } else {
        ProgressDrawTarget::hidden()
    }
}
