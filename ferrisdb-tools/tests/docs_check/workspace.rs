//! What exists in the workspace: its packages, their binaries, examples,
//! benches and integration tests, and the long flags of a tool's clap parser,
//! read from the manifests and the sources.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::read;

/// What exists in a workspace: packages, targets and their source files.
#[derive(Debug, Default)]
pub(crate) struct Workspace {
    pub(crate) root: PathBuf,
    pub(crate) packages: BTreeMap<String, PathBuf>,
    /// Binary name -> its main source file.
    pub(crate) bins: BTreeMap<String, PathBuf>,
    /// Example name -> its source file.
    pub(crate) examples: BTreeMap<String, PathBuf>,
    pub(crate) benches: BTreeSet<String>,
    pub(crate) tests: BTreeSet<String>,
}

impl Workspace {
    /// Reads the workspace's `Cargo.toml` members and each member's targets.
    pub(crate) fn load(root: &Path) -> Workspace {
        let mut ws = Workspace {
            root: root.to_path_buf(),
            ..Workspace::default()
        };
        let manifest = read(&root.join("Cargo.toml"));
        for member in workspace_members(&manifest) {
            ws.add_package(&root.join(member));
        }
        ws
    }

    fn add_package(&mut self, dir: &Path) {
        let manifest = read(&dir.join("Cargo.toml"));
        let tables = toml_tables(&manifest);
        let Some(name) = tables
            .iter()
            .find(|(header, _)| header == "[package]")
            .and_then(|(_, keys)| keys.get("name").cloned())
        else {
            return;
        };
        if dir.join("src/main.rs").is_file() {
            self.bins.insert(name.clone(), dir.join("src/main.rs"));
        }
        self.packages.insert(name, dir.to_path_buf());
        for (kind, folder) in [
            ("bin", "src/bin"),
            ("example", "examples"),
            ("bench", "benches"),
            ("test", "tests"),
        ] {
            for (target, path) in rust_targets(&dir.join(folder)) {
                self.add_target(kind, target, path);
            }
            let header = format!("[[{kind}]]");
            for (_, keys) in tables.iter().filter(|(h, _)| *h == header) {
                if let Some(target) = keys.get("name") {
                    let path = keys
                        .get("path")
                        .map(|p| dir.join(p))
                        .unwrap_or_else(|| dir.join(folder).join(format!("{target}.rs")));
                    self.add_target(kind, target.clone(), path);
                }
            }
        }
    }

    fn add_target(&mut self, kind: &str, name: String, path: PathBuf) {
        match kind {
            "bin" => {
                self.bins.insert(name, path);
            }
            "example" => {
                self.examples.insert(name, path);
            }
            "bench" => {
                self.benches.insert(name);
            }
            _ => {
                self.tests.insert(name);
            }
        }
    }

    /// The long flags (without `--`) the clap parser of the program in
    /// `source` accepts: its own `#[arg(long)]` fields and those of the
    /// workspace modules it imports. `None` if it has no clap parser.
    pub(crate) fn long_flags(&self, source: &Path) -> Option<BTreeSet<String>> {
        let text = read(source);
        let mut files = vec![text.clone()];
        // `use ferrisdb_tools::wal_reader::{...}` -> ferrisdb-tools/src/wal_reader.rs
        for (package, dir) in &self.packages {
            let prefix = format!("{}::", package.replace('-', "_"));
            for (at, _) in text.match_indices(&prefix) {
                // `bench::args::BenchArgs` may live in src/bench.rs,
                // src/bench/mod.rs, src/bench/args.rs or src/bench/args/mod.rs:
                // read every file along the path.
                let path: String = text[at + prefix.len()..]
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let mut module_dir = dir.join("src");
                for segment in path.split("::").filter(|s| !s.is_empty()) {
                    for candidate in [
                        module_dir.join(format!("{segment}.rs")),
                        module_dir.join(segment).join("mod.rs"),
                    ] {
                        if candidate.is_file() {
                            let module = read(&candidate);
                            // A subcommand's arguments may live in a child
                            // module (`mod data;` in src/cli/mod.rs).
                            files.extend(child_modules(&module, &module_dir.join(segment)));
                            files.push(module);
                        }
                    }
                    module_dir = module_dir.join(segment);
                }
            }
        }
        let mut flags = BTreeSet::new();
        let mut has_parser = false;
        for file in &files {
            has_parser |= file.contains("Parser");
            flags.extend(clap_long_flags(file));
        }
        if !has_parser {
            return None;
        }
        flags.insert("help".to_owned());
        // `#[command(..., version, ...)]` adds `--version`.
        let has_version = files.iter().any(|file| {
            file.match_indices("#[command(").any(|(at, _)| {
                let attribute = &file[at..];
                let attribute = &attribute[..attribute.find(")]").unwrap_or(attribute.len())];
                attribute
                    .split([',', '(', ')'])
                    .any(|part| part.trim() == "version")
            })
        });
        if has_version {
            flags.insert("version".to_owned());
        }
        Some(flags)
    }
}

