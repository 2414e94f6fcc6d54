//! No import cycle in the library crates, between modules or between files:
//! dependencies point one way (core <- formats <- versions <- engine <-
//! facade), so each layer can be read, and tested, without the ones above
//! it.
//!
//! The check reads the source: every `crate::` and `super::` path outside
//! comments and `#[cfg(test)] mod tests`, resolved to the file that defines
//! it. A name the crate root re-exports (`crate::StorageConfig`) resolves to
//! the module it comes from. A cycle of files is reported with its edges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The library crates checked, by their `src` directory.
const CRATES: [&str; 3] = [
    "ferrisdb-core/src",
    "ferrisdb-storage/src",
    "ferrisdb-raft/src",
];

/// A crate's files, by module path (`engine::flush`; the root is `""`), with
/// the source of each.
type Files = BTreeMap<String, String>;

fn read_files(dir: &Path, prefix: &[String], into: &mut Files) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let mut module = prefix.to_vec();
        if path.is_dir() {
            module.push(name);
            read_files(&path, &module, into);
        } else if path.extension().is_some_and(|e| e == "rs") {
            if name != "mod" && name != "lib" {
                module.push(name);
            }
            into.insert(module.join("::"), std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// `source` without comments and without its unit tests.
fn code_of(source: &str) -> String {
    let source = match source.find("#[cfg(test)]\nmod tests") {
        Some(at) => &source[..at],
        None => source,
    };
    source
        .lines()
        .map(|line| match line.find("//") {
            Some(at) => &line[..at],
            None => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The paths that start at `at` in `code`: `a::b::C`, or each of the items of
/// a group, `a::{b, c::D}` giving `a::b` and `a::c::D`.
fn paths_at(code: &str, at: usize) -> Vec<String> {
    let rest = &code[at..];
    let mut path = String::new();
    let mut i = 0;
    let bytes: Vec<char> = rest.chars().collect();
    loop {
        let start = i;
        while i < bytes.len() && is_ident(bytes[i]) {
            i += 1;
        }
        path.extend(&bytes[start..i]);
        if rest[i..].starts_with("::{") {
            let group_start = i + 3;
            let mut depth = 1;
            let mut j = group_start;
            while j < bytes.len() && depth > 0 {
                match bytes[j] {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                j += 1;
            }
            let group: String = bytes[group_start..j - 1].iter().collect();
            let mut out = Vec::new();
            for item in split_top_level(&group) {
                let item = item.trim();
                let head: String = item.chars().take_while(|c| is_ident(*c)).collect();
                if !head.is_empty() && head != "self" {
                    out.push(format!("{path}::{head}"));
                }
            }
            out.push(path);
            return out;
        }
        if rest[i..].starts_with("::") && rest[i + 2..].starts_with(is_ident) {
            path.push_str("::");
            i += 2;
            continue;
        }
        return vec![path];
    }
}

/// The items of a `use` group, split at its top-level commas.
fn split_top_level(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items
}

/// The longest prefix of `path` that names a file of `files`.
fn resolve(files: &Files, path: &str) -> Option<String> {
    let segments: Vec<&str> = path.split("::").collect();
    (1..=segments.len())
        .rev()
        .map(|n| segments[..n].join("::"))
        .find(|module| files.contains_key(module))
}

/// The names the crate root re-exports from its own modules, mapped to the
/// path they come from (`StorageConfig` -> `config::StorageConfig`).
fn root_reexports(files: &Files) -> BTreeMap<String, String> {
    let code = code_of(&files[""]);
    let mut names = BTreeMap::new();
    for (at, _) in code.match_indices("use ") {
        let line_start = code[..at].rfind('\n').map_or(0, |n| n + 1);
        if !code[line_start..at].trim_start().starts_with("pub") {
            continue;
        }
        for path in paths_at(&code, at + 4) {
            let last = path.rsplit("::").next().unwrap().to_string();
            if path.contains("::") && resolve(files, &path).is_some() {
                names.insert(last, path);
            }
        }
    }
    names
}

/// Every file's dependencies on other files.
fn dependencies(files: &Files) -> BTreeMap<String, BTreeSet<String>> {
    let reexports = root_reexports(files);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (module, source) in files {
        let code = code_of(source);
        let parent = module.rsplit_once("::").map_or("", |(p, _)| p);
        let mut targets = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            if code[..at].ends_with(|c: char| is_ident(c) || c == ':') {
                continue;
            }
            for path in paths_at(&code, at + "crate::".len()) {
                let first = path.split("::").next().unwrap_or_default();
                match reexports.get(first) {
                    Some(origin) if !files.contains_key(first) => targets.push(origin.clone()),
                    _ => targets.push(path),
                }
            }
        }
        for (at, _) in code.match_indices("super::") {
            if code[..at].ends_with(|c: char| is_ident(c) || c == ':') {
                continue;
            }
            for path in paths_at(&code, at + "super::".len()) {
                // `super` of a `mod.rs` or of a file is its parent module.
                let base = if parent.is_empty() {
                    path
                } else {
                    format!("{parent}::{path}")
                };
                targets.push(base);
            }
        }
        let deps = edges.entry(module.clone()).or_default();
        for target in targets {
            if let Some(file) = resolve(files, &target) {
                let nested = |a: &str, b: &str| a.starts_with(&format!("{b}::")) || b.is_empty();
                if file != *module && !nested(module, &file) && !nested(&file, module) {
                    deps.insert(file);
                }
            }
        }
    }
    edges
}

/// The import graph cut to modules `depth` segments deep (1: top-level
/// modules; `usize::MAX`: files).
fn graph_at(
    edges: &BTreeMap<String, BTreeSet<String>>,
    depth: usize,
) -> BTreeMap<String, BTreeSet<String>> {
    let cut = |m: &str| m.split("::").take(depth).collect::<Vec<_>>().join("::");
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in edges {
        for to in tos {
            let (a, b) = (cut(from), cut(to));
            let nested = a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"));
            if a != b && !nested {
                graph.entry(a).or_default().insert(b);
            }
        }
    }
    graph
}

/// The cycles of `graph`: its strongly connected components of more than
/// one node, each with the edges inside it.
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<String> {
    // Kosaraju: finish order on the graph, then components on its reverse.
    fn visit<'a>(
        node: &'a str,
        graph: &'a BTreeMap<String, BTreeSet<String>>,
        seen: &mut BTreeSet<&'a str>,
        order: &mut Vec<&'a str>,
    ) {
        if !seen.insert(node) {
            return;
        }
        for next in graph.get(node).into_iter().flatten() {
            visit(next, graph, seen, order);
        }
        order.push(node);
    }
    let mut reverse: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (from, tos) in graph {
        for to in tos {
            reverse.entry(to.clone()).or_default().insert(from.clone());
        }
    }
    let (mut seen, mut order) = (BTreeSet::new(), Vec::new());
    for node in graph.keys() {
        visit(node, graph, &mut seen, &mut order);
    }
    let mut assigned = BTreeSet::new();
    let mut found = Vec::new();
    for node in order.into_iter().rev() {
        if assigned.contains(node) {
            continue;
        }
        let (mut component, mut members) = (BTreeSet::new(), Vec::new());
        visit(node, &reverse, &mut component, &mut members);
        let component: BTreeSet<&str> = members
            .into_iter()
            .filter(|m| !assigned.contains(*m))
            .collect();
        assigned.extend(component.iter().copied());
        if component.len() > 1 {
            let edges: Vec<String> = component
                .iter()
                .flat_map(|a| {
                    graph[*a]
                        .iter()
                        .filter(|b| component.contains(b.as_str()))
                        .map(move |b| format!("{a} -> {b}"))
                })
                .collect();
            found.push(edges.join(", "));
        }
    }
    found
}

fn cycles_in(src: &Path) -> Vec<String> {
    let mut files = Files::new();
    read_files(src, &[], &mut files);
    assert!(files.contains_key(""), "no lib.rs in {}", src.display());
    let edges = dependencies(&files);
    let mut found = Vec::new();
    for (depth, what) in [(1, "modules"), (usize::MAX, "files")] {
        for cycle in cycles(&graph_at(&edges, depth)) {
            found.push(format!("{} ({what}): {cycle}", src.display()));
        }
    }
    found
}

#[test]
fn no_import_cycle_between_modules_or_files() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let found: Vec<String> = CRATES
        .iter()
        .flat_map(|dir| cycles_in(&root.join(dir)))
        .collect();
    assert!(
        found.is_empty(),
        "import cycles (make the lower module stop naming the higher one):\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_finds_a_cycle_through_a_group_a_super_path_and_a_reexport() {
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::create_dir_all(src.join("engine")).unwrap();
    std::fs::write(
        src.join("lib.rs"),
        "mod engine;\nmod config;\npub use config::Config;\n",
    )
    .unwrap();
    std::fs::write(src.join("engine/mod.rs"), "mod flush;\nmod write;\n").unwrap();
    // write -> flush through `super::`, flush -> write through a group.
    std::fs::write(src.join("engine/write.rs"), "use super::flush::Flush;\n").unwrap();
    std::fs::write(
        src.join("engine/flush.rs"),
        "use crate::engine::{write::Write, other};\n// use crate::config;\n",
    )
    .unwrap();
    // config -> engine directly; engine -> config only through the root's
    // re-export.
    std::fs::write(src.join("config.rs"), "fn f() { crate::engine::run() }\n").unwrap();
    let found = cycles_in(src);
    assert!(
        found.iter().any(|c| c.contains("(files)")
            && c.contains("engine::flush -> engine::write")
            && c.contains("engine::write -> engine::flush")),
        "{found:?}"
    );
    assert!(!found.iter().any(|c| c.contains("config")), "{found:?}");

    std::fs::write(src.join("engine/write.rs"), "use crate::Config;\n").unwrap();
    let found = cycles_in(src);
    assert!(
        found.iter().any(|c| c.contains("(modules)")
            && c.contains("config -> engine")
            && c.contains("engine -> config")),
        "{found:?}"
    );
}
