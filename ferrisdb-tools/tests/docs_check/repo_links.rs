//! Links to files of the repository on GitHub. The crates' docs link the
//! guides with absolute URLs, `<repository>/blob/main/<path>` (and
//! `<repository>/tree/main/<dir>` for a folder), because docs.rs shows them
//! away from the repository, where a relative link leads nowhere. Each such
//! link must name a file (a folder) of this checkout, and name it on `main`.
//!
//! The repository is the `repository` of the root `Cargo.toml`. The links
//! are read from every `src/**/*.rs` of the workspace's folders and from
//! every `README.md`, the root's and the folders'.

use std::path::{Path, PathBuf};

use crate::markdown::files_under;
use crate::read;

/// What a link to the repository names.
#[derive(Debug, PartialEq, Eq)]
enum Target<'a> {
    /// `blob/main/<path>`: a file.
    File(&'a str),
    /// `tree/main/<path>`: a folder.
    Folder(&'a str),
    /// Any other `blob/` or `tree/` link: another branch, or a commit,
    /// which goes stale where `main` does not.
    NotMain(&'a str),
}

/// The repository's URL, `https://github.com/owner/name`, from the root
/// manifest's `repository = "..."`.
fn repository_url(root: &Path) -> String {
    let manifest = read(&root.join("Cargo.toml"));
    manifest
        .lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("repository")?.trim_start();
            Some(value.strip_prefix('=')?.trim().trim_matches('"').to_owned())
        })
        .expect("the root Cargo.toml names its repository")
}

/// The links to files of `repository` in `text`, each with the 1-based line
/// it is on. A link's path ends at the first character a URL in Markdown or
/// Rust docs does not run on to (`)`, `>`, `]`, quotes, whitespace) or at
/// its `#` anchor or `?` query.
fn link_targets<'a>(repository: &str, text: &'a str) -> Vec<(usize, Target<'a>)> {
    let prefix = format!("{}/", repository.trim_end_matches('/'));
    let mut targets = Vec::new();
    for (i, line) in text.lines().enumerate() {
        for (at, _) in line.match_indices(&prefix) {
            let rest = &line[at + prefix.len()..];
            let end = rest
                .find(|c: char| c.is_whitespace() || ")>]\"'`#?".contains(c))
                .unwrap_or(rest.len());
            let link = &rest[..end];
            let target = if let Some(path) = link.strip_prefix("blob/main/") {
                Target::File(path)
            } else if let Some(path) = link.strip_prefix("tree/main/") {
                Target::Folder(path)
            } else if link.starts_with("blob/") || link.starts_with("tree/") {
                Target::NotMain(link)
            } else {
                continue; // the repository's page, its issues, ...
            };
            targets.push((i + 1, target));
        }
    }
    targets
}

/// The files whose links are checked, relative to `root`: the root's
/// `README.md`, and the `README.md` and `src/**/*.rs` of each folder.
fn files_with_links(root: &Path) -> Vec<PathBuf> {
    let mut files = vec![root.join("README.md")];
    let mut folders: Vec<PathBuf> = std::fs::read_dir(root)
        .expect("list the workspace root")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.is_dir())
        .filter(|path| {
            let name = path.file_name().unwrap_or_default().to_string_lossy();
            !name.starts_with('.') && name != "target"
        })
        .collect();
    folders.sort();
    for folder in folders {
        files.push(folder.join("README.md"));
        files.extend(files_under(&folder.join("src"), "rs"));
    }
    files.retain(|f| f.is_file());
    files
}

/// The links of `text` (the file `name`) to `repository` that name no file
/// or folder under `root`, or a ref other than `main`.
fn broken_links(root: &Path, repository: &str, name: &str, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (line, target) in link_targets(repository, text) {
        let problem = match target {
            Target::File(path) if !root.join(path).is_file() => {
                format!("links to the file `{path}`, which does not exist")
            }
            Target::Folder(path) if !root.join(path).is_dir() => {
                format!("links to the folder `{path}`, which does not exist")
            }
            Target::NotMain(link) => {
                format!("links to `{link}`: link files on `main` (`blob/main/<path>`)")
            }
            Target::File(_) | Target::Folder(_) => continue,
        };
        problems.push(format!("{name}:{line}: {problem}"));
    }
    problems
}

#[test]
fn repository_links_name_existing_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let repository = repository_url(root);
    let mut problems = Vec::new();
    for file in files_with_links(root) {
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        problems.extend(broken_links(root, &repository, &name, &read(&file)));
    }
    assert!(
        problems.is_empty(),
        "links to the repository ({repository}) that name nothing in it ({} problems):\n{}",
        problems.len(),
        problems.join("\n")
    );
}

#[test]
fn link_targets_end_where_the_url_does() {
    let repo = "https://github.com/o/r";
    let text = "//! [a]: https://github.com/o/r/blob/main/docs/a.md\n\
                see [b](https://github.com/o/r/blob/main/docs/b.md#part), \
                <https://github.com/o/r/tree/main/docs/format>\n\
                `https://github.com/o/r/blob/v0.1.0/README.md` and \
                https://github.com/o/r/issues and https://github.com/o/other/blob/main/x";
    assert_eq!(
        link_targets(repo, text),
        [
            (1, Target::File("docs/a.md")),
            (2, Target::File("docs/b.md")),
            (2, Target::Folder("docs/format")),
            (3, Target::NotMain("blob/v0.1.0/README.md")),
        ]
    );
}

#[test]
fn broken_links_names_the_file_and_line() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let repo = "https://github.com/o/r";
    let text = "https://github.com/o/r/blob/main/Cargo.toml\n\
                https://github.com/o/r/blob/main/docs/no-such-page.md\n\
                https://github.com/o/r/tree/main/docs https://github.com/o/r/tree/main/Cargo.toml";
    assert_eq!(
        broken_links(root, repo, "x.rs", text),
        [
            "x.rs:2: links to the file `docs/no-such-page.md`, which does not exist",
            "x.rs:3: links to the folder `Cargo.toml`, which does not exist",
        ]
    );
}
