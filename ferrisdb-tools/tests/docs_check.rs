//! Checks that the docs agree with the code.
//!
//! It reads `README.md`, `ferrisdb-storage/README.md` and every `docs/**/*.md`
//! and fails, naming the doc file and line, when:
//!
//! 1. **A code excerpt is stale.** A fenced code block whose first line is a
//!    comment naming a source range, `// PATH:START-END` (or `# PATH:START-END`
//!    for shell, TOML and text), must show exactly lines `START..=END` of
//!    `PATH` (relative to the workspace root). Trailing whitespace is ignored.
//!    Leading indentation is removed uniformly: the file's lines are compared
//!    after removing the indentation they all share, so an excerpt of a method
//!    starts at column 0 in the doc.
//! 2. **A command names something that does not exist.** In `sh`, `bash`,
//!    `shell` and `console` blocks, every `cargo` command is checked: the
//!    package of `-p`/`--package`, the binary of `--bin`, the example of
//!    `--example`, the bench of `--bench` and the test of `--test` must exist
//!    in the workspace, and every `--flag` after `--` must be a long flag of
//!    that binary or example (read from its clap `#[arg(long ...)]`
//!    attributes). Our tools run directly (`wal-reader`, `sstable-dump`,
//!    `bulk_insert`, `ferrisdb-bench`, `ferrisdb-stress`) are checked the same
//!    way.
//! 3. **A relative link names a file that does not exist.**
//!
//! After a change moves the code an excerpt shows, re-sync the docs with
//! `FERRISDB_DOCS_BLESS=1 cargo test -p ferrisdb-tools --test docs_check`: it
//! rewrites every excerpt from its (unchanged) line range. Then read the diff:
//! if the lines now show the wrong code, fix the range by hand.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The tools a doc may run directly, by the name of their binary or example.
const OUR_TOOLS: &[&str] = &[
    "wal-reader",
    "sstable-dump",
    "bulk_insert",
    "ferrisdb-bench",
    "ferrisdb-stress",
];

/// What exists in a workspace: packages, targets and their source files.
#[derive(Debug, Default)]
struct Workspace {
    root: PathBuf,
    packages: BTreeMap<String, PathBuf>,
    /// Binary name -> its main source file.
    bins: BTreeMap<String, PathBuf>,
    /// Example name -> its source file.
    examples: BTreeMap<String, PathBuf>,
    benches: BTreeSet<String>,
    tests: BTreeSet<String>,
}

