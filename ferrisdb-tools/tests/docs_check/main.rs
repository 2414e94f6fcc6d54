//! Checks that the docs agree with the code.
//!
//! It reads `README.md`, `ferrisdb-storage/README.md`,
//! `ferrisdb-raft/README.md` and every `docs/**/*.md`
//! and fails, naming the doc file and line, when:
//!
//! 1. **A code excerpt is stale.** A fenced code block whose first line is a
//!    comment naming a source range, `// PATH:START-END` (or `# PATH:START-END`
//!    for shell, TOML and text), must show exactly lines `START..=END` of
//!    `PATH` (relative to the workspace root). Trailing whitespace is ignored.
//!    Leading indentation is removed uniformly: the file's lines are compared
//!    after removing the indentation they all share, so an excerpt of a method
//!    starts at column 0 in the doc.
//! 2. **A command names something that does not exist.** In `sh`, `bash`,
//!    `shell` and `console` blocks, every `cargo` command is checked: the
//!    package of `-p`/`--package`, the binary of `--bin`, the example of
//!    `--example`, the bench of `--bench` and the test of `--test` must exist
//!    in the workspace, and every `--flag` after `--` must be a long flag of
//!    that binary or example (read from its clap `#[arg(long ...)]`
//!    attributes). Our tools run directly (`wal-reader`, `sstable-dump`,
//!    `bulk_insert`, `ferrisdb-bench`, `ferrisdb-stress`, `ferrisdb-compare`,
//!    the `ferrisdb` CLI and `raft-kv`) are checked the same way.
//! 3. **A relative link names a file that does not exist**, or a `#section`
//!    of a Markdown file (or of this one) that none of its headings has
//!    ([`anchors`]: GitHub's slugs).
//! 4. **Pasted output does not say its commit.** A `text` block right after
//!    a command block shows what the command printed, and must be stamped
//!    with the commit it came from ([`outputs`]).
//! 5. **A diagram is missing, stale or not shown** ([`diagrams`]). The
//!    eight required diagrams (`diagrams::REQUIRED`) must exist, and
//!    `docs/diagrams/` holds no directory. Every Graphviz source
//!    `docs/diagrams/NAME.dot` must have its render `NAME.svg` beside it (and
//!    every SVG its source), the SVG must record, right after its XML
//!    declaration, the SHA-256 of the `.dot` it was rendered from
//!    (`<!-- source-sha256: HEX -->`), equal to the hash of the `.dot` as it
//!    is now, end with `</svg>` and draw no text that is not in the `.dot`,
//!    and some doc must show it with an image link
//!    `![...](.../diagrams/NAME.svg)` outside code blocks and HTML comments.
//!    After editing `NAME.dot`, re-render it with
//!    `docs/diagrams/render.sh NAME` (needs Graphviz's `dot`; the check
//!    itself never runs it).
//! 6. **A deep dive lacks a part readers rely on, or the README does not map
//!    a guide** ([`structure`], a test of its own): every deep dive links the
//!    glossary and ends with "Check your understanding" (answers in
//!    `<details>`, exercises under "Try it"), and `README.md` links every deep
//!    dive and guide.
//!
//! After a change moves the code an excerpt shows, re-sync the docs with
//! `FERRISDB_DOCS_BLESS=1 cargo test -p ferrisdb-tools --test docs_check`: it
//! rewrites every excerpt from its (unchanged) line range. Then read the diff:
//! if the lines now show the wrong code, fix the range by hand.
//!
//! This file holds the test and the check of one doc; the checks themselves
//! are in [`excerpts`], [`commands`], [`markdown`] (links) and [`diagrams`],
//! and what the workspace holds is read by [`workspace`]. [`repo_links`] has a
//! test of its own: the absolute links to the repository on GitHub, which the
//! crates' docs use, must name files that exist.

mod anchors;
mod checker;
mod commands;
mod diagrams;
mod excerpts;
mod markdown;
mod outputs;
mod repo_links;
mod structure;
mod workspace;

use std::path::Path;

use commands::{command_lines, shell_commands};
use excerpts::{bless, excerpt_mismatch, excerpt_reference, source_lines};
use markdown::{doc_files, fenced_blocks};
use workspace::Workspace;

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

impl Workspace {
    /// Checks one Markdown file. Returns the problems found (each naming
    /// `name` and a line) and the text with every excerpt rewritten from its
    /// source range (for blessing).
    fn check_doc(&self, name: &str, text: &str) -> (Vec<String>, String) {
        let mut problems = Vec::new();
        let mut replacements: Vec<(usize, usize, Vec<String>)> = Vec::new(); // (first, count, lines)
        let blocks = fenced_blocks(text);
        problems.extend(outputs::unstamped_outputs(name, text, &blocks));
        for block in blocks {
            if let Some((path, start, end)) = block.lines.first().and_then(|l| excerpt_reference(l))
            {
                let at = block.fence_line + 1;
                match source_lines(&self.root, &path, start, end) {
                    Err(e) => problems.push(format!("{name}:{at}: excerpt: {e}")),
                    Ok(expected) => {
                        let shown: Vec<String> = block.lines[1..]
                            .iter()
                            .map(|l| l.trim_end().to_owned())
                            .collect();
                        if shown != expected {
                            problems
                                .push(excerpt_mismatch(name, at, &path, start, &shown, &expected));
                        }
                        // The block's body starts one line after the reference.
                        replacements.push((at + 1, block.lines.len() - 1, expected));
                    }
                }
            }
            if matches!(block.lang.as_str(), "sh" | "bash" | "shell" | "console") {
                for (line_no, line) in command_lines(&block) {
                    for command in shell_commands(&line) {
                        for problem in self.check_command(&command) {
                            problems.push(format!(
                                "{name}:{line_no}: `{}`: {problem}",
                                command.join(" ")
                            ));
                        }
                    }
                }
            }
        }
        problems.extend(self.check_links(name, text));
        (problems, bless(text, replacements))
    }
}

#[test]
fn docs_agree_with_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let ws = Workspace::load(root);
    let bless_mode = std::env::var_os("FERRISDB_DOCS_BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    let mut blessed = Vec::new();
    let mut docs = Vec::new();
    for file in doc_files(root) {
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = read(&file);
        let (found, rewritten) = ws.check_doc(&name, &text);
        if bless_mode && rewritten != text {
            std::fs::write(&file, rewritten).expect("write the blessed doc");
            blessed.push(name.clone());
        } else {
            problems.extend(found);
        }
        docs.push((name, text));
    }
    problems.extend(diagrams::check(root, &docs));
    if !blessed.is_empty() {
        eprintln!("rewrote the excerpts of: {}", blessed.join(", "));
    }
    assert!(
        problems.is_empty(),
        "the docs disagree with the code ({} problems):\n{}\n\nIf code only moved, \
         `FERRISDB_DOCS_BLESS=1 cargo test -p ferrisdb-tools --test docs_check` rewrites \
         the excerpts from their line ranges; check the diff.",
        problems.len(),
        problems.join("\n")
    );
}
