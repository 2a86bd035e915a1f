//! Batch runs: every sweep point x policy x replication of a study, run in
//! parallel and collected in a fixed order (point, then policy in file order,
//! then replication), so results do not depend on the number of threads.
//!
//! A run can be split into shards (each runs every N-th cell) and can keep its
//! finished cells in a [`CellStore`], so an interrupted run resumes where it
//! stopped and shards run elsewhere can be merged.
//!
//! The cells are grouped here, by point and policy, for the aggregates over
//! replications and the paired comparisons of policies
//! ([`aggregate()`], [`paired`]); the arithmetic is `metrics::aggregate`'s.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::engine::{self, RunStats, SimError};
use crate::metrics::TaskRecord;
use crate::metrics::aggregate::{self, AggregateRow, PairedRow};
use crate::metrics::metric::Metric;
use crate::metrics::run::RunRecorder;
use crate::metrics::summary::{ClassSummary, Classes, Window};
use crate::metrics::timeline::{TimeWindow, Timeline};
use crate::model::{DeadlockOutcome, Limit};
use crate::policy::ConfigError;
use crate::scenario::{Scenario, Study};
use crate::task::program::Programs;

/// The task rows a run keeps by default (SPEC: `tasks.csv` is written by
/// default when a run has at most this many rows).
pub const DEFAULT_TASK_ROWS: usize = 1_000_000;

/// Whether to keep per-task records for `tasks.csv`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TaskRows {
    /// Keep them if the whole batch has at most [`DEFAULT_TASK_ROWS`].
    #[default]
    Auto,
    /// Always keep them.
    Always,
    /// Never keep them (runs use bounded memory).
    Never,
}

/// Which slice of the cells to run: the `index`-th (from 1) of `count`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    /// From 1 to `count`.
    pub index: u32,
    /// How many shards.
    pub count: u32,
}

impl Shard {
    /// Whether the `n`-th cell of the plan (from 0) is this shard's.
    pub fn owns(&self, n: usize) -> bool {
        n % self.count as usize == (self.index - 1) as usize
    }
}

impl std::str::FromStr for Shard {
    type Err = String;
    fn from_str(s: &str) -> Result<Shard, String> {
        let bad = || format!("--shard {s}: expected I/N with 1 <= I <= N, like 2/4");
        let (i, n) = s.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.trim().parse::<u32>().map_err(|_| bad())?,
            n.trim().parse::<u32>().map_err(|_| bad())?,
        );
        if count == 0 || index == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }
}

/// How to run a batch.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchOptions {
    /// Worker threads (`None`: all cores).
    pub jobs: Option<usize>,
    /// Per-task records.
    pub task_rows: TaskRows,
    /// Run only this slice of the cells.
    pub shard: Option<Shard>,
    /// Capture the whole timeline of replication 0 of every point and policy
    /// (for `trace.json`), not just its first moments.
    pub trace: bool,
}

/// Segments captured of replication 0 at point 0 of each policy, for the
/// Gantt charts of a run's first moments.
pub const GANTT_SEGMENTS: usize = 400;

/// Which run a cell is: a sweep point, a policy and a replication.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct CellKey {
    /// Index of the sweep point.
    pub point: usize,
    /// Index of the policy in the point's scenario.
    pub policy: usize,
    /// Replication number.
    pub replication: u32,
}

/// One run's results.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Cell {
    /// Which run.
    pub key: CellKey,
    /// The replication's seed.
    pub seed: u64,
    /// One summary per class, in class order, then `*`.
    pub summaries: Vec<ClassSummary>,
    /// Task records, sorted by arrival, if kept.
    pub tasks: Option<Vec<TaskRecord>>,
    /// Engine totals.
    pub stats: RunStats,
    /// Completions, ready-queue length and busy CPUs per time window.
    pub windows: Vec<TimeWindow>,
    /// Latency of all measured tasks at each of `CDF_QUANTILES`, in seconds.
    pub latency_cdf: Vec<f64>,
    /// The captured timeline (replication 0 only).
    pub timeline: Option<Timeline>,
}

/// Keeps finished cells, so a run can resume and shards can be merged.
pub trait CellStore: Sync {
    /// A cell finished earlier, if kept.
    fn load(&self, key: &CellKey) -> Option<Cell>;
    /// Keeps a finished cell.
    fn save(&self, cell: &Cell) -> Result<(), String>;
}