impl Workspace {
    /// Reads the workspace's `Cargo.toml` members and each member's targets.
    fn load(root: &Path) -> Workspace {
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
    fn long_flags(&self, source: &Path) -> Option<BTreeSet<String>> {
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
                            files.push(read(&candidate));
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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

/// A fenced code block of a Markdown file.
#[derive(Debug)]
struct Block {
    /// The info string: `rust`, `sh`, ...
    lang: String,
    /// 1-based line number of the opening fence.
    fence_line: usize,
    /// The lines between the fences, with the fence's indentation removed.
    lines: Vec<String>,
}

fn fenced_blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut open: Option<(usize, usize, Block)> = None; // (indent, ticks, block)
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let ticks = trimmed.chars().take_while(|&c| c == '`').count();
        match &mut open {
            None if ticks >= 3 => {
                let block = Block {
                    lang: trimmed[ticks..].trim().to_owned(),
                    fence_line: i + 1,
                    lines: Vec::new(),
                };
                open = Some((indent, ticks, block));
            }
            None => {}
            Some((_, open_ticks, _))
                if ticks >= *open_ticks && trimmed[ticks..].trim().is_empty() =>
            {
                blocks.push(open.take().expect("open").2);
            }
            Some((fence_indent, _, block)) => {
                let strip = indent.min(*fence_indent);
                block.lines.push(line[strip..].to_owned());
            }
        }
    }
    blocks
}

/// `// PATH:START-END` or `# PATH:START-END` on the first line of a block.
fn excerpt_reference(first_line: &str) -> Option<(String, usize, usize)> {
    let rest = first_line
        .trim()
        .strip_prefix("//")
        .or_else(|| first_line.trim().strip_prefix('#'))?
        .trim();
    if rest.contains(char::is_whitespace) {
        return None;
    }
    let (path, range) = rest.rsplit_once(':')?;
    let (start, end) = range.split_once('-')?;
    if !path.contains('/') && !path.contains('.') {
        return None;
    }
    Some((path.to_owned(), start.parse().ok()?, end.parse().ok()?))
}

/// Lines `start..=end` of `path` with their common indentation removed and
/// trailing whitespace trimmed, or why they cannot be had.
fn source_lines(root: &Path, path: &str, start: usize, end: usize) -> Result<Vec<String>, String> {
    let full = root.join(path);
    let text = std::fs::read_to_string(&full).map_err(|e| format!("cannot read {path}: {e}"))?;
    let lines: Vec<&str> = text.lines().collect();
    if start == 0 || start > end || end > lines.len() {
        return Err(format!(
            "{path}:{start}-{end} is not a line range of the file ({} lines)",
            lines.len()
        ));
    }
    let wanted = &lines[start - 1..end];
    let indent = wanted
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    Ok(wanted
        .iter()
        .map(|l| l.get(indent..).unwrap_or("").trim_end().to_owned())
        .collect())
}

/// Splits a shell line into words: quotes group, `#` starts a comment, and
/// `&&`, `||`, `|` and `;` separate commands (returned as separate lists).
fn shell_commands(line: &str) -> Vec<Vec<String>> {
    let mut commands = vec![Vec::new()];
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, '#') if !in_word => break,
            (None, ';' | '|' | '&') => {
                if in_word {
                    commands
                        .last_mut()
                        .expect("one")
                        .push(std::mem::take(&mut word));
                    in_word = false;
                }
                while matches!(chars.peek(), Some('|' | '&')) {
                    chars.next();
                }
                commands.push(Vec::new());
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    commands
                        .last_mut()
                        .expect("one")
                        .push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        commands.last_mut().expect("one").push(word);
    }
    commands.retain(|c| !c.is_empty());
    commands
}

/// The shell command lines of a block: continuation lines joined, and for
/// `console` blocks only the lines after a `$ ` prompt.
fn command_lines(block: &Block) -> Vec<(usize, String)> {
    let console = block.lang == "console";
    let mut out: Vec<(usize, String)> = Vec::new();
    let mut continuing = false;
    for (i, raw) in block.lines.iter().enumerate() {
        let line_no = block.fence_line + 1 + i;
        let line = raw.trim();
        let text = if continuing {
            line
        } else if console {
            match line.strip_prefix("$ ") {
                Some(command) => command,
                None => continue,
            }
        } else {
            line
        };
        let (text, more) = match text.strip_suffix('\\') {
            Some(t) => (t, true),
            None => (text, false),
        };
        if continuing {
            let last = out.last_mut().expect("a line to continue");
            last.1.push(' ');
            last.1.push_str(text);
        } else {
            out.push((line_no, text.to_owned()));
        }
        continuing = more;
    }
    out
}

