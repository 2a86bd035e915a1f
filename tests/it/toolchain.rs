//! The declared toolchain is honest: no package of the locked dependency
//! graph (every platform's, dev-dependencies included, since the README's
//! test command builds them) needs a newer Rust than Cargo.toml's
//! `rust-version`. Raising a locked version past it fails here, naming the
//! package, so the declaration moves with the lock file or the version is
//! pinned back. (corosim's own code may need more than its dependencies;
//! this checks only that the declaration is never less than they need.)

use std::process::Command;

use serde_json::Value;

/// `1.89`, `1.89.0` as (major, minor, patch).
fn version(text: &str) -> (u64, u64, u64) {
    let mut parts = text.split('.').map(|p| {
        p.parse::<u64>()
            .unwrap_or_else(|_| panic!("rust-version {text:?} is not a version number"))
    });
    let mut next = || parts.next().unwrap_or(0);
    (next(), next(), next())
}

#[test]
fn rust_version_covers_every_locked_dependency() {
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert!(!declared.is_empty(), "Cargo.toml declares no rust-version");
    let output = Command::new(env!("CARGO"))
        .args(["metadata", "--format-version", "1", "--locked"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata --locked failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("cargo metadata's JSON");
    let in_graph: Vec<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .expect("a resolved graph")
        .iter()
        .map(|node| node["id"].as_str().expect("a package id"))
        .collect();
    let mut too_new = Vec::new();
    for package in metadata["packages"].as_array().expect("packages") {
        let id = package["id"].as_str().expect("a package id");
        let Some(needs) = package["rust_version"].as_str() else {
            continue;
        };
        if !in_graph.contains(&id) {
            continue;
        }
        let name = format!(
            "{} {}",
            package["name"].as_str().unwrap(),
            package["version"].as_str().unwrap()
        );
        if version(needs) > version(declared) {
            too_new.push(format!("{name} needs Rust {needs}"));
        }
    }
    assert!(
        too_new.is_empty(),
        "Cargo.toml says rust-version = \"{declared}\", but the locked dependencies need more:\n  {}\n\
         Raise rust-version (and the README's toolchain line) or pin these back.",
        too_new.join("\n  ")
    );
}

/// The names of the packages in `cargo tree -e normal` with `features`
/// (corosim's own normal dependency graph, for the host).
fn normal_tree(features: &[&str]) -> Vec<String> {
    let output = Command::new(env!("CARGO"))
        .args(["tree", "-e", "normal", "--locked", "--offline"])
        .args(["--prefix", "none", "--format", "{p}"])
        .args(features)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        output.status.success(),
        "cargo tree {features:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The command-line and plotting stack that `default-features = false` leaves
/// out of a library user's build.
const CLI_AND_PLOTS: [&str; 7] = [
    "clap",
    "clap_complete",
    "indicatif",
    "codespan-reporting",
    "plotters",
    "png",
    "base64",
];

#[test]
fn library_without_default_features_has_no_cli_or_plotting_dependency() {
    let lean = normal_tree(&["--no-default-features"]);
    let pulled: Vec<&str> = CLI_AND_PLOTS
        .into_iter()
        .filter(|name| lean.iter().any(|p| p == name))
        .collect();
    assert!(
        pulled.is_empty(),
        "`cargo tree --no-default-features -e normal` has {pulled:?}: make them optional \
         and enable them only from the `cli` or `plots` feature"
    );
    // And the check is not vacuous: the default build has every one of them.
    let full = normal_tree(&[]);
    for name in CLI_AND_PLOTS {
        assert!(
            full.iter().any(|p| p == name),
            "{name} is no longer in the default build; update CLI_AND_PLOTS"
        );
    }
}