/// What went wrong in a batch.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// A run failed.
    #[error("point {}, policy `{label}`, replication {}: {source}", key.point, key.replication)]
    Simulation {
        /// Which run.
        key: CellKey,
        /// Its policy's label.
        label: String,
        /// What happened.
        source: RunError,
    },
    /// The cell store could not keep a cell.
    #[error("keeping a finished run: {0}")]
    Store(String),
}

/// Why one run failed.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// Its policy configuration cannot be built.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The engine stopped with an error.
    #[error(transparent)]
    Sim(#[from] SimError),
}

/// What a diagnostic is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DiagnosticKind {
    /// A limit stopped the run with work left: its results are incomplete.
    LimitReached,
    /// Tasks waited on each other forever.
    Deadlock,
    /// A coroutine step held its event loop for the policy's
    /// `slow_callback_duration` or longer (asyncio).
    SlowCallback,
}

/// Whether a diagnostic fails the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Severity {
    /// `corosim run` exits 1.
    Error,
    /// The scenario declares it expected (`[limits] deadlock = "expected"`).
    Expected,
    /// Worth knowing; the results are complete (a slow callback).
    Warning,
}

/// Something a run reports besides its metrics, as `run.json` lists it: a
/// limit that stopped it, a deadlock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Diagnostic {
    /// What it is about.
    pub kind: DiagnosticKind,
    /// Whether it fails the run.
    pub severity: Severity,
    /// The sweep point.
    pub point: usize,
    /// The point's swept value (empty without a sweep).
    pub sweep_value: String,
    /// The policy's label.
    pub policy: String,
    /// The replication.
    pub replication: u32,
    /// When: the instant the run stopped, or the deadlock closed.
    pub instant: String,
    /// The same instant in nanoseconds.
    pub instant_ns: u64,
    /// The limit reached, for `limit-reached`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<Limit>,
    /// The tasks concerned (`class#n`): a deadlock's cycle, in wait order.
    #[serde(default)]
    pub tasks: Vec<String>,
    /// What happened, in words.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

impl Diagnostic {
    /// Where it happened, for a message: point, policy and replication.
    pub fn run(&self) -> String {
        let point = if self.sweep_value.is_empty() {
            format!("point {}", self.point)
        } else {
            format!("point {} ({})", self.point, self.sweep_value)
        };
        format!(
            "{point}, policy `{}`, replication {}",
            self.policy, self.replication
        )
    }
}

impl std::fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.run(), self.message)
    }
}

/// The cells of a batch, in (point, policy, replication) order.
#[derive(Clone, Debug)]
pub struct BatchResult {
    /// The cells run (or loaded) by this batch.
    pub cells: Vec<Cell>,
    /// How many of them were loaded from the store rather than run.
    pub resumed: usize,
    /// Wall-clock time of the batch.
    pub wall: Duration,
    /// Whether task records are kept for every cell.
    pub has_tasks: bool,
}

impl BatchResult {
    /// Events processed by all cells.
    pub fn events(&self) -> u64 {
        self.cells.iter().map(|c| c.stats.events).sum()
    }

    /// Measured tasks of all cells.
    pub fn tasks(&self) -> u64 {
        self.cells
            .iter()
            .map(|c| c.summaries.last().map_or(0, |s| s.arrived))
            .sum()
    }

    /// Whether every cell ran to its end, no limit cutting it short.
    pub fn complete(&self) -> bool {
        self.cells.iter().all(|c| c.stats.limit.is_none())
    }

    /// The cells a limit stopped.
    pub fn incomplete_cells(&self) -> usize {
        self.cells
            .iter()
            .filter(|c| c.stats.limit.is_some())
            .count()
    }

