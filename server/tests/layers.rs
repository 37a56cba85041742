//! The server crate's modules form layers: no module reaches, through `crate::` paths,
//! one that reaches back to it. The order is the table in `src/lib.rs`.
//!
//! This reads the sources as text: every `crate::…` path outside comments (in `use`
//! declarations, groups included, and in code) is an edge from the file's module to the
//! deepest module the path names. Edges between a module and its own ancestors or
//! descendants (`database` and `database::migrations`) are allowed.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Module path (`database::migrations`) → the modules it refers to.
type Graph = BTreeMap<String, BTreeSet<String>>;

#[test]
fn the_server_modules_import_each_other_in_no_circle() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = module_files(&src);
    assert!(
        files.contains_key("routes") && files.contains_key("database::migrations"),
        "module discovery found {:?}",
        files.keys()
    );
    let modules: BTreeSet<String> = files.keys().cloned().collect();
    let mut graph = Graph::new();
    for (module, file) in &files {
        let text = std::fs::read_to_string(file).expect("readable source file");
        let targets = graph.entry(module.clone()).or_default();
        for path in crate_paths(&text) {
            if let Some(target) = deepest_module(&modules, &path)
                && !related(module, &target)
            {
                targets.insert(target);
            }
        }
    }
    for (module, targets) in &graph {
        println!("{module} -> {targets:?}");
    }
    assert_eq!(
        circle(&graph),
        None,
        "the server's modules import in a circle"
    );
}

#[test]
fn a_circle_is_found() {
    let graph: Graph = [
        ("context", &["database"][..]),
        ("database", &["metrics"][..]),
        ("metrics", &["context"][..]),
        ("server", &["context"][..]),
    ]
    .into_iter()
    .map(|(m, ts)| (m.to_owned(), ts.iter().map(|t| (*t).to_owned()).collect()))
    .collect();
    assert_eq!(
        circle(&graph),
        Some(vec![
            "context".to_owned(),
            "database".to_owned(),
            "metrics".to_owned(),
            "context".to_owned()
        ])
    );
}

#[test]
fn paths_are_read_from_uses_groups_and_code_but_not_comments() {
    let text = "use crate::config::Settings;\n\
                use crate::database::{Database, migrations::{self, apply}};\n\
                // crate::server is only mentioned here\n\
                /// and [`crate::routes`] here\n\
                fn f() { crate::metrics::request(); }\n";
    let paths: Vec<String> = crate_paths(text).iter().map(|p| p.join("::")).collect();
    assert_eq!(
        paths,
        [
            "config::Settings",
            "database::Database",
            "database::migrations::self",
            "database::migrations::apply",
            "metrics::request",
        ]
    );
    let modules: BTreeSet<String> = ["config", "database", "database::migrations", "metrics"]
        .map(str::to_owned)
        .into();
    let path = ["database", "migrations", "apply"].map(str::to_owned);
    assert_eq!(
        deepest_module(&modules, &path).as_deref(),
        Some("database::migrations")
    );
}

/// Every module file of the library under `src`, by module path (`main.rs`, the binary,
/// is another crate).
fn module_files(src: &Path) -> BTreeMap<String, PathBuf> {
    let mut files = BTreeMap::new();
    let mut pending = vec![src.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("readable source directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                pending.push(path);
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let relative = path.strip_prefix(src).expect("under src");
            let mut segments: Vec<String> = relative
                .with_extension("")
                .iter()
                .map(|s| s.to_string_lossy().into_owned())
                .collect();
            if segments == ["main"] {
                continue;
            }
            if matches!(segments.last().map(String::as_str), Some("mod" | "lib")) {
                segments.pop();
            }
            files.insert(segments.join("::"), path);
        }
    }
    files
}

/// Every `crate::` path in `text` outside line comments, groups expanded.
fn crate_paths(text: &str) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for line in text.lines() {
        let code = line.trim_start();
        if code.starts_with("//") {
            continue;
        }
        let mut rest = code;
        while let Some(at) = rest.find("crate::") {
            let preceded_by_ident = rest[..at]
                .chars()
                .last()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':');
            rest = &rest[at + "crate::".len()..];
            if !preceded_by_ident {
                let (found, after) = parse_path(rest, Vec::new());
                paths.extend(found);
                rest = after;
            }
        }
    }
    paths
}

/// Parses `a::b::{c, d::e}` at the start of `text`, under `prefix`: the full paths, and
/// the text after them.
fn parse_path(text: &str, mut prefix: Vec<String>) -> (Vec<Vec<String>>, &str) {
    let mut rest = text;
    loop {
        rest = rest.trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            let mut found = Vec::new();
            rest = group;
            loop {
                rest = rest.trim_start();
                if let Some(after) = rest.strip_prefix('}') {
                    return (found, after);
                }
                if rest.is_empty() {
                    return (found, rest);
                }
                let (inner, after) = parse_path(rest, prefix.clone());
                found.extend(inner);
                rest = after.trim_start().strip_prefix(',').unwrap_or(after);
            }
        }
        let end = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if end == 0 {
            return (vec![prefix], rest);
        }
        prefix.push(rest[..end].to_owned());
        rest = &rest[end..];
        match rest.strip_prefix("::") {
            Some(after) => rest = after,
            None => return (vec![prefix], rest),
        }
    }
}

/// The deepest of `modules` that `path` names or lies in.
fn deepest_module(modules: &BTreeSet<String>, path: &[String]) -> Option<String> {
    (1..=path.len())
        .rev()
        .map(|n| path[..n].join("::"))
        .find(|candidate| modules.contains(candidate))
}

/// Whether one module is the other, or lies inside it.
fn related(a: &str, b: &str) -> bool {
    let inside = |inner: &str, outer: &str| {
        inner == outer
            || inner
                .strip_prefix(outer)
                .is_some_and(|r| r.starts_with("::"))
    };
    inside(a, b) || inside(b, a)
}

/// A circle of `graph`, first module repeated at the end, if there is one.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        module: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = path.iter().position(|m| m == module) {
            let mut found = path[at..].to_vec();
            found.push(module.to_owned());
            return Some(found);
        }
        if done.contains(module) {
            return None;
        }
        path.push(module.to_owned());
        for target in graph.get(module).into_iter().flatten() {
            if let Some(found) = visit(graph, target, path, done) {
                return Some(found);
            }
        }
        path.pop();
        done.insert(module.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|module| visit(graph, module, &mut Vec::new(), &mut done))
}
