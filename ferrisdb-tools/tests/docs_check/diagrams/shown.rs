//! Whether a doc shows an image: a Markdown image link `![alt](path)` in
//! the text a reader sees, not in a code block, a code span or an HTML
//! comment.

use std::path::{Component, Path, PathBuf};

/// Whether `text`, the doc `doc` (relative to the workspace root), shows the
/// image `image` (relative to the root too) with a Markdown image link
/// `![alt](path)` in its [`visible_lines`], outside code spans.
pub(super) fn shows(doc: &str, text: &str, image: &str) -> bool {
    let dir = Path::new(doc).parent().unwrap_or(Path::new(""));
    let image = Path::new(image);
    for line in visible_lines(text) {
        for (at, _) in line.match_indices("![") {
            if line[..at].matches('`').count() % 2 == 1 {
                continue; // inside an inline code span
            }
            let rest = &line[at + 2..];
            let Some(open) = rest.find("](") else {
                continue;
            };
            let target = &rest[open + 2..];
            let Some(close) = target.find(')') else {
                continue;
            };
            // `path "title"` and `path#anchor` name the file `path`.
            let target = target[..close].split([' ', '#']).next().unwrap_or("");
            if !target.contains("://") && normalize(&dir.join(target)) == image {
                return true;
            }
        }
    }
    false
}

/// The lines of the Markdown `text` that a reader sees as text (code spans
/// left in): without fenced code blocks (of backticks or tildes), indented
/// code blocks (4 columns after a blank line, even where a list item would
/// make them text: an image line needs no indentation), HTML blocks that
/// start with `<!--` (up to the line holding `-->`, all of it), and the
/// comments `<!-- … -->` inside a line, which may run over several lines.
fn visible_lines(text: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut fence: Option<(char, usize)> = None; // the open fence: its character, its length
    let mut comment_block = false; // inside an HTML block `<!-- … -->`
    let mut in_comment = false; // inside a comment that started within a line
    let mut code_may_start = true; // after a blank line or an indented code line
    for line in text.lines() {
        let (indent, rest) = indentation(line);
        if let Some((c, len)) = fence {
            if indent < 4
                && fence_of(rest)
                    .is_some_and(|(d, n, info)| d == c && n >= len && info.trim().is_empty())
            {
                fence = None;
                code_may_start = true;
            }
            continue;
        }
        if comment_block {
            comment_block = !line.contains("-->");
            code_may_start = !comment_block;
            continue;
        }
        let blank = rest.trim().is_empty();
        if !in_comment && indent >= 4 && code_may_start && !blank {
            continue; // an indented code block
        }
        if !in_comment && indent < 4 {
            if let Some((c, len, _)) = fence_of(rest) {
                fence = Some((c, len));
                continue;
            }
            if let Some(comment) = rest.strip_prefix("<!--") {
                comment_block = !comment.contains("-->");
                code_may_start = !comment_block;
                continue;
            }
        }
        // Only a paragraph goes on at 4 columns; a heading does not.
        code_may_start = blank || (!in_comment && indent < 4 && is_heading(rest));
        lines.push(without_comments(line, &mut in_comment));
    }
    lines
}

/// The width of `line`'s leading whitespace in columns (a tab reaches the
/// next multiple of 4), and the rest of the line.
fn indentation(line: &str) -> (usize, &str) {
    let mut columns = 0;
    for (at, c) in line.char_indices() {
        match c {
            ' ' => columns += 1,
            '\t' => columns += 4 - columns % 4,
            _ => return (columns, &line[at..]),
        }
    }
    (columns, "")
}

/// Whether `line` (without its indentation) is an ATX heading: 1 to 6 `#`,
/// then a space or the end of the line.
fn is_heading(line: &str) -> bool {
    let hashes = line.chars().take_while(|&c| c == '#').count();
    (1..=6).contains(&hashes)
        && line[hashes..]
            .chars()
            .next()
            .is_none_or(char::is_whitespace)
}

