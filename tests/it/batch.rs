//! Batch runs through the `corosim` command: sweeps, byte-identical outputs
//! for any `--jobs`, sharded runs merged, and interrupted runs resumed.

use std::fs;
use std::path::Path;
use std::process::{Command as Process, Stdio};
use std::time::{Duration, Instant};

use crate::support::{assert_exit, corosim, folder, names_in, read, stderr};

/// A load sweep of two policies and three replications: 4 x 2 x 3 = 24 runs.
const SWEEP: &str = r#"name = "sweep"
seed = 5
horizon = "400ms"
warmup = "20ms"
replications = 3

[[policy]]
kind = "fifo"

[[policy]]
kind = "round-robin"
quantum = "500us"

[[task]]
name = "job"
arrival = { process = "poisson", rate = 100.0 }
program = [ { compute = { exp = "1ms" } }, { sleep = "1ms" }, { compute = "200us" } ]

[sweep]
load = [0.3, 0.5, 0.7, 0.9]
"#;

const OUTPUT_FILES: [&str; 8] = [
    "aggregate.csv",
    "gantt.csv",
    "latency_cdf.csv",
    "paired.csv",
    "run.json",
    "summary.csv",
    "tasks.csv",
    "timeseries.csv",
];

/// Asserts that two run folders hold the same bytes in every output but
/// `run.json` (which records wall time and the command line).
#[track_caller]
fn assert_same_outputs(a: &Path, b: &Path) {
    for file in OUTPUT_FILES.iter().filter(|f| **f != "run.json") {
        let (x, y) = (read(a.join(file)), read(b.join(file)));
        if x != y {
            let (x, y) = (String::from_utf8_lossy(&x), String::from_utf8_lossy(&y));
            let line = x.lines().zip(y.lines()).position(|(l, r)| l != r);
            panic!(
                "{file} differs between {} and {} (line {line:?}; {} and {} lines)",
                a.display(),
                b.display(),
                x.lines().count(),
                y.lines().count()
            );
        }
    }
}

#[test]
fn a_sweep_writes_every_point_policy_and_replication() {
    let dir = folder(&[("sweep.toml", SWEEP)]);
    let o = corosim(
        dir.path(),
        &["run", "sweep.toml", "--out", "out", "--quiet"],
    );
    assert_exit(&o, 0);
    let out = dir.path().join("out");
    let summary = String::from_utf8(read(out.join("summary.csv"))).unwrap();
    // 4 points x 2 policies x 3 replications x (1 class + `*`).
    assert_eq!(summary.lines().count(), 1 + 4 * 2 * 3 * 2);
    let values: Vec<&str> = summary
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(values.first(), Some(&"0.3"));
    assert_eq!(values.last(), Some(&"0.9"));
    let aggregate = String::from_utf8(read(out.join("aggregate.csv"))).unwrap();
    assert_eq!(aggregate.lines().count(), 1 + 4 * 2 * 2);
    let header: Vec<&str> = aggregate.lines().next().unwrap().split(',').collect();
    assert_eq!(
        &header[..5],
        ["point", "sweep_value", "policy", "class", "replications"]
    );
    assert!(header.contains(&"latency_p99_s_mean") && header.contains(&"latency_p99_s_ci95"));
    let paired = String::from_utf8(read(out.join("paired.csv"))).unwrap();
    assert!(
        paired
            .lines()
            .skip(1)
            .all(|l| l.contains("fifo,round-robin(quantum=500us)")),
        "{paired}"
    );
    // Utilisation follows the offered load.
    let util_col = header
        .iter()
        .position(|h| *h == "cpu_utilization_mean")
        .unwrap();
    for line in aggregate
        .lines()
        .skip(1)
        .filter(|l| l.split(',').nth(3) == Some("*"))
    {
        let cells: Vec<&str> = line.split(',').collect();
        let load: f64 = cells[1].parse().unwrap();
        let util: f64 = cells[util_col].parse().unwrap();
        assert!((util - load).abs() < 0.1, "load {load}, utilisation {util}");
    }
}

#[test]
fn check_prints_each_points_load_and_warns_at_one_or_more() {
    let dir = folder(&[("sweep.toml", &SWEEP.replace("0.9]", "1.1]"))]);
    let o = corosim(dir.path(), &["check", "sweep.toml"]);
    assert_exit(&o, 0);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(
        out.contains("offered load at point 0 (0.3): 0.3000"),
        "{out}"
    );
    assert!(
        out.contains("offered load at point 3 (1.1): 1.1000"),
        "{out}"
    );
    let err = stderr(&o);
    assert!(
        err.contains("point 3 (1.1)") && err.contains(">= 1"),
        "{err}"
    );
    assert!(!err.contains("point 2"), "{err}");
}

#[test]
fn outputs_are_identical_for_any_number_of_jobs() {
    let dir = folder(&[("sweep.toml", SWEEP)]);
    for (out, jobs) in [("one", "1"), ("two", "2"), ("three", "3")] {
        assert_exit(
            &corosim(
                dir.path(),
                &["run", "sweep.toml", "--out", out, "--jobs", jobs, "--quiet"],
            ),
            0,
        );
    }
    assert_same_outputs(&dir.path().join("one"), &dir.path().join("two"));
    assert_same_outputs(&dir.path().join("one"), &dir.path().join("three"));
}