impl Workspace {
    /// Checks one command (its words); returns what is wrong with it.
    fn check_command(&self, words: &[String]) -> Vec<String> {
        let mut problems = Vec::new();
        // Skip `VAR=value` prefixes.
        let words: Vec<&str> = words
            .iter()
            .map(String::as_str)
            .skip_while(|w| w.contains('=') && !w.starts_with('-'))
            .collect();
        let Some(&program) = words.first() else {
            return problems;
        };
        let program_name = program.rsplit('/').next().unwrap_or(program);
        if program == "cargo" {
            let (cargo_args, tool_args) = match words.iter().position(|w| *w == "--") {
                Some(at) => (&words[1..at], Some(&words[at + 1..])),
                None => (&words[1..], None),
            };
            let mut target: Option<(&str, PathBuf)> = None;
            let value_after = |i: usize| cargo_args.get(i + 1).copied().unwrap_or("");
            for (i, &arg) in cargo_args.iter().enumerate() {
                let (option, value) = match arg.split_once('=') {
                    Some((o, v)) if o.starts_with("--") => (o, v),
                    _ => (arg, value_after(i)),
                };
                match option {
                    "-p" | "--package" if !self.packages.contains_key(value) => {
                        problems.push(format!("no package named `{value}`"));
                    }
                    "--bin" => match self.bins.get(value) {
                        Some(path) => target = Some((value, path.clone())),
                        None => problems.push(format!("no binary named `{value}`")),
                    },
                    "--example" => match self.examples.get(value) {
                        Some(path) => target = Some((value, path.clone())),
                        None => problems.push(format!("no example named `{value}`")),
                    },
                    "--bench" if !self.benches.contains(value) => {
                        problems.push(format!("no bench named `{value}`"));
                    }
                    "--test" if !self.tests.contains(value) => {
                        problems.push(format!("no integration test named `{value}`"));
                    }
                    _ => {}
                }
            }
            if let (Some((name, source)), Some(args)) = (target, tool_args) {
                problems.extend(self.check_flags(name, &source, args));
            }
        } else if OUR_TOOLS.contains(&program_name) {
            match self
                .bins
                .get(program_name)
                .or_else(|| self.examples.get(program_name))
            {
                Some(source) => {
                    problems.extend(self.check_flags(program_name, source, &words[1..]))
                }
                None => problems.push(format!("no binary or example named `{program_name}`")),
            }
        }
        problems
    }

    fn check_flags(&self, tool: &str, source: &Path, args: &[&str]) -> Vec<String> {
        let known = self.long_flags(source);
        args.iter()
            .filter_map(|arg| arg.strip_prefix("--"))
            .map(|flag| flag.split('=').next().unwrap_or(flag))
            .filter(|flag| !known.as_ref().is_some_and(|k| k.contains(*flag)))
            .map(|flag| {
                let source = source.strip_prefix(&self.root).unwrap_or(source);
                match &known {
                    Some(k) => format!(
                        "`{tool}` has no flag `--{flag}` (it has: {}; see {})",
                        k.iter()
                            .map(|f| format!("--{f}"))
                            .collect::<Vec<_>>()
                            .join(" "),
                        source.display()
                    ),
                    None => format!(
                        "`{tool}` takes no flags, but `--{flag}` is passed (see {})",
                        source.display()
                    ),
                }
            })
            .collect()
    }

    /// Checks one Markdown file. Returns the problems found (each naming
    /// `name` and a line) and the text with every excerpt rewritten from its
    /// source range (for blessing).
    fn check_doc(&self, name: &str, text: &str) -> (Vec<String>, String) {
        let mut problems = Vec::new();
        let mut replacements: Vec<(usize, usize, Vec<String>)> = Vec::new(); // (first, count, lines)
        for block in fenced_blocks(text) {
            if let Some((path, start, end)) = block.lines.first().and_then(|l| excerpt_reference(l))
            {
                let at = block.fence_line + 1;
                match source_lines(&self.root, &path, start, end) {
                    Err(e) => problems.push(format!("{name}:{at}: excerpt: {e}")),
                    Ok(expected) => {
                        let shown: Vec<String> = block.lines[1..]
                            .iter()
                            .map(|l| l.trim_end().to_owned())
                            .collect();
                        if shown != expected {
                            problems
                                .push(excerpt_mismatch(name, at, &path, start, &shown, &expected));
                        }
                        // The block's body starts one line after the reference.
                        replacements.push((at + 1, block.lines.len() - 1, expected));
                    }
                }
            }
            if matches!(block.lang.as_str(), "sh" | "bash" | "shell" | "console") {
                for (line_no, line) in command_lines(&block) {
                    for command in shell_commands(&line) {
                        for problem in self.check_command(&command) {
                            problems.push(format!(
                                "{name}:{line_no}: `{}`: {problem}",
                                command.join(" ")
                            ));
                        }
                    }
                }
            }
        }
        problems.extend(self.check_links(name, text));
        (problems, bless(text, replacements))
    }

