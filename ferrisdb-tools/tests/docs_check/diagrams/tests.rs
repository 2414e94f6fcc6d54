//! Tests of the diagrams check: the renders, the required diagrams and the
//! docs that show them.

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
    svg_with_body(dot, "<svg></svg>\n")
}

/// An SVG as `render.sh` writes it for a source of `dot`'s bytes, its body
/// `body`.
fn svg_with_body(dot: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <!-- source-sha256: {} -->\n{body}",
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
    assert_eq!(unshown_problems(root.path(), &shown), Vec::<String>::new());
    for text in [
        "A link is not an image: [flow](../diagrams/flow.svg).\n",
        "```md\n![The flow](../diagrams/flow.svg)\n```\n",
        "In code: `![The flow](../diagrams/flow.svg)`.\n",
        "Another directory: ![The flow](diagrams/flow.svg)\n",
    ] {
        let found = unshown_problems(root.path(), &doc(text));
        assert_eq!(found.len(), 1, "{text}: {found:#?}");
        assert!(
            found[0].starts_with("docs/diagrams/flow.svg: no doc shows it"),
            "{}",
            found[0]
        );
    }
}

#[test]
fn a_source_in_a_subdirectory_without_its_svg_fails() {
    // Or with a stale one: the check does not look inside.
    for files in [
        vec![("docs/diagrams/extra/flow.dot", DOT)],
        vec![
            ("docs/diagrams/extra/flow.dot", DOT),
            ("docs/diagrams/extra/flow.svg", "<svg></svg>\n"),
        ],
    ] {
        let root = root_with(&files);
        let problem = one_problem(&root);
        assert!(
            problem.starts_with("docs/diagrams/extra: a directory"),
            "{problem}"
        );
    }
}

#[test]
fn an_svg_whose_body_is_not_a_render_of_its_source_fails() {
    let dot = "digraph flow { a -> b }\n";
    let render = "<svg><title>flow</title><g><text>a</text><text>b</text></g></svg>\n";
    let edited = "<svg><title>flow</title><g><text>a</text><text>c</text></g></svg>\n";
    let cut = "<svg><title>flow</title><g><text>a</text>";
    let root_of = |body: &str| {
        root_with(&[
            ("docs/diagrams/flow.dot", dot),
            ("docs/diagrams/flow.svg", &svg_with_body(dot, body)),
        ])
    };
    assert_eq!(
        render_problems(root_of(render).path()),
        Vec::<String>::new()
    );
    for (body, says) in [(edited, "edited by hand"), (cut, "cut short")] {
        let problem = one_problem(&root_of(body));
        assert!(
            problem.starts_with(&format!("docs/diagrams/flow.svg: {says}")),
            "{problem}"
        );
        assert!(
            problem.ends_with("run `docs/diagrams/render.sh flow`"),
            "{problem}"
        );
    }
}

#[test]
fn a_missing_required_diagram_fails() {
    let svg = svg_of(DOT);
    let mut files = Vec::new();
    let mut doc = String::new();
    for name in REQUIRED {
        files.push((format!("docs/diagrams/{name}.dot"), DOT.to_owned()));
        files.push((format!("docs/diagrams/{name}.svg"), svg.clone()));
        doc.push_str(&format!("![{name}](diagrams/{name}.svg)\n\n"));
    }
    let docs = [("docs/architecture.md".to_owned(), doc)];
    // Every file, or all but those of `gone`.
    let root_without = |gone: &str| {
        let kept: Vec<(&str, &str)> = files
            .iter()
            .filter(|(path, _)| gone.is_empty() || !path.contains(gone))
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        root_with(&kept)
    };
    assert_eq!(check(root_without("").path(), &docs), Vec::<String>::new());

    // group-commit is gone, and so is nothing else: its image line names a
    // file that is not there, which only the link check would see.
    let found = check(root_without("group-commit").path(), &docs);
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(
        found[0].starts_with("docs/diagrams/group-commit.dot: missing"),
        "{}",
        found[0]
    );
}
