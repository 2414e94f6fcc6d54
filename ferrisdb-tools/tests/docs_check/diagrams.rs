//! The diagrams of `docs/diagrams/`: each Graphviz source `NAME.dot` has its
//! render `NAME.svg` beside it, rendered from the source as it is now, and
//! shown by some doc; the pictures the docs promise ([`REQUIRED`]) are there.
//!
//! `docs/diagrams/render.sh` writes, right after each SVG's XML declaration,
//! `<!-- source-sha256: HEX -->`: the SHA-256 of the bytes of the `.dot` it
//! rendered. This check recomputes that hash from the `.dot`, so an SVG left
//! behind by an edit of its source is caught without running Graphviz (CI
//! does not have it), and whatever Graphviz version rendered it. The hash
//! says nothing of the lines after it, so the SVG must also end with
//! `</svg>` and draw no text its `.dot` does not hold ([`svg_body`]).
//!
//! Both `render.sh` and this check look only at the files directly in
//! `docs/diagrams/`, so a directory there is a problem. A doc shows a
//! diagram with an image link outside code blocks and comments ([`shown`]).

mod shown;
mod svg_body;

use std::path::Path;

use sha2::{Digest, Sha256};

use shown::shows;
use svg_body::body_problem;

/// Where the diagrams live, relative to the workspace root.
pub(crate) const DIAGRAMS_DIR: &str = "docs/diagrams";

/// The diagrams the docs must have (issue 26), by name: `NAME.dot`, its
/// render `NAME.svg`, and a doc that shows it.
pub(crate) const REQUIRED: [&str; 8] = [
    "write-path",
    "read-path",
    "skip-list-towers",
    "wal-blocks",
    "sstable-layout",
    "compaction-shapes",
    "group-commit",
    "keyspaces-one-log",
];

/// What `render.sh` writes on the line after the XML declaration.
const HASH_PREFIX: &str = "<!-- source-sha256: ";
const HASH_SUFFIX: &str = " -->";

/// Every problem of the diagrams under `root`: the [`REQUIRED`] diagrams
/// without a source, the renders (see [`render_problems`]), then the
/// diagrams no doc of `docs` (name relative to `root`, text) shows.
pub(crate) fn check(root: &Path, docs: &[(String, String)]) -> Vec<String> {
    let names = diagram_names(root);
    let mut problems: Vec<String> = REQUIRED
        .iter()
        .filter(|required| !names.iter().any(|name| name == *required))
        .map(|name| {
            format!(
                "{DIAGRAMS_DIR}/{name}.dot: missing, and the docs must have it (`REQUIRED` in \
                 ferrisdb-tools/tests/docs_check/diagrams.rs): restore it, render it and show it"
            )
        })
        .collect();
    problems.extend(render_problems(root));
    problems.extend(unshown_problems(root, docs));
    problems
}

/// The diagrams under `root` that no doc of `docs` shows.
fn unshown_problems(root: &Path, docs: &[(String, String)]) -> Vec<String> {
    let mut problems = Vec::new();
    for name in diagram_names(root) {
        let svg = format!("{DIAGRAMS_DIR}/{name}.svg");
        if !docs.iter().any(|(doc, text)| shows(doc, text, &svg)) {
            problems.push(format!(
                "{svg}: no doc shows it: add an image line `![what it shows](…/diagrams/{name}.svg)` \
                 to the page it illustrates"
            ));
        }
    }
    problems
}

/// The problems of the SVGs under `root`: a directory in `docs/diagrams/`,
/// a `.dot` without its `.svg`, an `.svg` without its `.dot`, an `.svg`
/// without the hash of its source, with the hash of another source than the
/// `.dot` beside it, or with a body that is not a whole render of it.
pub(crate) fn render_problems(root: &Path) -> Vec<String> {
    let dir = root.join(DIAGRAMS_DIR);
    let (dots, svgs) = (files_ending(&dir, ".dot"), files_ending(&dir, ".svg"));
    let rerender = |name: &str| format!("run `{DIAGRAMS_DIR}/render.sh {name}`");
    let mut problems: Vec<String> = subdirectories(&dir)
        .into_iter()
        .map(|sub| {
            format!(
                "{DIAGRAMS_DIR}/{sub}: a directory, but render.sh and the docs check look only \
                 at the files directly in {DIAGRAMS_DIR}/: move its diagrams up"
            )
        })
        .collect();
    for name in &dots {
        if !svgs.contains(name) {
            problems.push(format!(
                "{DIAGRAMS_DIR}/{name}.dot: no {name}.svg beside it: {}",
                rerender(name)
            ));
        }
    }
    for name in &svgs {
        let svg_path = format!("{DIAGRAMS_DIR}/{name}.svg");
        if !dots.contains(name) {
            problems.push(format!(
                "{svg_path}: no source {name}.dot beside it: add the source, or delete the SVG"
            ));
            continue;
        }
        let (Ok(svg), Ok(dot)) = (
            std::fs::read_to_string(dir.join(format!("{name}.svg"))),
            std::fs::read(dir.join(format!("{name}.dot"))),
        ) else {
            problems.push(format!("{svg_path}: cannot read it or its source"));
            continue;
        };
        let actual = sha256_hex(&dot);
        let dot_name = format!("{name}.dot");
        match recorded_hash(&svg) {
            None => problems.push(format!(
                "{svg_path}: no `{HASH_PREFIX}…{HASH_SUFFIX}` line after its XML declaration, \
                 so nothing says which {dot_name} it shows: {}",
                rerender(name)
            )),
            Some(recorded) if recorded != actual => problems.push(format!(
                "{svg_path}: older than its source: rendered from a {dot_name} of sha256 \
                 {recorded}, but {dot_name} is now {actual}: {}",
                rerender(name)
            )),
            Some(_) => {
                if let Some(problem) = body_problem(&svg, &String::from_utf8_lossy(&dot), &dot_name)
                {
                    problems.push(format!("{svg_path}: {problem}: {}", rerender(name)));
                }
            }
        }
    }
    problems
}

/// The names (without extension) of the diagram sources under `root`.
fn diagram_names(root: &Path) -> Vec<String> {
    files_ending(&root.join(DIAGRAMS_DIR), ".dot")
}

/// The names, without `suffix`, of the files of `dir` ending in `suffix`,
/// sorted; none if `dir` does not exist.
fn files_ending(dir: &Path, suffix: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter_map(|f| f.strip_suffix(suffix).map(str::to_owned))
        .filter(|n| !n.is_empty() && !n.starts_with('.'))
        .collect();
    names.sort();
    names
}

/// The names of the directories in `dir`, sorted.
fn subdirectories(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The lowercase hex SHA-256 of `bytes`.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The source hash `render.sh` wrote on the line right after the SVG's XML
/// declaration, if that line is the comment with 64 lowercase hex digits.
fn recorded_hash(svg: &str) -> Option<&str> {
    let mut lines = svg.lines();
    if !lines.next()?.starts_with("<?xml ") {
        return None;
    }
    let hex = lines
        .next()?
        .trim_end()
        .strip_prefix(HASH_PREFIX)?
        .strip_suffix(HASH_SUFFIX)?;
    let valid = hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'));
    valid.then_some(hex)
}

#[cfg(test)]
mod tests;
