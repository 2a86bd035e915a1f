//! The module layering reads as the data flow: a top-level module of the
//! library imports only modules above it in [`LAYERS`], so there is no import
//! cycle. Checked from the sources, so a new `use` that crosses the layers
//! upwards fails here with the file that does it.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

/// The library's top-level modules, lowest first. Each may use the ones
/// before it, never one after it.
const LAYERS: &[&str] = &[
    "time", "rng", "dist", "model", "task", "policy", "engine", "metrics", "scenario", "batch",
    "report", "cli",
];

/// The top-level modules `text` names through `crate::` paths, including
/// grouped imports (`use crate::{a::X, b}`).
fn named_modules(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in text.match_indices("crate::") {
        let rest = &text[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // Top-level names of the group: the first segment of each item,
            // up to the brace that closes the group.
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && !c.is_whitespace() => {
                        out.insert(ident(&group[j..]));
                        item_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn top_level_modules_import_only_lower_layers() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut wrong = Vec::new();
    let mut seen = BTreeSet::new();
    for file in &files {
        let rel = file.strip_prefix(&src).unwrap();
        let first = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_string_lossy();
        let module = first.trim_end_matches(".rs").to_string();
        let Some(level) = LAYERS.iter().position(|m| *m == module) else {
            assert!(
                ["lib", "main"].contains(&module.as_str()),
                "{} belongs to no layer: add its module to LAYERS",
                rel.display()
            );
            continue;
        };
        seen.insert(module.clone());
        let text = fs::read_to_string(file).unwrap();
        for used in named_modules(&text) {
            let Some(used_level) = LAYERS.iter().position(|m| *m == used) else {
                continue;
            };
            if used_level > level {
                wrong.push(format!(
                    "{} ({module}) uses crate::{used}, a higher layer",
                    rel.display()
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "layering broken:\n{}", wrong.join("\n"));
    assert_eq!(
        seen.len(),
        LAYERS.len(),
        "a layer has no module: {LAYERS:?} against {seen:?}"
    );
}

#[test]
fn grouped_imports_are_read() {
    let names = named_modules(
        "use crate::{task::{ClassId, Cx}, time::SimTime};\nlet x = crate::rng::stream;",
    );
    assert_eq!(
        names.into_iter().collect::<Vec<_>>(),
        ["rng", "task", "time"]
    );
}
