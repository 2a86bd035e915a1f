//! Golden outputs: small scenarios under `tests/golden/<name>/` whose CSVs are
//! committed beside them and compared byte for byte with what `corosim run`
//! writes now. They pin every refactor: a change that moves one byte of a
//! result fails here. `COROSIM_BLESS=1 cargo test golden` rewrites them, on
//! purpose, never silently (say why in the commit).

use std::fs;
use std::path::{Path, PathBuf};

use super::support::{assert_exit, corosim, read};

/// Whether this run rewrites the golden files instead of comparing.
fn blessing() -> bool {
    std::env::var_os("COROSIM_BLESS").is_some_and(|v| v == "1")
}

fn golden_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

/// Runs `tests/golden/<name>/scenario.toml` with `extra` arguments and
/// compares each of `files` with its golden copy.
fn check_golden(name: &str, extra: &[&str], files: &[&str]) {
    let golden = golden_dir(name);
    let out = tempfile::tempdir().unwrap();
    let scenario = golden.join("scenario.toml");
    let mut args = vec![
        "run",
        scenario.to_str().unwrap(),
        "--out",
        out.path().to_str().unwrap(),
        "--no-plots",
        "--quiet",
        "--jobs",
        "2",
    ];
    args.extend_from_slice(extra);
    assert_exit(&corosim(out.path(), &args), 0);
    let mut differ = Vec::new();
    for file in files {
        let now = read(out.path().join(file));
        let path = golden.join(file);
        if blessing() {
            fs::write(&path, &now).unwrap();
            continue;
        }
        let Ok(before) = fs::read(&path) else {
            panic!(
                "{} is missing: run with COROSIM_BLESS=1 to write it",
                path.display()
            );
        };
        if before != now {
            let line = before
                .split(|&b| b == b'\n')
                .zip(now.split(|&b| b == b'\n'))
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            differ.push(format!("{file} (first difference at line {line})"));
        }
    }
    assert!(
        differ.is_empty(),
        "{name}: output differs from tests/golden/{name}: {}; if the change is meant, \
         rerun with COROSIM_BLESS=1 and say why in the commit",
        differ.join(", ")
    );
}

/// Every policy kind on two CPUs over every step kind and arrival process.
/// `paired.csv` is left out: with 18 policies it is 1.4 MB of pairs, and the
/// sweep golden pins its writer.
#[test]
fn every_policy_outputs_are_unchanged() {
    check_golden(
        "every-policy",
        &["--tasks-csv"],
        &[
            "summary.csv",
            "aggregate.csv",
            "tasks.csv",
            "timeseries.csv",
            "latency_cdf.csv",
            "gantt.csv",
        ],
    );
}

/// A load sweep with replications: intervals and paired differences.
#[test]
fn sweep_outputs_are_unchanged() {
    check_golden(
        "sweep",
        &["--no-tasks-csv"],
        &[
            "summary.csv",
            "aggregate.csv",
            "paired.csv",
            "timeseries.csv",
            "latency_cdf.csv",
            "gantt.csv",
        ],
    );
}
