//! Helpers shared by the integration tests.

use std::fs;
use std::path::Path;
use std::process::{Command, Output};

use corosim::batch::{self, BatchOptions, BatchResult, TaskRows};
use corosim::policy::POLICIES;
use corosim::report::csv_out;
use corosim::scenario::{Scenario, Study};

/// Parses a scenario or panics with its located error.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_str(text, "test.toml").unwrap_or_else(|e| panic!("{e}"))
}

/// Runs every policy x replication, keeping task records.
pub fn run(s: &Scenario) -> BatchResult {
    let options = BatchOptions {
        jobs: Some(1),
        task_rows: TaskRows::Always,
        shard: None,
        trace: false,
    };
    batch::run(&Study::single(s.clone()), &options).expect("run succeeds")
}

/// `summary.csv` and `tasks.csv` as bytes.
pub fn csv_bytes(s: &Scenario, r: &BatchResult) -> (Vec<u8>, Vec<u8>) {
    let study = Study::single(s.clone());
    let (mut summary, mut tasks) = (Vec::new(), Vec::new());
    csv_out::write_summary(&mut summary, &study, &r.cells).unwrap();
    csv_out::write_tasks(&mut tasks, &study, &r.cells).unwrap();
    (summary, tasks)
}

/// One `[[policy]]` table per built-in policy, required parameters set to
/// their example values, and a per-CPU-queues variant of each policy that
/// takes `queues`: adding a policy to `POLICIES` adds it here.
pub fn every_policy_tables() -> String {
    let mut out = String::new();
    for p in POLICIES {
        let required: String = p
            .params
            .iter()
            .filter(|param| param.required)
            .map(|param| format!("{} = {}\n", param.name, param.example))
            .collect();
        out.push_str(&format!("[[policy]]\nkind = \"{}\"\n{required}\n", p.kind));
        if p.takes_queues() {
            out.push_str(&format!(
                "[[policy]]\nkind = \"{}\"\nqueues = \"per-cpu\"\n{required}\n",
                p.kind
            ));
        }
    }
    out
}

/// Student's t quantiles t(0.995, df): two-sided 99% intervals. From any
/// statistics table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
pub fn t_995(df: usize) -> f64 {
    match df {
        9 => 3.250,
        19 => 2.861,
        29 => 2.756,
        39 => 2.708,
        _ => panic!("no tabulated t quantile for {df} degrees of freedom"),
    }
}

/// Mean and 99% confidence half-width of independent replication values.
pub fn mean_ci99(xs: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
    (mean, t_995(xs.len() - 1) * (var / n).sqrt())
}

// ---- the corosim command ----

/// Runs `corosim args...` in `dir`.
pub fn corosim(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_corosim"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("corosim runs")
}

/// A temporary folder holding `files` (name, contents).
pub fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[track_caller]
pub fn assert_exit(o: &Output, code: i32) {
    assert_eq!(
        o.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(o),
        stderr(o)
    );
}

/// The names in `dir`, sorted.
pub fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

pub fn read(path: impl AsRef<Path>) -> Vec<u8> {
    let path = path.as_ref();
    fs::read(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()))
}

/// The names a complete run folder holds, sorted, with or without `tasks.csv`.
pub fn run_files(with_tasks: bool) -> Vec<String> {
    let mut names: Vec<String> = [
        "aggregate.csv",
        "cells",
        "gantt.csv",
        "latency_cdf.csv",
        "paired.csv",
        "run.json",
        "summary.csv",
        "timeseries.csv",
    ]
    .map(String::from)
    .to_vec();
    if with_tasks {
        names.push("tasks.csv".into());
    }
    names.sort();
    names
}

/// Whether a file is a drawing (a chart or the report), which `corosim plot`
/// can redraw, rather than data.
pub fn is_drawing(name: &str) -> bool {
    name.ends_with(".svg") || name.ends_with(".png") || name == "report.html"
}

/// The data files and folders in `dir`, sorted (drawings left out).
pub fn data_names_in(dir: &Path) -> Vec<String> {
    names_in(dir)
        .into_iter()
        .filter(|n| !is_drawing(n))
        .collect()
}

/// The report data of a run of `scenario` (TOML text), read back from the
/// files `corosim run` writes, produced in memory; and its `paired.csv`.
pub fn run_data(scenario: &str, file: &str) -> (corosim::report::data::RunData, String) {
    use corosim::report::data::{RunData, RunFiles};
    use corosim::report::{run_json::RunInfo, series_csv};
    let study = Study::from_str(scenario, file).unwrap_or_else(|e| panic!("{e}"));
    let options = BatchOptions {
        jobs: Some(1),
        task_rows: TaskRows::Never,
        shard: None,
        trace: false,
    };
    let result = batch::run(&study, &options).expect("run succeeds");
    let cells = &result.cells;
    let write = |f: fn(&mut Vec<u8>, &Study, &[batch::Cell]) -> csv::Result<()>| {
        let mut out = Vec::new();
        f(&mut out, &study, cells).expect("CSV written");
        String::from_utf8(out).expect("UTF-8")
    };
    let aggregate = write(|o, s, c| csv_out::write_aggregate(o, s, c));
    let paired = write(|o, s, c| csv_out::write_paired(o, s, c));
    let timeseries = write(|o, s, c| series_csv::write_timeseries(o, s, c));
    let latency_cdf = write(|o, s, c| series_csv::write_latency_cdf(o, s, c));
    let gantt = write(|o, s, c| series_csv::write_gantt(o, s, c));
    let command_line = vec!["corosim".to_string(), "run".into(), file.into()];
    let run_json = serde_json::to_string_pretty(&RunInfo::new(&study, &result, &command_line))
        .expect("run.json");
    let data = RunData::parse(&RunFiles {
        run_json: &run_json,
        aggregate: &aggregate,
        timeseries: &timeseries,
        latency_cdf: &latency_cdf,
        gantt: &gantt,
    })
    .expect("the run's files read back");
    (data, paired)
}
