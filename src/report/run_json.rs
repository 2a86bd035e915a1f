//! `run.json`: what was run and how fast: the resolved scenario, seed,
//! version, command line, wall time and events per second.

use serde::Serialize;

use crate::batch::BatchResult;
use crate::scenario::Scenario;

/// The contents of `run.json`.
#[derive(Debug, Serialize)]
pub struct RunInfo<'a> {
    /// corosim's version.
    pub corosim_version: &'static str,
    /// The scenario's name.
    pub scenario: &'a str,
    /// The file it came from.
    pub file: String,
    /// The command line.
    pub command_line: &'a [String],
    /// Base seed.
    pub seed: u64,
    /// Replications per policy.
    pub replications: u32,
    /// Policy labels, in order.
    pub policies: Vec<&'a str>,
    /// Runs (policies x replications).
    pub cells: usize,
    /// Wall-clock seconds for all runs.
    pub wall_time_s: f64,
    /// Events processed by all runs.
    pub events: u64,
    /// Events per second of wall time.
    pub events_per_second: f64,
    /// Tasks that arrived in all runs.
    pub tasks: u64,
    /// Tasks per second of wall time.
    pub tasks_per_second: f64,
    /// Whether `tasks.csv` was written.
    pub tasks_csv: bool,
    /// The scenario as run, defaults filled in, as TOML.
    pub resolved_scenario: String,
}

impl<'a> RunInfo<'a> {
    /// Describes `result`, a run of `scenario` started by `command_line`.
    pub fn new(
        scenario: &'a Scenario,
        result: &BatchResult,
        command_line: &'a [String],
        tasks_csv: bool,
    ) -> Self {
        let wall = result.wall.as_secs_f64();
        let per_second = |n: u64| if wall > 0.0 { n as f64 / wall } else { 0.0 };
        RunInfo {
            corosim_version: env!("CARGO_PKG_VERSION"),
            scenario: &scenario.name,
            file: scenario.file.display().to_string(),
            command_line,
            seed: scenario.seed,
            replications: scenario.replications,
            policies: scenario.policies.iter().map(|p| p.label.as_str()).collect(),
            cells: result.cells.len(),
            wall_time_s: wall,
            events: result.events(),
            events_per_second: per_second(result.events()),
            tasks: result.tasks(),
            tasks_per_second: per_second(result.tasks()),
            tasks_csv,
            resolved_scenario: scenario.resolved_toml(),
        }
    }
}
