//! Batch runs: every policy x replication of a scenario, run in parallel and
//! collected in a fixed order (policy in file order, then replication), so the
//! results do not depend on the number of threads.

use std::time::{Duration, Instant};

use rayon::prelude::*;

use crate::engine::{self, RunStats, SimError};
use crate::metrics::TaskRecord;
use crate::metrics::summary::{ClassSummary, SummaryRecorder, Window};
use crate::scenario::Scenario;

/// The task rows a run keeps by default (SPEC: `tasks.csv` is written by
/// default when a run has at most this many rows).
pub const DEFAULT_TASK_ROWS: usize = 1_000_000;

/// Whether to keep per-task records for `tasks.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskRows {
    /// Keep them if the whole batch has at most [`DEFAULT_TASK_ROWS`].
    #[default]
    Auto,
    /// Always keep them.
    Always,
    /// Never keep them (runs use bounded memory).
    Never,
}

/// How to run a batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchOptions {
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
    /// Per-task records.
    pub task_rows: TaskRows,
}

/// One run: a policy and a replication.
#[derive(Clone, Debug)]
pub struct Cell {
    /// Index of the policy in the scenario.
    pub policy: usize,
    /// Replication number.
    pub replication: u32,
    /// The replication's seed.
    pub seed: u64,
    /// One summary per class, in class order, then `*`.
    pub summaries: Vec<ClassSummary>,
    /// Task records, sorted by arrival, if kept.
    pub tasks: Option<Vec<TaskRecord>>,
    /// Engine totals.
    pub stats: RunStats,
}

/// Every cell of a scenario, in (policy, replication) order.
#[derive(Clone, Debug)]
pub struct BatchResult {
    /// The cells.
    pub cells: Vec<Cell>,
    /// Wall-clock time of the whole batch.
    pub wall: Duration,
    /// Whether task records were kept for every cell.
    pub has_tasks: bool,
}

impl BatchResult {
    /// Events processed by all cells.
    pub fn events(&self) -> u64 {
        self.cells.iter().map(|c| c.stats.events).sum()
    }

    /// Tasks that arrived in all cells (measured or not).
    pub fn tasks(&self) -> u64 {
        self.cells
            .iter()
            .map(|c| c.summaries.last().map_or(0, |s| s.arrived))
            .sum()
    }

    /// The summary of class `class` (`"*"` for all) for a policy and replication.
    pub fn summary_row(
        &self,
        scenario: &Scenario,
        policy: usize,
        replication: u32,
        class: &str,
    ) -> Option<&ClassSummary> {
        let cell = self
            .cells
            .iter()
            .find(|c| c.policy == policy && c.replication == replication)?;
        let index = if class == "*" {
            scenario.base.classes.len()
        } else {
            scenario.base.classes.iter().position(|c| c.name == class)?
        };
        cell.summaries.get(index)
    }
}

/// Runs every policy x replication of `scenario`.
pub fn run(scenario: &Scenario, options: &BatchOptions) -> Result<BatchResult, SimError> {
    let started = Instant::now();
    let programs = scenario.compile();
    let window = Window {
        warmup: scenario.base.warmup,
        horizon: scenario.base.horizon,
    };
    let keep = match options.task_rows {
        TaskRows::Never => 0,
        TaskRows::Auto => DEFAULT_TASK_ROWS,
        TaskRows::Always => usize::MAX,
    };
    let plan: Vec<(usize, u32)> = (0..scenario.policies.len())
        .flat_map(|p| (0..scenario.replications).map(move |r| (p, r)))
        .collect();
    let run_cell = |&(policy, replication): &(usize, u32)| -> Result<Cell, SimError> {
        let config = scenario.sim_config(replication);
        let mut recorder = SummaryRecorder::new(config.classes.len(), window, keep);
        let scheduler = scenario.policies[policy].build(config.cpus, config.seed);
        let stats = engine::run(&config, &programs, scheduler, &mut recorder)?;
        let mut tasks = recorder.take_tasks();
        if let Some(t) = tasks.as_mut() {
            t.sort_by_key(|r| (r.arrival, r.class, r.index));
        }
        let tasks = if keep == 0 { None } else { tasks };
        let summaries = recorder.summaries(&stats, config.cpus);
        Ok(Cell {
            policy,
            replication,
            seed: config.seed,
            summaries,
            tasks,
            stats,
        })
    };
    let cells: Result<Vec<Cell>, SimError> = match options.jobs {
        Some(1) => plan.iter().map(run_cell).collect(),
        jobs => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.unwrap_or(0))
                .build()
                .expect("a thread pool of the requested size");
            pool.install(|| plan.par_iter().map(run_cell).collect())
        }
    };
    let mut cells = cells?;
    let rows: usize = cells
        .iter()
        .map(|c| c.tasks.as_ref().map_or(usize::MAX, Vec::len))
        .fold(0, usize::saturating_add);
    let has_tasks = keep > 0 && rows <= keep;
    if !has_tasks {
        for c in &mut cells {
            c.tasks = None;
        }
    }
    Ok(BatchResult {
        cells,
        wall: started.elapsed(),
        has_tasks,
    })
}