    /// Relative Markdown links `[text](path)` outside code blocks must name an
    /// existing file or directory (anchors are not checked).
    fn check_links(&self, name: &str, text: &str) -> Vec<String> {
        let dir = self.root.join(name);
        let dir = dir.parent().unwrap_or(&self.root);
        let mut problems = Vec::new();
        let mut in_block = false;
        for (i, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("```") {
                in_block = !in_block;
                continue;
            }
            if in_block {
                continue;
            }
            for (at, _) in line.match_indices("](") {
                if line[..at].matches('`').count() % 2 == 1 {
                    continue; // inside an inline code span
                }
                let rest = &line[at + 2..];
                let Some(end) = rest.find(')') else { continue };
                let target = rest[..end].split('#').next().unwrap_or("");
                if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                    continue;
                }
                if !dir.join(target).exists() {
                    problems.push(format!(
                        "{name}:{}: link to `{target}`, which does not exist",
                        i + 1
                    ));
                }
            }
        }
        problems
    }
}

fn excerpt_mismatch(
    name: &str,
    at: usize,
    path: &str,
    start: usize,
    shown: &[String],
    expected: &[String],
) -> String {
    let mut message = format!(
        "{name}:{at}: excerpt of {path}:{start}-{} no longer matches the file",
        start + expected.len().saturating_sub(1)
    );
    let differs = shown
        .iter()
        .zip(expected)
        .position(|(a, b)| a != b)
        .unwrap_or(shown.len().min(expected.len()));
    if shown.len() != expected.len() {
        let _ = write!(
            message,
            "; the doc shows {} lines, the range has {}",
            shown.len(),
            expected.len()
        );
    }
    let _ = write!(
        message,
        "; first difference at doc line {} / {path}:{}:\n    doc:  {:?}\n    file: {:?}",
        at + 1 + differs,
        start + differs,
        shown
            .get(differs)
            .map_or("<end of excerpt>", String::as_str),
        expected
            .get(differs)
            .map_or("<end of range>", String::as_str),
    );
    message
}

/// `text` with the given line ranges (1-based first line, line count)
/// replaced.
fn bless(text: &str, mut replacements: Vec<(usize, usize, Vec<String>)>) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    replacements.sort_by_key(|r| std::cmp::Reverse(r.0));
    for (first, count, new) in replacements {
        let indent: String = lines[first - 2].chars().take_while(|c| *c == ' ').collect();
        let new = new.into_iter().map(|l| {
            if l.is_empty() {
                l
            } else {
                format!("{indent}{l}")
            }
        });
        lines.splice(first - 1..first - 1 + count, new);
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// The docs the check reads, relative to the workspace root.
fn doc_files(root: &Path) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "md") {
                out.push(path);
            }
        }
    }
    let mut files = vec![
        root.join("README.md"),
        root.join("ferrisdb-storage/README.md"),
    ];
    let mut docs = Vec::new();
    walk(&root.join("docs"), &mut docs);
    docs.sort();
    files.extend(docs);
    files.retain(|f| f.is_file());
    files
}

#[test]
fn docs_agree_with_the_code() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root");
    let ws = Workspace::load(root);
    let bless_mode = std::env::var_os("FERRISDB_DOCS_BLESS").is_some_and(|v| v == "1");
    let mut problems = Vec::new();
    let mut blessed = Vec::new();
    for file in doc_files(root) {
        let name = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let text = read(&file);
        let (found, rewritten) = ws.check_doc(&name, &text);
        if bless_mode && rewritten != text {
            std::fs::write(&file, rewritten).expect("write the blessed doc");
            blessed.push(name);
        } else {
            problems.extend(found);
        }
    }
    if !blessed.is_empty() {
        eprintln!("rewrote the excerpts of: {}", blessed.join(", "));
    }
    assert!(
        problems.is_empty(),
        "the docs disagree with the code ({} problems):\n{}\n\nIf code only moved, \
         `FERRISDB_DOCS_BLESS=1 cargo test -p ferrisdb-tools --test docs_check` rewrites \
         the excerpts from their line ranges; check the diff.",
        problems.len(),
        problems.join("\n")
    );
}

/// The checker's own tests, on a small made-up workspace.
mod checker {
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
        let doc = "```sh\ncargo run --bin wal-reader -- ./data --hex --max=3 --value-size 2 --colour\n```\n";
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
}