/// The code fence `line` (without its indentation) opens or closes, if it
/// is one: its character, its length and the info string after it.
fn fence_of(line: &str) -> Option<(char, usize, &str)> {
    let c = line.chars().next().filter(|&c| c == '`' || c == '~')?;
    let len = line.chars().take_while(|&d| d == c).count();
    let info = &line[len..];
    (len >= 3 && !(c == '`' && info.contains('`'))).then_some((c, len, info))
}

/// `line` without the HTML comments in it: `<!--` outside a code span
/// starts one (`in_comment` says one is open when the line starts, and
/// whether one still is when it ends), `-->` ends it.
fn without_comments(line: &str, in_comment: &mut bool) -> String {
    let mut kept = String::new();
    let mut rest = line;
    loop {
        if *in_comment {
            let Some(end) = rest.find("-->") else {
                return kept;
            };
            *in_comment = false;
            rest = &rest[end + 3..];
        } else {
            let Some(start) = rest.find("<!--") else {
                kept.push_str(rest);
                return kept;
            };
            let in_code_span =
                (kept.matches('`').count() + rest[..start].matches('`').count()) % 2 == 1;
            kept.push_str(&rest[..start]);
            if in_code_span {
                kept.push_str("<!--");
            } else {
                *in_comment = true;
            }
            rest = &rest[start + 4..];
        }
    }
}

/// `path` with `.` dropped and `..` applied, without touching the disk.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const IMAGE: &str = "docs/diagrams/flow.svg";

    fn shown(text: &str) -> bool {
        shows("docs/architecture.md", text, IMAGE)
    }

    #[test]
    fn image_paths_resolve_from_the_doc() {
        assert!(shown("![a](diagrams/flow.svg)"));
        assert!(shown("![a](./diagrams/flow.svg \"t\")"));
        assert!(shows(
            "README.md",
            "x ![a [b]](docs/diagrams/flow.svg) y",
            IMAGE
        ));
        assert!(!shows(
            "README.md",
            "![a](docs/diagrams/flow.svg.bak)",
            IMAGE
        ));
    }

    #[test]
    fn an_image_in_an_html_comment_is_not_shown() {
        for text in [
            "<!-- ![a](diagrams/flow.svg) -->\n",
            "<!--\n![a](diagrams/flow.svg)\n-->\n",
            "Text <!-- hidden\n![a](diagrams/flow.svg) -->\n",
            // The rest of the line that ends an HTML block is not Markdown either.
            "<!--\nhidden --> ![a](diagrams/flow.svg)\n",
        ] {
            assert!(!shown(text), "{text:?}");
        }
        for text in [
            "<!-- a note -->\n![a](diagrams/flow.svg)\n",
            "Text <!-- a note --> ![a](diagrams/flow.svg)\n",
            "In code: `<!--`, then ![a](diagrams/flow.svg)\n",
        ] {
            assert!(shown(text), "{text:?}");
        }
    }

    #[test]
    fn an_image_in_other_code_blocks_is_not_shown() {
        for text in [
            "```md\n![a](diagrams/flow.svg)\n```\n",
            "~~~md\n![a](diagrams/flow.svg)\n~~~\n",
            "````\n```\n![a](diagrams/flow.svg)\n````\n",
            "~~~\n```\n![a](diagrams/flow.svg)\n~~~\n",
            "Text.\n\n    ![a](diagrams/flow.svg)\n",
            "\t![a](diagrams/flow.svg)\n",
            "## Flow\n    ![a](diagrams/flow.svg)\n",
            "```\ncode\n```\n    ![a](diagrams/flow.svg)\n",
            "In code: `![a](diagrams/flow.svg)`.\n",
        ] {
            assert!(!shown(text), "{text:?}");
        }
        for text in [
            "~~~\ncode\n~~~\n![a](diagrams/flow.svg)\n",
            // Four spaces continue a paragraph: not code.
            "Text\n    ![a](diagrams/flow.svg)\n",
            "   ![a](diagrams/flow.svg)\n",
        ] {
            assert!(shown(text), "{text:?}");
        }
    }
}
