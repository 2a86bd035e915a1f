//! `run.json`: what was run and how fast: the resolved scenario, seed,
//! version, command line, wall time and events per second. Written last, it
//! marks a run folder as complete.

use serde::Serialize;

use crate::batch::{BatchResult, Diagnostic};
use crate::scenario::Study;

/// The contents of `run.json`.
#[derive(Debug, Serialize)]
pub struct RunInfo<'a> {
    /// corosim's version.
    pub corosim_version: &'static str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// What it shows.
    pub description: Option<&'a str>,
    /// The file it came from.
    pub file: String,
    /// The command line.
    pub command_line: &'a [String],
    /// Base seed.
    pub seed: u64,
    /// Replications per policy and point.
    pub replications: u32,
    /// Policy labels (at the first point), in order.
    pub policies: Vec<&'a str>,
    /// Task classes (at the first point), in order.
    pub classes: Vec<&'a str>,
    /// CPUs (at the first point).
    pub cpus: u32,
    /// Swept keys, if any.
    pub sweep: &'a [String],
    /// Sweep values, one per point.
    pub points: Vec<&'a str>,
    /// Runs (points x policies x replications).
    pub cells: usize,
    /// Runs taken from an earlier, interrupted run or from merged shards.
    pub cells_resumed: usize,
    /// Wall-clock seconds of this invocation.
    pub wall_time_s: f64,
    /// Events processed by all runs.
    pub events: u64,
    /// Events per second of wall time (runs done in this invocation only).
    pub events_per_second: f64,
    /// Measured tasks of all runs.
    pub tasks: u64,
    /// Tasks per second of wall time.
    pub tasks_per_second: f64,
    /// Whether `tasks.csv` was written.
    pub tasks_csv: bool,
    /// The scenario as run, defaults filled in, as TOML.
    pub resolved_scenario: String,
    /// Whether every run went to its end: false if a limit stopped one, and
    /// then its results cover only the time until then.
    pub complete: bool,
    /// Limits reached and deadlocks: kind, severity, point, policy,
    /// replication, instant, tasks and message of each.
    pub diagnostics: Vec<Diagnostic>,
}

impl<'a> RunInfo<'a> {
    /// Describes `result`, a run of `study` started by `command_line`.
    pub fn new(study: &'a Study, result: &BatchResult, command_line: &'a [String]) -> Self {
        let wall = result.wall.as_secs_f64();
        let fresh = result.cells.len() - result.resumed;
        let fresh_share = if result.cells.is_empty() {
            0.0
        } else {
            fresh as f64 / result.cells.len() as f64
        };
        let per_second = |n: u64| {
            if wall > 0.0 {
                n as f64 * fresh_share / wall
            } else {
                0.0
            }
        };
        let base = &study.base;
        RunInfo {
            corosim_version: env!("CARGO_PKG_VERSION"),
            scenario: &base.name,
            description: base.description.as_deref(),
            file: base.file.display().to_string(),
            command_line,
            seed: base.seed,
            replications: base.replications,
            policies: study.points[0]
                .scenario
                .policies
                .iter()
                .map(|p| p.label.as_str())
                .collect(),
            classes: study.points[0]
                .scenario
                .base
                .classes
                .iter()
                .map(|c| c.name.as_str())
                .collect(),
            cpus: study.points[0].scenario.base.cpus,
            sweep: &study.keys,
            points: study.points.iter().map(|p| p.value.as_str()).collect(),
            cells: result.cells.len(),
            cells_resumed: result.resumed,
            wall_time_s: wall,
            events: result.events(),
            events_per_second: per_second(result.events()),
            tasks: result.tasks(),
            tasks_per_second: per_second(result.tasks()),
            tasks_csv: result.has_tasks,
            resolved_scenario: base.resolved_toml(),
            complete: result.complete(),
            diagnostics: result.diagnostics(study),
        }
    }
}
