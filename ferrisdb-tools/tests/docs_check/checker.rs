//! The checker's own tests, on a small made-up workspace.

use super::*;

fn fake_workspace() -> (tempfile::TempDir, Workspace) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let write = |path: &str, text: &str| {
        let path = root.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    };
    write("Cargo.toml", "[workspace]\nmembers = [\"tool\"]\n");
    write(
        "tool/Cargo.toml",
        "[package]\nname = \"tool\"\n\n[[bench]]\nname = \"speed\"\nharness = false\n",
    );
    write(
        "tool/src/lib.rs",
        "pub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n",
    );
    write(
        "tool/src/bin/wal-reader.rs",
        "use clap::Parser;\n#[derive(Parser)]\nstruct Cli {\n    path: String,\n    \
         /// Hex.\n    #[arg(long)]\n    hex: bool,\n    #[arg(\n        long = \"max\",\n        \
         default_value_t = 3\n    )]\n    max_count: u64,\n    #[arg(long, default_value_t = 1)]\n    \
         value_size: u64,\n}\nfn main() {}\n",
    );
    write("tool/examples/demo.rs", "fn main() {}\n");
    write(
        "tool/src/bin/multi.rs",
        "use clap::Parser;\nuse tool::cli::Cli;\nfn main() {}\n",
    );
    write(
        "tool/src/cli/mod.rs",
        "mod scan;\n#[derive(Parser)]\npub struct Cli {\n    #[arg(long)]\n    db: String,\n}\n",
    );
    write(
        "tool/src/cli/scan.rs",
        "pub struct ScanArgs {\n    #[arg(long)]\n    limit: u64,\n}\n",
    );
    let ws = Workspace::load(root);
    (dir, ws)
}

fn problems(ws: &Workspace, doc: &str) -> Vec<String> {
    ws.check_doc("doc.md", doc).0
}

#[test]
fn reads_targets_and_clap_flags() {
    let (_dir, ws) = fake_workspace();
    assert!(ws.packages.contains_key("tool"));
    assert!(ws.bins.contains_key("wal-reader"));
    assert!(ws.examples.contains_key("demo"));
    assert!(ws.benches.contains("speed"));
    let flags = ws.long_flags(&ws.bins["wal-reader"]).unwrap();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    assert_eq!(flags, ["help", "hex", "max", "value-size"]);
    assert_eq!(ws.long_flags(&ws.examples["demo"]), None);
}

#[test]
fn reads_the_flags_of_a_child_module() {
    let (_dir, ws) = fake_workspace();
    let flags = ws.long_flags(&ws.bins["multi"]).unwrap();
    let flags: Vec<&str> = flags.iter().map(String::as_str).collect();
    assert_eq!(flags, ["db", "help", "limit"]);
}

#[test]
fn a_current_excerpt_passes_with_indentation_removed() {
    let (_dir, ws) = fake_workspace();
    let doc = "text\n\n```rust\n// tool/src/lib.rs:1-3\npub fn add(a: u32, b: u32) -> u32 {\n    a + b\n}\n```\n\n```rust\n// tool/src/lib.rs:2-2\na + b\n```\n";
    assert_eq!(problems(&ws, doc), Vec::<String>::new());
}

#[test]
fn a_stale_excerpt_fails_naming_the_doc_line_and_the_difference() {
    let (_dir, ws) = fake_workspace();
    let doc = "# T\n\n```rust\n// tool/src/lib.rs:1-3\npub fn add(a: u32, b: u32) -> u32 {\n    a - b\n}\n```\n";
    let found = problems(&ws, doc);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("doc.md:4: excerpt of tool/src/lib.rs:1-3"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("doc line 6 / tool/src/lib.rs:2"),
        "{}",
        found[0]
    );
    assert!(found[0].contains("\"    a - b\""), "{}", found[0]);
}

