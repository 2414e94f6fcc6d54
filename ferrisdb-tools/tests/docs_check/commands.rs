//! Commands in shell blocks: splitting them into words, and checking that the
//! packages, targets and flags a `cargo` command or one of our tools names
//! exist.

use std::path::{Path, PathBuf};

use crate::markdown::Block;
use crate::workspace::Workspace;

/// The tools a doc may run directly, by the name of their binary or example.
const OUR_TOOLS: &[&str] = &[
    "wal-reader",
    "sstable-dump",
    "bulk_insert",
    "ferrisdb-bench",
    "ferrisdb-stress",
    "ferrisdb-compare",
    "ferrisdb",
    "raft-kv",
];

/// Splits a shell line into words: quotes group, `#` starts a comment, and
/// `&&`, `||`, `|` and `;` separate commands (returned as separate lists).
pub(crate) fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, ';' | '|' | '&') => {
                end_word(&mut commands, &mut word, &mut in_word);
                while matches!(chars.peek(), Some('|' | '&')) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            (None, c) if c.is_whitespace() => {
                end_word(&mut commands, &mut word, &mut in_word);
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    end_word(&mut commands, &mut word, &mut in_word);
    commands.retain(|c| !c.is_empty());
    commands
}

/// Ends the word being read, if there is one, as the last command's next word.
fn end_word(commands: &mut [Vec<String>], word: &mut String, in_word: &mut bool) {
    if std::mem::take(in_word) {
        commands.last_mut().expect("one").push(std::mem::take(word));
    }
}

/// The shell command lines of a block: continuation lines joined, and for
/// `console` blocks only the lines after a `$ ` prompt.
pub(crate) fn command_lines(block: &Block) -> Vec<(usize, String)> {
    let console = block.lang == "console";
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut continuing = false;
    for (i, raw) in block.lines.iter().enumerate() {
        let line_no = block.fence_line + 1 + i;
        let line = raw.trim();
        let text = if continuing {
            line
        } else if console {
            match line.strip_prefix("$ ") {
                Some(command) => command,
                None => continue,
            }
        } else {
            line
        };
        let (text, more) = match text.strip_suffix('\\') {
            Some(t) => (t, true),
            None => (text, false),
        };
        if continuing {
            let last = out.last_mut().expect("a line to continue");
            last.1.push(' ');
            last.1.push_str(text);
        } else {
            out.push((line_no, text.to_owned()));
        }
        continuing = more;
    }
    out
}

impl Workspace {
    /// Checks one command (its words); returns what is wrong with it.
    pub(crate) fn check_command(&self, words: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        // Skip `VAR=value` prefixes.
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect();
        let Some(&program) = words.first() else {
            return problems;
        };
        let program_name = program.rsplit('/').next().unwrap_or(program);
        if program == "cargo" {
            let (cargo_args, tool_args) = match words.iter().position(|w| *w == "--") {
                Some(at) => (&words[1..at], Some(&words[at + 1..])),
                None => (&words[1..], None),
            };
            let mut target: Option<(&str, PathBuf)> = None;
            let value_after = |i: usize| cargo_args.get(i + 1).copied().unwrap_or("");
            for (i, &arg) in cargo_args.iter().enumerate() {
                let (option, value) = match arg.split_once('=') {
                    Some((o, v)) if o.starts_with("--") => (o, v),
                    _ => (arg, value_after(i)),
                };
                match option {
                    "-p" | "--package" if !self.packages.contains_key(value) => {
                        problems.push(format!("no package named `{value}`"));
                    }
                    "--bin" => match self.bins.get(value) {
                        Some(path) => target = Some((value, path.clone())),
                        None => problems.push(format!("no binary named `{value}`")),
                    },
                    "--example" => match self.examples.get(value) {
                        Some(path) => target = Some((value, path.clone())),
                        None => problems.push(format!("no example named `{value}`")),
                    },
                    "--bench" if !self.benches.contains(value) => {
                        problems.push(format!("no bench named `{value}`"));
                    }
                    "--test" if !self.tests.contains(value) => {
                        problems.push(format!("no integration test named `{value}`"));
                    }
                    _ => {}
                }
            }
            if let (Some((name, source)), Some(args)) = (target, tool_args) {
                problems.extend(self.check_flags(name, &source, args));
            }
        } else if OUR_TOOLS.contains(&program_name) {
            match self
                .bins
                .get(program_name)
                .or_else(|| self.examples.get(program_name))
            {
                Some(source) => {
                    problems.extend(self.check_flags(program_name, source, &words[1..]))
                }
                None => problems.push(format!("no binary or example named `{program_name}`")),
            }
        }
        problems
    }

    fn check_flags(&self, tool: &str, source: &Path, args: &[&str]) -> Vec<String> {
        let known = self.long_flags(source);
        args.iter()
            .filter_map(|arg| arg.strip_prefix("--"))
            .map(|flag| flag.split('=').next().unwrap_or(flag))
            .filter(|flag| !known.as_ref().is_some_and(|k| k.contains(*flag)))
            .map(|flag| {
                let source = source.strip_prefix(&self.root).unwrap_or(source);
                match &known {
                    Some(k) => format!(
                        "`{tool}` has no flag `--{flag}` (it has: {}; see {})",
                        k.iter()
                            .map(|f| format!("--{f}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        source.display()
                    ),
                    None => format!(
                        "`{tool}` takes no flags, but `--{flag}` is passed (see {})",
                        source.display()
                    ),
                }
            })
            .collect()
    }
}
