//! The progress bar a long command shows on a terminal (`indicatif`), and
//! nothing when its output goes to a pipe or a file, so scripts read only
//! their data.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressFinish, ProgressStyle};

/// A bar of work done, on stderr.
#[derive(Debug)]
pub struct Progress {
    bar: ProgressBar,
}

impl Progress {
    /// Counts `unit`s as they are `verb`, of about `estimate` when there is
    /// one: "dumped [=====>    ] 1200/1500 pairs".
    pub fn counting(verb: &str, unit: &str, estimate: Option<u64>) -> Progress {
        let template = match estimate {
            Some(_) => {
                format!("{verb} [{{wide_bar}}] {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left)")
            }
            None => format!("{{spinner}} {verb} {{pos}} {unit} ({{per_sec}})"),
        };
        Self::styled(&template, estimate)
    }

    /// No bar, wherever stderr goes: for a command whose data goes to the
    /// terminal, where a bar's redraws would land amid its lines.
    pub fn hidden() -> Progress {
        Progress {
            bar: ProgressBar::hidden(),
        }
    }

    /// Bytes `verb`, of `total` when it is known: "verifying [=====>    ]
    /// 1.20 GiB/3.40 GiB".
    pub fn bytes(verb: &str, total: Option<u64>) -> Progress {
        let template = match total {
            Some(_) => format!(
                "{verb} [{{wide_bar}}] {{bytes}}/{{total_bytes}} ({{bytes_per_sec}}, {{eta}} left)"
            ),
            None => format!("{{spinner}} {verb} {{bytes}} ({{bytes_per_sec}})"),
        };
        Self::styled(&template, total)
    }

    fn styled(template: &str, length: Option<u64>) -> Progress {
        let bar = new_bar();
        bar.set_style(
            ProgressStyle::with_template(template)
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        if let Some(length) = length {
            bar.set_length(length);
        }
        bar.enable_steady_tick(Duration::from_millis(100));
        Progress { bar }
    }

    /// `n` more done. Past an estimate, the estimate grows with it.
    pub fn add(&self, n: u64) {
        self.bar.inc(n);
        if let Some(length) = self.bar.length() {
            if self.bar.position() > length {
                self.bar.set_length(self.bar.position());
            }
        }
    }

    /// `done` of `total`, as a library call tells it.
    pub fn set(&self, done: u64, total: u64) {
        self.bar.set_length(total.max(done));
        self.bar.set_position(done);
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
