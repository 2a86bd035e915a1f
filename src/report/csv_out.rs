//! `summary.csv` and `tasks.csv`, with the columns SPEC section 6 names.

use std::io::Write;

use crate::batch::BatchResult;
use crate::report::number;
use crate::scenario::Scenario;

/// `summary.csv` columns.
pub const SUMMARY_COLUMNS: [&str; 27] = [
    "point",
    "sweep_value",
    "policy",
    "replication",
    "seed",
    "class",
    "arrived",
    "completed",
    "unfinished",
    "throughput_per_s",
    "latency_mean_s",
    "latency_p50_s",
    "latency_p90_s",
    "latency_p99_s",
    "latency_p999_s",
    "latency_max_s",
    "response_mean_s",
    "response_p99_s",
    "wait_mean_s",
    "slowdown_mean",
    "cpu_utilization",
    "context_switches",
    "preemptions",
    "fairness_jain",
    "deadline_misses",
    "events",
    "migrations",
];

/// `tasks.csv` columns.
pub const TASK_COLUMNS: [&str; 15] = [
    "point",
    "policy",
    "replication",
    "task",
    "class",
    "arrival_ns",
    "start_ns",
    "finish_ns",
    "response_ns",
    "turnaround_ns",
    "wait_ns",
    "cpu_ns",
    "preemptions",
    "switches",
    "migrations",
];

/// Writes `summary.csv`: one row per policy x replication x class, then `*`.
pub fn write_summary<W: Write>(
    out: W,
    scenario: &Scenario,
    result: &BatchResult,
) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(SUMMARY_COLUMNS)?;
    let class_names: Vec<&str> = scenario
        .base
        .classes
        .iter()
        .map(|c| c.name.as_str())
        .chain(["*"])
        .collect();
    for cell in &result.cells {
        let label = &scenario.policies[cell.policy].label;
        for (s, class) in cell.summaries.iter().zip(&class_names) {
            let int = |x: u64| x.to_string();
            w.write_record([
                "0".to_string(),
                String::new(),
                label.clone(),
                cell.replication.to_string(),
                cell.seed.to_string(),
                class.to_string(),
                int(s.arrived),
                int(s.completed),
                int(s.unfinished),
                number(Some(s.throughput_per_s)),
                number(s.latency_mean_s),
                number(s.latency_p50_s),
                number(s.latency_p90_s),
                number(s.latency_p99_s),
                number(s.latency_p999_s),
                number(s.latency_max_s),
                number(s.response_mean_s),
                number(s.response_p99_s),
                number(s.wait_mean_s),
                number(s.slowdown_mean),
                number(Some(s.cpu_utilization)),
                int(s.context_switches),
                int(s.preemptions),
                number(s.fairness_jain),
                int(s.deadline_misses),
                int(s.events),
                int(s.migrations),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `tasks.csv`: one row per task, cells in order, tasks by arrival.
/// Times are integer nanoseconds; a task that never started or finished has
/// empty cells there.
pub fn write_tasks<W: Write>(out: W, scenario: &Scenario, result: &BatchResult) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TASK_COLUMNS)?;
    let opt = |x: Option<u64>| x.map_or(String::new(), |v| v.to_string());
    for cell in &result.cells {
        let label = &scenario.policies[cell.policy].label;
        for t in cell.tasks.iter().flatten() {
            let class = &scenario.base.classes[t.class.0 as usize].name;
            w.write_record([
                "0".to_string(),
                label.clone(),
                cell.replication.to_string(),
                format!("{class}#{}", t.index),
                class.clone(),
                t.arrival.as_nanos().to_string(),
                opt(t.start.map(|s| s.as_nanos())),
                opt(t.finish.map(|f| f.as_nanos())),
                opt(t.response().map(|d| d.as_nanos())),
                opt(t.turnaround().map(|d| d.as_nanos())),
                opt(t.wait().map(|d| d.as_nanos())),
                t.cpu.as_nanos().to_string(),
                t.preemptions.to_string(),
                t.switches.to_string(),
                t.migrations.to_string(),
            ])?;
        }
    }
    w.flush()?;
    Ok(())
}