/// The text of the child modules (`mod name;`, `pub mod name;`) a module
/// declares, whose files live in `dir`.
fn child_modules(module: &str, dir: &Path) -> Vec<String> {
    module
        .lines()
        .filter_map(|line| {
            let line = line.trim();
            let line = line.strip_prefix("pub ").unwrap_or(line);
            line.strip_prefix("mod ")?.strip_suffix(';')
        })
        .flat_map(|name| {
            [
                dir.join(format!("{name}.rs")),
                dir.join(name).join("mod.rs"),
            ]
        })
        .filter(|path| path.is_file())
        .map(|path| read(&path))
        .collect()
}

/// The `members = [...]` of a workspace manifest.
fn workspace_members(manifest: &str) -> Vec<String> {
    let Some(start) = manifest.find("members") else {
        return Vec::new();
    };
    let rest = &manifest[start..];
    let (Some(open), Some(close)) = (rest.find('['), rest.find(']')) else {
        return Vec::new();
    };
    rest[open + 1..close]
        .split(',')
        .map(|m| m.trim().trim_matches('"').to_owned())
        .filter(|m| !m.is_empty())
        .collect()
}

/// The tables of a Cargo manifest with their `key = "string"` entries: enough
/// for package names and target names and paths.
fn toml_tables(manifest: &str) -> Vec<(String, BTreeMap<String, String>)> {
    let mut tables: Vec<(String, BTreeMap<String, String>)> = Vec::new();
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            tables.push((line.to_owned(), BTreeMap::new()));
        } else if let (Some((key, value)), Some((_, keys))) =
            (line.split_once('='), tables.last_mut())
        {
            let value = value.trim();
            if let Some(value) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) {
                keys.insert(key.trim().to_owned(), value.to_owned());
            }
        }
    }
    tables
}

/// `NAME.rs` and `NAME/main.rs` in `dir`, as (NAME, path).
fn rust_targets(dir: &Path) -> Vec<(String, PathBuf)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut targets = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        if let Some(stem) = name.strip_suffix(".rs") {
            targets.push((stem.to_owned(), path));
        } else if path.join("main.rs").is_file() {
            targets.push((name, path.join("main.rs")));
        }
    }
    targets
}

/// The long flags declared with `#[arg(long)]`, `#[arg(long = "name")]` (or
/// `#[clap(...)]`) in a clap-derive source file: the field name in kebab case,
/// or the explicit name.
fn clap_long_flags(source: &str) -> BTreeSet<String> {
    let mut flags = BTreeSet::new();
    let mut pending: Option<Option<String>> = None;
    let mut attribute = String::new();
    for line in source.lines().map(str::trim) {
        if !attribute.is_empty() || line.starts_with("#[arg(") || line.starts_with("#[clap(") {
            attribute.push_str(line);
            if !line.ends_with(")]") {
                continue;
            }
            let args = std::mem::take(&mut attribute);
            for part in args.split(',') {
                let part = part
                    .trim()
                    .trim_start_matches("#[arg(")
                    .trim_start_matches("#[clap(")
                    .trim_end_matches(")]")
                    .trim();
                if part == "long" {
                    pending = Some(None);
                } else if let Some(name) = part.strip_prefix("long") {
                    if let Some(name) = name.trim().strip_prefix('=') {
                        pending = Some(Some(name.trim().trim_matches('"').to_owned()));
                    }
                }
            }
            continue;
        }
        if line.starts_with("#[") || line.starts_with("//") || line.is_empty() {
            continue;
        }
        if let Some(explicit) = pending.take() {
            let field = line
                .trim_start_matches("pub(crate) ")
                .trim_start_matches("pub ")
                .split(':')
                .next()
                .unwrap_or("")
                .trim()
                .to_owned();
            flags.insert(explicit.unwrap_or_else(|| field.replace('_', "-")));
        }
    }
    flags
}
