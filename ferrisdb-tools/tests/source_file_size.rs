//! No source file of the workspace's crates is over 400 lines: one concept
//! per file, named for what it holds (the project's style rule). Tests under
//! `tests/` are scenarios, one per file, and are not counted.

use std::path::{Path, PathBuf};

const MAX_LINES: usize = 400;

/// The `src` directories of the workspace's crates.
const SOURCE_DIRS: [&str; 5] = [
    "ferrisdb-core/src",
    "ferrisdb-storage/src",
    "ferrisdb-raft/src",
    "ferrisdb-tools/src",
    "benches/src",
];

fn rust_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            into.push(path);
        }
    }
}

#[test]
fn no_source_file_is_over_400_lines() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let mut files = Vec::new();
    for dir in SOURCE_DIRS {
        rust_files(&root.join(dir), &mut files);
    }
    assert!(files.len() > 100, "found only {} files", files.len());
    let mut too_long: Vec<String> = files
        .iter()
        .filter_map(|path| {
            let lines = std::fs::read_to_string(path).unwrap().lines().count();
            (lines > MAX_LINES).then(|| {
                format!(
                    "{} ({lines} lines)",
                    path.strip_prefix(root).unwrap().display()
                )
            })
        })
        .collect();
    too_long.sort();
    assert!(
        too_long.is_empty(),
        "split these files by concept (at most {MAX_LINES} lines each):\n{}",
        too_long.join("\n")
    );
}
