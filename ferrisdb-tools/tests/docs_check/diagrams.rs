//! The diagrams of `docs/diagrams/`: each Graphviz source `NAME.dot` has its
//! render `NAME.svg` beside it, rendered from the source as it is now, and
//! shown by some doc.
//!
//! `docs/diagrams/render.sh` writes, right after each SVG's XML declaration,
//! `<!-- source-sha256: HEX -->`: the SHA-256 of the bytes of the `.dot` it
//! rendered. This check recomputes that hash from the `.dot`, so an SVG left
//! behind by an edit of its source is caught without running Graphviz (CI
//! does not have it), and whatever Graphviz version rendered it. A doc shows
//! a diagram with an image link outside code blocks and comments
//! ([`shown`]).

mod shown;

use std::path::Path;

use sha2::{Digest, Sha256};

use shown::shows;

/// Where the diagrams live, relative to the workspace root.
pub(crate) const DIAGRAMS_DIR: &str = "docs/diagrams";

/// What `render.sh` writes on the line after the XML declaration.
const HASH_PREFIX: &str = "<!-- source-sha256: ";
const HASH_SUFFIX: &str = " -->";

/// Every problem of the diagrams under `root`: the renders (see
/// [`render_problems`]), then the diagrams no doc of `docs` (name relative
/// to `root`, text) shows.
pub(crate) fn check(root: &Path, docs: &[(String, String)]) -> Vec<String> {
    let mut problems = render_problems(root);
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

/// The problems of the SVGs under `root`: a `.dot` without its `.svg`, an
/// `.svg` without its `.dot`, an `.svg` without the hash of its source, or
/// with the hash of another source than the `.dot` beside it.
pub(crate) fn render_problems(root: &Path) -> Vec<String> {
    let dir = root.join(DIAGRAMS_DIR);
    let (dots, svgs) = (files_ending(&dir, ".dot"), files_ending(&dir, ".svg"));
    let rerender = |name: &str| format!("run `{DIAGRAMS_DIR}/render.sh {name}`");
    let mut problems = Vec::new();
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
        match recorded_hash(&svg) {
            None => problems.push(format!(
                "{svg_path}: no `{HASH_PREFIX}…{HASH_SUFFIX}` line after its XML declaration, \
                 so nothing says which {name}.dot it shows: {}",
                rerender(name)
            )),
            Some(recorded) if recorded != actual => problems.push(format!(
                "{svg_path}: older than its source: rendered from a {name}.dot of sha256 \
                 {recorded}, but {name}.dot is now {actual}: {}",
                rerender(name)
            )),
            Some(_) => {}
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
mod tests {
    use super::*;

    const DOT: &str = "digraph g { a -> b }\n";

    /// A workspace root holding `files` (path relative to the root, text).
    fn root_with(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, text) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        dir
    }

    /// An SVG as `render.sh` writes it for a source of `dot`'s bytes.
    fn svg_of(dot: &str) -> String {
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
             <!-- source-sha256: {} -->\n<svg></svg>\n",
            sha256_hex(dot.as_bytes())
        )
    }

    fn one_problem(root: &tempfile::TempDir) -> String {
        let found = render_problems(root.path());
        assert_eq!(found.len(), 1, "{found:#?}");
        found.into_iter().next().unwrap()
    }

    #[test]
    fn the_hash_is_sha256_of_the_bytes() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_render_of_the_current_source_passes() {
        let root = root_with(&[
            ("docs/diagrams/flow.dot", DOT),
            ("docs/diagrams/flow.svg", &svg_of(DOT)),
        ]);
        assert_eq!(render_problems(root.path()), Vec::<String>::new());
    }

    #[test]
    fn a_stale_hash_fails_naming_the_svg_and_the_command() {
        let edited = DOT.replace("b }", "c }");
        let root = root_with(&[
            ("docs/diagrams/flow.dot", &edited),
            ("docs/diagrams/flow.svg", &svg_of(DOT)),
        ]);
        let problem = one_problem(&root);
        assert!(
            problem.starts_with("docs/diagrams/flow.svg: older than its source"),
            "{problem}"
        );
        assert!(problem.contains(&sha256_hex(DOT.as_bytes())), "{problem}");
        assert!(
            problem.contains("run `docs/diagrams/render.sh flow`"),
            "{problem}"
        );
    }

    #[test]
    fn a_source_without_its_svg_fails() {
        let root = root_with(&[("docs/diagrams/flow.dot", DOT)]);
        let problem = one_problem(&root);
        assert!(
            problem.starts_with("docs/diagrams/flow.dot: no flow.svg"),
            "{problem}"
        );
        assert!(problem.contains("render.sh flow`"), "{problem}");
    }

    #[test]
    fn an_svg_without_the_comment_fails() {
        let bare = "<?xml version=\"1.0\"?>\n<svg></svg>\n";
        // The comment anywhere but right after the declaration does not count.
        let late = format!("<?xml version=\"1.0\"?>\n<svg></svg>\n{}", svg_of(DOT));
        for svg in [bare, late.as_str()] {
            let root = root_with(&[
                ("docs/diagrams/flow.dot", DOT),
                ("docs/diagrams/flow.svg", svg),
            ]);
            let problem = one_problem(&root);
            assert!(
                problem.starts_with("docs/diagrams/flow.svg: no `<!-- source-sha256"),
                "{problem}"
            );
        }
    }

    #[test]
    fn an_svg_without_its_source_fails() {
        let root = root_with(&[("docs/diagrams/orphan.svg", &svg_of(DOT))]);
        let problem = one_problem(&root);
        assert!(
            problem.starts_with("docs/diagrams/orphan.svg: no source orphan.dot"),
            "{problem}"
        );
    }

    #[test]
    fn a_diagram_no_doc_shows_fails() {
        let root = root_with(&[
            ("docs/diagrams/flow.dot", DOT),
            ("docs/diagrams/flow.svg", &svg_of(DOT)),
        ]);
        let doc = |text: &str| vec![("docs/deep-dive/page.md".to_owned(), text.to_owned())];
        let shown = doc("Intro.\n\n![The flow](../diagrams/flow.svg)\n\nThe flow, drawn.\n");
        assert_eq!(check(root.path(), &shown), Vec::<String>::new());
        for text in [
            "A link is not an image: [flow](../diagrams/flow.svg).\n",
            "```md\n![The flow](../diagrams/flow.svg)\n```\n",
            "In code: `![The flow](../diagrams/flow.svg)`.\n",
            "Another directory: ![The flow](diagrams/flow.svg)\n",
        ] {
            let found = check(root.path(), &doc(text));
            assert_eq!(found.len(), 1, "{text}: {found:#?}");
            assert!(
                found[0].starts_with("docs/diagrams/flow.svg: no doc shows it"),
                "{}",
                found[0]
            );
        }
    }
}

#[cfg(test)]
mod review_findings;
