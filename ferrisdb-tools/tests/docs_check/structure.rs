//! What every deep dive holds, and what the README maps: the parts of the
//! docs a reader relies on finding, checked so that a new page cannot leave
//! them out.
//!
//! - Every `docs/deep-dive/*.md` links the glossary, and ends with a
//!   `## Check your understanding` section holding its questions, each answer
//!   folded in a `<details>` block, and a `### Try it` section of exercises.
//! - `README.md` links every deep dive and every guide in [`GUIDES`] itself,
//!   so a reader new to FerrisDB gets from it to any of them in one click.

use std::path::Path;

use crate::markdown::files_under;
use crate::read;

/// The guides besides the deep dives that `README.md` must link.
const GUIDES: &[&str] = &[
    "docs/getting-started.md",
    "docs/architecture.md",
    "docs/glossary.md",
    "docs/operations.md",
    "docs/tuning.md",
    "docs/raft.md",
    "docs/performance.md",
    "docs/reliability.md",
];

/// What a deep dive (`name`, its `text`) lacks.
fn deep_dive_gaps(name: &str, text: &str) -> Vec<String> {
    let mut gaps = Vec::new();
    if !text.contains("](../glossary.md") {
        gaps.push(format!(
            "{name}: no link to the glossary (`../glossary.md`)"
        ));
    }
    let lines: Vec<&str> = text.lines().map(str::trim_end).collect();
    let questions = lines
        .iter()
        .position(|l| *l == "## Check your understanding");
    let Some(questions) = questions else {
        gaps.push(format!("{name}: no `## Check your understanding` section"));
        return gaps;
    };
    let section = &lines[questions + 1..];
    let section = match section.iter().position(|l| l.starts_with("## ")) {
        Some(end) => &section[..end],
        None => section,
    };
    if !section.iter().any(|l| l.contains("<details>")) {
        gaps.push(format!(
            "{name}: `## Check your understanding` has no answer in a `<details>` block"
        ));
    }
    if !section.contains(&"### Try it") {
        gaps.push(format!(
            "{name}: `## Check your understanding` has no `### Try it` exercises"
        ));
    }
    gaps
}

/// The deep dives and guides `readme` (the text of `README.md`) does not
/// link; `deep_dives` are paths from the workspace root.
fn unmapped(readme: &str, deep_dives: &[String]) -> Vec<String> {
    deep_dives
        .iter()
        .map(String::as_str)
        .chain(GUIDES.iter().copied())
        .filter(|page| !readme.contains(&format!("]({page}")))
        .map(|page| format!("README.md: no link to `{page}` in its documentation section"))
        .collect()
}

#[test]
fn deep_dives_have_their_parts_and_the_readme_maps_every_guide() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let mut problems = Vec::new();
    let mut deep_dives = Vec::new();
    for file in files_under(&root.join("docs/deep-dive"), "md") {
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        problems.extend(deep_dive_gaps(&name, &read(&file)));
        deep_dives.push(name);
    }
    assert!(
        !deep_dives.is_empty(),
        "no deep dive found under docs/deep-dive"
    );
    problems.extend(unmapped(&read(&root.join("README.md")), &deep_dives));
    assert!(
        problems.is_empty(),
        "the docs lack parts readers rely on ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHOLE: &str = "# A dive\n\nTerms: see the [glossary](../glossary.md).\n\n## Body\n\n\
                         ## Check your understanding\n\n1. Why?\n\n<details><summary>Answer\
                         </summary>Because.</details>\n\n### Try it\n\nRun it.\n";

    #[test]
    fn a_whole_deep_dive_passes() {
        assert_eq!(deep_dive_gaps("d.md", WHOLE), Vec::<String>::new());
    }

    #[test]
    fn each_missing_part_is_named() {
        let no_glossary = WHOLE.replace("](../glossary.md)", "](glossary.md)");
        assert!(deep_dive_gaps("d.md", &no_glossary)[0].contains("glossary"));
        let no_section = WHOLE.replace("## Check your understanding", "## Questions");
        assert!(deep_dive_gaps("d.md", &no_section)[0].contains("Check your understanding"));
        let no_answer = WHOLE.replace("<details>", "<p>");
        assert!(deep_dive_gaps("d.md", &no_answer)[0].contains("<details>"));
        let no_exercise = WHOLE.replace("### Try it", "### Later");
        assert!(deep_dive_gaps("d.md", &no_exercise)[0].contains("Try it"));
        // An answer or exercise after the section ends does not count.
        let elsewhere = WHOLE.replace("### Try it", "## After\n\n### Try it");
        assert!(deep_dive_gaps("d.md", &elsewhere)[0].contains("Try it"));
    }

    #[test]
    fn the_readme_must_link_every_deep_dive_and_guide() {
        let dives = vec!["docs/deep-dive/a.md".to_owned()];
        let mut readme = String::from("[a](docs/deep-dive/a.md)\n");
        for guide in GUIDES {
            readme.push_str(&format!("[g]({guide})\n"));
        }
        assert_eq!(unmapped(&readme, &dives), Vec::<String>::new());
        let missing = readme.replace("[g](docs/tuning.md)", "");
        assert_eq!(unmapped(&missing, &dives).len(), 1);
        assert!(unmapped(&missing, &dives)[0].contains("docs/tuning.md"));
        let no_dive = readme.replace("[a](docs/deep-dive/a.md)", "");
        assert!(unmapped(&no_dive, &dives)[0].contains("deep-dive/a.md"));
    }
}
