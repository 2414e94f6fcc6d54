//! Holes a review found in the diagrams check: each test states what the
//! check should do and fails today, so it is ignored until the check is
//! fixed (then drop the `#[ignore]`).

use super::*;

const DOT: &str = "digraph flow { a -> b }\n";

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

/// An SVG as `render.sh` writes it for a source of `dot`'s bytes, its body
/// `body`.
fn svg_with_body(dot: &str, body: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"no\"?>\n\
         <!-- source-sha256: {} -->\n{body}",
        sha256_hex(dot.as_bytes())
    )
}

#[test]
#[ignore = "finding: only line 2 is checked, so an SVG edited by hand (or cut short) keeps passing"]
fn an_svg_whose_body_is_not_a_render_of_its_source_fails() {
    let edited = "<svg><title>flow</title><g><text>a</text><text>c</text></g></svg>\n";
    let cut = "<svg><title>flow</title><g><text>a</text>";
    for body in [edited, cut] {
        let root = root_with(&[
            ("docs/diagrams/flow.dot", DOT),
            ("docs/diagrams/flow.svg", &svg_with_body(DOT, body)),
        ]);
        assert_ne!(render_problems(root.path()), Vec::<String>::new(), "{body}");
    }
}
