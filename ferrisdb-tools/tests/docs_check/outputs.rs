//! Pasted output says where it came from: a `text` block that shows what the
//! command block just before it printed must be stamped with the commit it
//! was produced at, so a reader can tell a current figure from an old one.
//!
//! An output block is a `text` (or unlabelled) block that follows a `sh`,
//! `bash`, `shell` or `console` block with at most [`MAX_PROSE_BETWEEN`]
//! non-empty lines of prose between them, and is not a code excerpt. Its
//! stamp is the word `commit` followed by 7 to 40 hex digits (in backticks
//! or not), in that prose or in the [`STAMP_LINES_BEFORE`] lines above the
//! command block.

use crate::markdown::Block;

/// More prose than this between a command and a `text` block means the
/// block is not that command's output (a diagram, a format).
pub(crate) const MAX_PROSE_BETWEEN: usize = 3;

/// How far above the command block a stamp may stand.
pub(crate) const STAMP_LINES_BEFORE: usize = 4;

/// The output blocks of `blocks` (fenced blocks of `text`, in order) that
/// carry no stamp, as problems naming `name` and the block's line.
pub(crate) fn unstamped_outputs(name: &str, text: &str, blocks: &[Block]) -> Vec<String> {
    let lines: Vec<&str> = text.lines().collect();
    let mut problems = Vec::new();
    for pair in blocks.windows(2) {
        let (command, output) = (&pair[0], &pair[1]);
        if !matches!(command.lang.as_str(), "sh" | "bash" | "shell" | "console")
            || !matches!(output.lang.as_str(), "text" | "")
            || output
                .lines
                .first()
                .is_some_and(|l| crate::excerpts::excerpt_reference(l).is_some())
        {
            continue;
        }
        // Fence lines are 1-based; the command block closes after its lines.
        let command_close = command.fence_line + command.lines.len(); // 0-based index of ``` line
        let output_open = output.fence_line - 1;
        let between = &lines[(command_close + 1).min(output_open)..output_open];
        if between.iter().filter(|l| !l.trim().is_empty()).count() > MAX_PROSE_BETWEEN {
            continue;
        }
        let above_from = (command.fence_line - 1).saturating_sub(STAMP_LINES_BEFORE);
        let above = &lines[above_from..command.fence_line - 1];
        if !above.iter().chain(between).any(|l| has_stamp(l)) {
            problems.push(format!(
                "{name}:{}: pasted output without the commit it came from: say \
                 \"at commit `abc1234`\" just before the command or the output",
                output.fence_line
            ));
        }
    }
    problems
}

/// Whether `line` holds `commit` and then 7 to 40 hex digits.
fn has_stamp(line: &str) -> bool {
    line.match_indices("commit").any(|(at, word)| {
        let rest = line[at + word.len()..].trim_start().trim_start_matches('`');
        let hex = rest.bytes().take_while(u8::is_ascii_hexdigit).count();
        (7..=40).contains(&hex)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::markdown::fenced_blocks;

    fn problems(doc: &str) -> Vec<String> {
        unstamped_outputs("doc.md", doc, &fenced_blocks(doc))
    }

    #[test]
    fn output_right_after_a_command_needs_a_stamp() {
        let doc = "Run it:\n\n```sh\ncargo run\n```\n\n```text\nhello\n```\n";
        assert_eq!(problems(doc).len(), 1, "{:?}", problems(doc));
        let stamped = "At commit `1a2b3c4d`:\n\n```sh\ncargo run\n```\n\n```text\nhello\n```\n";
        assert!(problems(stamped).is_empty());
        let below = "```sh\ncargo run\n```\n\nPrinted at commit 1a2b3c4:\n\n```text\nhi\n```\n";
        assert!(problems(below).is_empty());
    }

    #[test]
    fn a_diagram_after_prose_is_not_output() {
        let doc = "```sh\ncargo run\n```\n\na\nb\nc\nd\n\n```text\n+--+\n```\n";
        assert!(problems(doc).is_empty());
        let short_hex = "commit `abc`\n```sh\nx\n```\n```text\ny\n```\n";
        assert_eq!(problems(short_hex).len(), 1);
    }
}