    /// The limits reached and the deadlocks of every cell, in plan order.
    pub fn diagnostics(&self, study: &Study) -> Vec<Diagnostic> {
        let mut out = Vec::new();
        for cell in &self.cells {
            let point = &study.points[cell.key.point];
            let scenario = &point.scenario;
            let diagnostic =
                |kind, severity, instant: crate::time::SimTime, message, hint| Diagnostic {
                    kind,
                    severity,
                    point: point.index,
                    sweep_value: point.value.clone(),
                    policy: scenario.policies[cell.key.policy].label.clone(),
                    replication: cell.key.replication,
                    instant: instant.to_string(),
                    instant_ns: instant.as_nanos(),
                    limit: None,
                    tasks: Vec::new(),
                    message,
                    hint,
                };
            if let Some(deadlock) = &cell.stats.deadlock {
                let severity = match scenario.base.limits.deadlock {
                    DeadlockOutcome::Error => Severity::Error,
                    DeadlockOutcome::Expected => Severity::Expected,
                };
                let message = format!(
                    "deadlock at {}: {}",
                    deadlock.at,
                    deadlock.describe(&scenario.locks)
                );
                let joins = deadlock
                    .cycle
                    .iter()
                    .any(|w| matches!(w.waits, engine::WaitsFor::Join { .. }));
                let fix = if joins {
                    "unlock before joining children that take the same lock"
                } else {
                    "take locks in the same order in every class"
                };
                let hint = format!(
                    "{fix}; if the scenario shows a deadlock on purpose, declare it with \
                     [limits] deadlock = \"expected\""
                );
                out.push(Diagnostic {
                    tasks: deadlock.tasks(),
                    ..diagnostic(
                        DiagnosticKind::Deadlock,
                        severity,
                        deadlock.at,
                        message,
                        hint,
                    )
                });
            }
            let listed = &cell.stats.slow_callback_list;
            let unlisted = cell.stats.slow_callbacks - listed.len() as u64;
            for (i, slow) in listed.iter().enumerate() {
                // CPython's debug-mode warning, word for word.
                let mut message = format!(
                    "Executing {} took {:.3} seconds (from {})",
                    slow.task,
                    slow.duration.as_secs_f64(),
                    slow.at
                );
                if unlisted > 0 && i + 1 == listed.len() {
                    message.push_str(&format!(
                        "; {unlisted} more slow callbacks are counted, not listed"
                    ));
                }
                out.push(Diagnostic {
                    tasks: vec![slow.task.clone()],
                    ..diagnostic(
                        DiagnosticKind::SlowCallback,
                        Severity::Warning,
                        slow.at,
                        message,
                        "no other coroutine on its loop ran meanwhile: split the work with \
                         `yield` (await asyncio.sleep(0)), or offload it to a thread pool"
                            .to_string(),
                    )
                });
            }
            if let Some(reached) = &cell.stats.limit {
                let mut hint = reached.how_to_raise();
                // Poisson arrivals above the capacity make a queue grow for
                // the whole horizon; explicit times and spawns are bursts.
                let (load, _) = scenario.offered_load_parts();
                let grows = matches!(reached.limit, Limit::MaxLiveTasks | Limit::MaxMemory);
                if grows && load >= 1.0 {
                    hint = format!(
                        "the offered load is {load:.3} >= 1, so the queue grows without bound: \
                         lower the load or the horizon, or {hint}"
                    );
                }
                out.push(Diagnostic {
                    limit: Some(reached.limit),
                    ..diagnostic(
                        DiagnosticKind::LimitReached,
                        Severity::Error,
                        reached.at,
                        reached.to_string(),
                        hint,
                    )
                });
            }
        }
        out
    }

    /// The summary of class `class` (`"*"` for all) for a point, policy and
    /// replication.
    pub fn summary_row(&self, study: &Study, key: CellKey, class: &str) -> Option<&ClassSummary> {
        let cell = self.cells.iter().find(|c| c.key == key)?;
        let classes = &study.points.get(key.point)?.scenario.base.classes;
        let index = if class == "*" {
            classes.len()
        } else {
            classes.iter().position(|c| c.name == class)?
        };
        cell.summaries.get(index)
    }
}

/// The lines the terminal headline adds when a run is not what it seems:
/// runs a limit stopped (so the table above covers only the time until
/// then) and runs that ended in a deadlock.
pub fn headline_notes(study: &Study, result: &BatchResult) -> Vec<String> {
    let total = result.cells.len();
    let mut notes = Vec::new();
    let stopped = result.incomplete_cells();
    if stopped > 0 {
        let mut limits: Vec<Limit> = result
            .cells
            .iter()
            .filter_map(|c| c.stats.limit.as_ref().map(|l| l.limit))
            .collect();
        limits.sort_unstable();
        limits.dedup();
        let names: Vec<&str> = limits.iter().map(|l| l.key()).collect();
        notes.push(format!(
            "INCOMPLETE: {stopped} of {total} runs stopped at a limit ({}); their results cover only the time until then",
            names.join(", ")
        ));
    }
    let deadlocks: Vec<Diagnostic> = result
        .diagnostics(study)
        .into_iter()
        .filter(|d| d.kind == DiagnosticKind::Deadlock)
        .collect();
    if !deadlocks.is_empty() {
        let expected = deadlocks
            .iter()
            .filter(|d| d.severity == Severity::Expected)
            .count();
        let note = match expected {
            0 => String::new(),
            n if n == deadlocks.len() => " (expected by the scenario)".to_string(),
            n => format!(" ({n} expected by the scenario)"),
        };
        notes.push(format!(
            "DEADLOCK: in {} of {total} runs tasks wait on each other forever{note}; they count as unfinished",
            deadlocks.len()
        ));
    }
    notes
}

