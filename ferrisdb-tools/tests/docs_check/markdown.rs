//! The Markdown the check reads: which doc files, their fenced code blocks,
//! and the check that their relative links name existing files.

use std::path::{Path, PathBuf};

use crate::anchors::anchors;
use crate::workspace::Workspace;

/// A fenced code block of a Markdown file.
#[derive(Debug)]
pub(crate) struct Block {
    /// The info string: `rust`, `sh`, ...
    pub(crate) lang: String,
    /// 1-based line number of the opening fence.
    pub(crate) fence_line: usize,
    /// The lines between the fences, with the fence's indentation removed.
    pub(crate) lines: Vec<String>,
}

pub(crate) fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, Block)> = None; // (indent, ticks, block)
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                let block = Block {
                    lang: trimmed[ticks..].trim().to_owned(),
                    fence_line: i + 1,
                    lines: Vec::new(),
                };
                open = Some((indent, ticks, block));
            }
            None => {}
            Some((_, open_ticks, _))
                if ticks >= *open_ticks && trimmed[ticks..].trim().is_empty() =>
            {
                blocks.push(open.take().expect("open").2);
            }
            Some((fence_indent, _, block)) => {
                let strip = indent.min(*fence_indent);
                block.lines.push(line[strip..].to_owned());
            }
        }
    }
    blocks
}

impl Workspace {
    /// Relative Markdown links `[text](path)` outside code blocks must name an
    /// existing file or directory, and a `#fragment` into a Markdown file
    /// (`#fragment` alone: this one) must name one of its [`anchors`].
    pub(crate) fn check_links(&self, name: &str, text: &str) -> Vec<String> {
        let dir = self.root.join(name);
        let dir = dir.parent().unwrap_or(&self.root);
        let mut problems = Vec::new();
        let mut in_block = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_block = !in_block;
                continue;
            }
            if in_block {
                continue;
            }
            for (at, _) in line.match_indices("](") {
                if line[..at].matches('`').count() % 2 == 1 {
                    continue; // inside an inline code span
                }
                let rest = &line[at + 2..];
                let Some(end) = rest.find(')') else { continue };
                let (target, fragment) = match rest[..end].split_once('#') {
                    Some((target, fragment)) => (target, Some(fragment)),
                    None => (&rest[..end], None),
                };
                if target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                let file = if target.is_empty() {
                    self.root.join(name)
                } else {
                    dir.join(target)
                };
                if !target.is_empty() && !file.exists() {
                    problems.push(format!(
                        "{name}:{}: link to `{target}`, which does not exist",
                        i + 1
                    ));
                } else if let Some(fragment) = fragment {
                    let is_markdown = file.extension().is_some_and(|e| e == "md");
                    let text = if is_markdown {
                        std::fs::read_to_string(&file).ok()
                    } else {
                        None
                    };
                    if text.is_some_and(|t| !anchors(&t).contains(fragment)) {
                        problems.push(format!(
                            "{name}:{}: link to `{target}#{fragment}`, but no heading there \
                             has that anchor (was the section renamed?)",
                            i + 1
                        ));
                    }
                }
            }
        }
        problems
    }
}

/// Every file under `dir`, in any folder below it, whose extension is
/// `extension`, sorted.
pub(crate) fn files_under(dir: &Path, extension: &str) -> Vec<PathBuf> {
    fn walk(dir: &Path, extension: &str, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, extension, out);
            } else if path.extension().is_some_and(|e| e == extension) {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(dir, extension, &mut files);
    files.sort();
    files
}

/// The docs the check reads, relative to the workspace root.
pub(crate) fn doc_files(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![
        root.join("README.md"),
        root.join("ferrisdb-storage/README.md"),
        root.join("ferrisdb-raft/README.md"),
    ];
    files.extend(files_under(&root.join("docs"), "md"));
    files.retain(|f| f.is_file());
    files
}
