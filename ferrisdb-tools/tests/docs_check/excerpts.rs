//! Code excerpts: the `// PATH:START-END` reference on a block's first line,
//! the source lines it names, the message when the doc no longer shows them,
//! and the rewriting of excerpts for `FERRISDB_DOCS_BLESS=1`.

use std::fmt::Write as _;
use std::path::Path;

/// `// PATH:START-END` or `# PATH:START-END` on the first line of a block.
pub(crate) fn excerpt_reference(first_line: &str) -> Option<(String, usize, usize)> {
    let rest = first_line
        .trim()
        .strip_prefix("//")
        .or_else(|| first_line.trim().strip_prefix('#'))?
        .trim();
    if rest.contains(char::is_whitespace) {
        return None;
    }
    let (path, range) = rest.rsplit_once(':')?;
    let (start, end) = range.split_once('-')?;
    if !path.contains('/') && !path.contains('.') {
        return None;
    }
    Some((path.to_owned(), start.parse().ok()?, end.parse().ok()?))
}

/// Lines `start..=end` of `path` with their common indentation removed and
/// trailing whitespace trimmed, or why they cannot be had.
pub(crate) fn source_lines(
    root: &Path,
    path: &str,
    start: usize,
    end: usize,
) -> Result<Vec<String>, String> {
    let full = root.join(path);
    let text = std::fs::read_to_string(&full).map_err(|e| format!("cannot read {path}: {e}"))?;
    let lines: Vec<&str> = text.lines().collect();
    if start == 0 || start > end || end > lines.len() {
        return Err(format!(
            "{path}:{start}-{end} is not a line range of the file ({} lines)",
            lines.len()
        ));
    }
    let wanted = &lines[start - 1..end];
    let indent = wanted
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Ok(wanted
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end().to_owned())
        .collect())
}

pub(crate) fn excerpt_mismatch(
    name: &str,
    at: usize,
    path: &str,
    start: usize,
    shown: &[String],
    expected: &[String],
) -> String {
    let mut message = format!(
        "{name}:{at}: excerpt of {path}:{start}-{} no longer matches the file",
        start + expected.len().saturating_sub(1)
    );
    let differs = shown
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(shown.len().min(expected.len()));
    if shown.len() != expected.len() {
        let _ = write!(
            message,
            "; the doc shows {} lines, the range has {}",
            shown.len(),
            expected.len()
        );
    }
    let _ = write!(
        message,
        "; first difference at doc line {} / {path}:{}:\n    doc:  {:?}\n    file: {:?}",
        at + 1 + differs,
        start + differs,
        shown
            .get(differs)
            .map_or("<end of excerpt>", String::as_str),
        expected
            .get(differs)
            .map_or("<end of range>", String::as_str),
    );
    message
}

/// `text` with the given line ranges (1-based first line, line count)
/// replaced.
pub(crate) fn bless(text: &str, mut replacements: Vec<(usize, usize, Vec<String>)>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    replacements.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (first, count, new) in replacements {
        let indent: String = lines[first - 2].chars().take_while(|c| *c == ' ').collect();
        let new = new.into_iter().map(|l| {
            if l.is_empty() {
                l
            } else {
                format!("{indent}{l}")
            }
        });
        lines.splice(first - 1..first - 1 + count, new);
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}