/// Every cell of `study`, in order.
pub fn plan(study: &Study) -> Vec<CellKey> {
    study
        .points
        .iter()
        .flat_map(|p| {
            let s = &p.scenario;
            (0..s.policies.len()).flat_map(move |policy| {
                (0..s.replications).map(move |replication| CellKey {
                    point: p.index,
                    policy,
                    replication,
                })
            })
        })
        .collect()
}

/// Runs every cell of `study` (of its shard, if any).
pub fn run(study: &Study, options: &BatchOptions) -> Result<BatchResult, BatchError> {
    run_with(study, options, None, &|_: &Cell| {})
}

/// Runs the cells of `study` (of its shard, if any) that `store` does not
/// already hold, keeping each in `store` as it finishes; calls `progress`
/// after each cell, run or loaded.
pub fn run_with(
    study: &Study,
    options: &BatchOptions,
    store: Option<&dyn CellStore>,
    progress: &(dyn Fn(&Cell) + Sync),
) -> Result<BatchResult, BatchError> {
    let started = Instant::now();
    let keep = match options.task_rows {
        TaskRows::Never => 0,
        TaskRows::Auto => DEFAULT_TASK_ROWS,
        TaskRows::Always => usize::MAX,
    };
    // Programs are compiled once per point, not once per run.
    let programs: Vec<Programs> = study.points.iter().map(|p| p.scenario.compile()).collect();
    let mine: Vec<CellKey> = plan(study)
        .into_iter()
        .enumerate()
        .filter(|(n, _)| options.shard.is_none_or(|s| s.owns(*n)))
        .map(|(_, key)| key)
        .collect();
    let resumed = std::sync::atomic::AtomicUsize::new(0);
    let one = |key: &CellKey| -> Result<Cell, BatchError> {
        if let Some(cell) = store.and_then(|s| s.load(key)) {
            resumed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            progress(&cell);
            return Ok(cell);
        }
        let scenario = &study.points[key.point].scenario;
        let capture = match (key.replication, key.point, options.trace) {
            (0, _, true) => Some(usize::MAX),
            (0, 0, false) => Some(GANTT_SEGMENTS),
            _ => None,
        };
        let cell =
            run_cell(scenario, &programs[key.point], *key, keep, capture).map_err(|source| {
                BatchError::Simulation {
                    key: *key,
                    label: scenario.policies[key.policy].label.clone(),
                    source,
                }
            })?;
        if let Some(s) = store {
            s.save(&cell).map_err(BatchError::Store)?;
        }
        progress(&cell);
        Ok(cell)
    };
    let cells: Result<Vec<Cell>, BatchError> = match options.jobs {
        Some(1) => mine.iter().map(one).collect(),
        jobs => {
            let pool = rayon::ThreadPoolBuilder::new()
                .num_threads(jobs.unwrap_or(0))
                .build()
                .map_err(|e| BatchError::Store(format!("cannot start worker threads: {e}")))?;
            pool.install(|| mine.par_iter().map(one).collect())
        }
    };
    let mut cells = cells?;
    let has_tasks = keep > 0 && {
        let rows = cells
            .iter()
            .map(|c| c.tasks.as_ref().map_or(usize::MAX, Vec::len))
            .fold(0, usize::saturating_add);
        rows <= keep
    };
    if !has_tasks {
        for c in &mut cells {
            c.tasks = None;
        }
    }
    Ok(BatchResult {
        cells,
        resumed: resumed.into_inner(),
        wall: started.elapsed(),
        has_tasks,
    })
}

