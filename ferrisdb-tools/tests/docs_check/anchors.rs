//! The anchors a Markdown file offers to links such as `page.md#section`:
//! one per heading, named as GitHub names them, and any HTML `id`/`name`.
//!
//! A link to a section that was renamed still finds its file, so only this
//! check notices that it now lands at the top of the page.

use std::collections::HashSet;

/// The anchors of a Markdown text: GitHub's slug of every ATX heading outside
/// code blocks (a repeated slug gets `-1`, `-2`, ...), and the value of every
/// `id="..."` or `name="..."` attribute.
pub(crate) fn anchors(text: &str) -> HashSet<String> {
    let mut found = HashSet::new();
    let mut fence: Option<&str> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        for marker in ["```", "~~~"] {
            if trimmed.starts_with(marker) {
                match fence {
                    None => fence = Some(marker),
                    Some(open) if open == marker => fence = None,
                    Some(_) => {}
                }
            }
        }
        if fence.is_some() || trimmed.starts_with("```") || trimmed.starts_with("~~~") {
            continue;
        }
        for attr in ["id=\"", "name=\""] {
            for (at, _) in line.match_indices(attr) {
                let rest = &line[at + attr.len()..];
                if let Some(end) = rest.find('"') {
                    found.insert(rest[..end].to_owned());
                }
            }
        }
        let hashes = trimmed.chars().take_while(|&c| c == '#').count();
        if (1..=6).contains(&hashes) && trimmed[hashes..].starts_with(' ') {
            let base = slug(trimmed[hashes..].trim());
            let mut candidate = base.clone();
            let mut n = 0;
            while found.contains(&candidate) {
                n += 1;
                candidate = format!("{base}-{n}");
            }
            found.insert(candidate);
        }
    }
    found
}

/// GitHub's anchor for a heading: the text a reader sees (a link's target
/// dropped), lower-cased, spaces made `-`, and every character other than a
/// letter, a digit, `-` or `_` removed.
pub(crate) fn slug(heading: &str) -> String {
    let mut visible = String::with_capacity(heading.len());
    let mut rest = heading;
    while let Some(at) = rest.find("](") {
        visible.push_str(&rest[..at]);
        rest = &rest[at + 2..];
        rest = rest.find(')').map_or("", |end| &rest[end + 1..]);
    }
    visible.push_str(rest);
    visible
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_follow_githubs_rules() {
        assert_eq!(slug("The read path"), "the-read-path");
        assert_eq!(
            slug("`StorageEngine::open`, step 2"),
            "storageengineopen-step-2"
        );
        assert_eq!(slug("L0 slowdown and stop"), "l0-slowdown-and-stop");
        assert_eq!(slug("WAL (write-ahead log)"), "wal-write-ahead-log");
        assert_eq!(
            slug("See [the spec](format/wal.md) now"),
            "see-the-spec-now"
        );
        assert_eq!(slug("max_bytes_for_level_base"), "max_bytes_for_level_base");
    }

    #[test]
    fn headings_in_code_blocks_are_not_anchors_and_repeats_are_numbered() {
        let text = "# Top\n```sh\n# not a heading\n```\n~~~\n## nor this\n~~~\n\
                    ## Try it\n### Try it\n<a id=\"custom\"></a>\n#NoSpace\n";
        let found = anchors(text);
        let mut got: Vec<_> = found.into_iter().collect();
        got.sort();
        assert_eq!(got, ["custom", "top", "try-it", "try-it-1"]);
    }
}