#[test]
fn shards_merged_equal_an_unsharded_run() {
    let dir = folder(&[("sweep.toml", SWEEP)]);
    assert_exit(
        &corosim(
            dir.path(),
            &["run", "sweep.toml", "--out", "whole", "--quiet"],
        ),
        0,
    );
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let out = format!("shard{i}");
        let o = corosim(
            dir.path(),
            &[
                "run",
                "sweep.toml",
                "--out",
                &out,
                "--shard",
                &shard,
                "--quiet",
            ],
        );
        assert_exit(&o, 0);
        // A shard holds runs, not results that would look complete.
        assert_eq!(names_in(&dir.path().join(&out)), ["cells"]);
    }
    // Merging only two of the three shards is refused.
    let o = corosim(
        dir.path(),
        &["merge", "shard1", "shard2", "--out", "partial", "--quiet"],
    );
    assert_exit(&o, 1);
    assert!(
        stderr(&o).contains("8 of 24 runs are in none of the shard folders"),
        "{}",
        stderr(&o)
    );
    assert!(!dir.path().join("partial/run.json").exists());
    let o = corosim(
        dir.path(),
        &[
            "merge", "shard1", "shard2", "shard3", "--out", "merged", "--quiet",
        ],
    );
    assert_exit(&o, 0);
    assert_same_outputs(&dir.path().join("whole"), &dir.path().join("merged"));
    // Shards of different runs do not merge.
    fs::write(
        dir.path().join("other.toml"),
        SWEEP.replace("seed = 5", "seed = 6"),
    )
    .unwrap();
    assert_exit(
        &corosim(
            dir.path(),
            &[
                "run",
                "other.toml",
                "--out",
                "other",
                "--shard",
                "1/3",
                "--quiet",
            ],
        ),
        0,
    );
    let o = corosim(dir.path(), &["merge", "shard1", "other", "--out", "mixed"]);
    assert_exit(&o, 2);
    assert!(
        stderr(&o).contains("different scenarios or options"),
        "{}",
        stderr(&o)
    );
}

/// A slower sweep: 10 points x 2 policies x 4 replications of 20s each.
fn slow_sweep() -> String {
    SWEEP
        .replace("horizon = \"400ms\"", "horizon = \"20s\"")
        .replace("replications = 3", "replications = 4")
        .replace(
            "load = [0.3, 0.5, 0.7, 0.9]",
            "load = [0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7, 0.75]",
        )
}

fn cells_done(dir: &Path) -> usize {
    fs::read_dir(dir.join("cells"))
        .map(|d| {
            d.filter_map(Result::ok)
                .filter(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    name.starts_with('p') && name.ends_with(".json") && name != "plan.json"
                })
                .count()
        })
        .unwrap_or(0)
}

#[test]
fn a_killed_run_resumes_to_the_same_bytes() {
    let dir = folder(&[("slow.toml", &slow_sweep())]);
    let total = 10 * 2 * 4;
    // Kill a run once some, not all, of its cells are done.
    let mut child = Process::new(env!("CARGO_BIN_EXE_corosim"))
        .current_dir(dir.path())
        .args([
            "run",
            "slow.toml",
            "--out",
            "killed",
            "--jobs",
            "1",
            "--no-tasks-csv",
            "--quiet",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let killed = dir.path().join("killed");
    let deadline = Instant::now() + Duration::from_secs(120);
    while cells_done(&killed) < 1 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(1));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let done = cells_done(&killed);
    assert!(
        (1..total).contains(&done),
        "killed after {done} of {total} runs"
    );
    assert!(
        !killed.join("run.json").exists(),
        "an interrupted run looks complete"
    );
    assert!(
        !killed.join("summary.csv").exists(),
        "an interrupted run left a summary"
    );

    // Run the same command again: it resumes and reports what it reused.
    let o = corosim(
        dir.path(),
        &[
            "run",
            "slow.toml",
            "--out",
            "killed",
            "--jobs",
            "2",
            "--no-tasks-csv",
            "--quiet",
        ],
    );
    assert_exit(&o, 0);
    let info: serde_json::Value = serde_json::from_slice(&read(killed.join("run.json"))).unwrap();
    assert_eq!(info["cells_resumed"].as_u64(), Some(done as u64));

    let o = corosim(
        dir.path(),
        &[
            "run",
            "slow.toml",
            "--out",
            "straight",
            "--no-tasks-csv",
            "--quiet",
        ],
    );
    assert_exit(&o, 0);
    for file in ["summary.csv", "aggregate.csv", "paired.csv"] {
        assert_eq!(
            read(killed.join(file)),
            read(dir.path().join("straight").join(file)),
            "{file}"
        );
    }

    // --fresh starts over; a changed scenario starts over by itself.
    let o = corosim(
        dir.path(),
        &[
            "run",
            "slow.toml",
            "--out",
            "straight",
            "--no-tasks-csv",
            "--quiet",
            "--fresh",
        ],
    );
    assert_exit(&o, 0);
    let info: serde_json::Value =
        serde_json::from_slice(&read(dir.path().join("straight/run.json"))).unwrap();
    assert_eq!(info["cells_resumed"].as_u64(), Some(0));
    let o = corosim(
        dir.path(),
        &[
            "run",
            "slow.toml",
            "--out",
            "straight",
            "--no-tasks-csv",
            "--seed",
            "9",
        ],
    );
    assert_exit(&o, 0);
    assert!(
        stderr(&o).contains("held results of a different run"),
        "{}",
        stderr(&o)
    );
}