/// Runs one cell: `scenario`'s policy and replication of `key` with the
/// scenario's compiled `programs`, keeping up to `keep` task records and
/// capturing up to `capture` timeline segments.
fn run_cell(
    scenario: &Scenario,
    programs: &Programs,
    key: CellKey,
    keep: usize,
    capture: Option<usize>,
) -> Result<Cell, RunError> {
    let config = scenario.sim_config(key.replication);
    let window = Window {
        warmup: config.warmup,
        horizon: config.horizon,
    };
    let mut recorder = RunRecorder::new(config.classes.len(), window, config.cpus, keep, capture);
    let scheduler = scenario.policies[key.policy].build(config.cpus, config.seed)?;
    let stats = engine::run(&config, programs, scheduler, &mut recorder)?;
    let out = recorder.finish(&stats, config.cpus);
    let mut tasks = if keep == 0 { None } else { out.tasks };
    if let Some(t) = tasks.as_mut() {
        t.sort_by_key(|r| (r.arrival, r.class, r.index));
    }
    Ok(Cell {
        key,
        seed: config.seed,
        summaries: out.summaries,
        tasks,
        stats,
        windows: out.windows,
        latency_cdf: out.latency_cdf,
        timeline: out.timeline,
    })
}

/// What each summary of a cell of `scenario` covers, in order: each class,
/// then all of them.
pub fn classes(scenario: &Scenario) -> impl Iterator<Item = Classes> + '_ {
    scenario
        .base
        .classes
        .iter()
        .map(|c| Classes::One(c.name.clone()))
        .chain([Classes::All])
}

/// Groups `cells` (in plan order) by point and policy.
fn groups(cells: &[Cell]) -> Vec<&[Cell]> {
    cells
        .chunk_by(|a, b| (a.key.point, a.key.policy) == (b.key.point, b.key.policy))
        .collect()
}

/// The rows of `aggregate.csv`: the replications of each point x policy x
/// class of `study` among `cells` (in plan order) aggregated.
pub fn aggregate(study: &Study, cells: &[Cell]) -> Vec<AggregateRow> {
    let mut out = Vec::new();
    for group in groups(cells) {
        let key = group[0].key;
        let point = &study.points[key.point];
        let count = group[0].summaries.len();
        for (class, which) in (0..count).zip(classes(&point.scenario)) {
            let summaries: Vec<&ClassSummary> = group.iter().map(|c| &c.summaries[class]).collect();
            out.push(AggregateRow {
                point: point.index,
                sweep_value: point.value.clone(),
                policy: point.scenario.policies[key.policy].label.clone(),
                class: which,
                replications: group.len(),
                intervals: aggregate::intervals(&summaries),
            });
        }
    }
    out
}

/// The rows of `paired.csv`: for every pair of policies at every point and
/// class of `study` among `cells` (in plan order), the difference of each
/// compared metric over the replications both ran.
pub fn paired(study: &Study, cells: &[Cell]) -> Vec<PairedRow> {
    let groups = groups(cells);
    let mut out = Vec::new();
    for (i, a) in groups.iter().enumerate() {
        for b in &groups[i + 1..] {
            let (ka, kb) = (a[0].key, b[0].key);
            if ka.point != kb.point {
                continue;
            }
            let point = &study.points[ka.point];
            let count = a[0].summaries.len().min(b[0].summaries.len());
            for (class, which) in (0..count).zip(classes(&point.scenario)) {
                // The same replication under both policies.
                let pairs: Vec<(&ClassSummary, &ClassSummary)> = a
                    .iter()
                    .filter_map(|ca| {
                        let cb = b
                            .iter()
                            .find(|cb| cb.key.replication == ca.key.replication)?;
                        Some((&ca.summaries[class], &cb.summaries[class]))
                    })
                    .collect();
                for metric in Metric::ALL.into_iter().filter(|m| m.is_compared()) {
                    if let Some(difference) = aggregate::difference(pairs.iter().copied(), metric) {
                        out.push(PairedRow {
                            point: point.index,
                            sweep_value: point.value.clone(),
                            class: which.clone(),
                            a: point.scenario.policies[ka.policy].label.clone(),
                            b: point.scenario.policies[kb.policy].label.clone(),
                            metric,
                            difference,
                        });
                    }
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_plan() {
        let shards: Vec<Shard> = (1..=3).map(|i| format!("{i}/3").parse().unwrap()).collect();
        for n in 0..10 {
            assert_eq!(shards.iter().filter(|s| s.owns(n)).count(), 1);
        }
        for bad in ["0/3", "4/3", "1/0", "x", "1-3"] {
            assert!(bad.parse::<Shard>().is_err(), "{bad}");
        }
    }
}