#[test]
fn an_excerpt_outside_the_file_or_of_a_missing_file_fails() {
    let (_dir, ws) = fake_workspace();
    let found = problems(
        &ws,
        "```rust\n// tool/src/lib.rs:2-9\nx\n```\n```rust\n// tool/src/gone.rs:1-1\nx\n```\n",
    );
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].contains("not a line range of the file (3 lines)"),
        "{}",
        found[0]
    );
    assert!(
        found[1].contains("cannot read tool/src/gone.rs"),
        "{}",
        found[1]
    );
}

#[test]
fn blessing_rewrites_a_stale_excerpt_from_its_range() {
    let (_dir, ws) = fake_workspace();
    let doc = "- item\n\n  ```rust\n  // tool/src/lib.rs:1-3\n  old\n  ```\n";
    let (found, blessed) = ws.check_doc("doc.md", doc);
    assert_eq!(found.len(), 1);
    assert_eq!(
        blessed,
        "- item\n\n  ```rust\n  // tool/src/lib.rs:1-3\n  pub fn add(a: u32, b: u32) -> u32 {\n      a + b\n  }\n  ```\n"
    );
    assert!(problems(&ws, &blessed).is_empty());
}

#[test]
fn an_unknown_flag_fails() {
    let (_dir, ws) = fake_workspace();
    let doc =
        "```sh\ncargo run --bin wal-reader -- ./data --hex --max=3 --value-size 2 --colour\n```\n";
    let found = problems(&ws, doc);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("doc.md:2: `cargo run --bin wal-reader"),
        "{}",
        found[0]
    );
    assert!(
        found[0].contains("`wal-reader` has no flag `--colour`"),
        "{}",
        found[0]
    );
}

#[test]
fn unknown_binaries_examples_packages_and_benches_fail() {
    let (_dir, ws) = fake_workspace();
    let doc = "```console\n$ cargo run --bin nope\noutput --not-checked\n$ cargo run --example demo -- --fast\n$ cargo test -p other && cargo bench --bench slow\n$ LOOM=1 RUSTFLAGS=\"--cfg loom\" \\\n    cargo test -p tool --test gone # comment --x\n$ ferrisdb-bench --x\n```\n";
    let found = problems(&ws, doc);
    let expected = [
        "doc.md:2: `cargo run --bin nope`: no binary named `nope`",
        "doc.md:4: `cargo run --example demo -- --fast`: `demo` takes no flags",
        "doc.md:5: `cargo test -p other`: no package named `other`",
        "doc.md:5: `cargo bench --bench slow`: no bench named `slow`",
        "doc.md:6: `LOOM=1 RUSTFLAGS=--cfg loom cargo test -p tool --test gone`: no integration test named `gone`",
        "doc.md:8: `ferrisdb-bench --x`: no binary or example named `ferrisdb-bench`",
    ];
    assert_eq!(found.len(), expected.len(), "{found:#?}");
    for (found, expected) in found.iter().zip(expected) {
        assert!(
            found.starts_with(expected),
            "{found}\n  expected: {expected}"
        );
    }
}

#[test]
fn a_link_to_a_missing_file_fails() {
    let (_dir, ws) = fake_workspace();
    let doc = "See [lib](tool/src/lib.rs#L1), [web](https://x.org/a) and [gone](tool/gone.md), not `[code](x.md)`.\n```text\n[not](a-link.md)\n```\n";
    let found = problems(&ws, doc);
    assert_eq!(
        found,
        ["doc.md:1: link to `tool/gone.md`, which does not exist"]
    );
}

#[test]
fn known_commands_and_direct_tool_runs_pass() {
    let (_dir, ws) = fake_workspace();
    let doc = "```sh\ncargo run --release --bin wal-reader -- --hex\nwal-reader data --max 2 | head\ncargo bench -p tool --bench speed\ncargo run --example demo -- some/dir\n```\n";
    assert_eq!(problems(&ws, doc), Vec::<String>::new());
}
