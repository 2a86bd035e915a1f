//! The CSV files: `summary.csv`, `tasks.csv` and `aggregate.csv` with the
//! columns SPEC section 6 names (corosim's additions come last, then one
//! numeric column per swept key), and
//! `paired.csv`, the paired comparisons of policies.

use std::io::Write;

use crate::batch::{self, Cell};
use crate::metrics::aggregate::Estimate;
use crate::metrics::metric::Metric;
use crate::metrics::task_name::TaskName;
use crate::report::number;
use crate::scenario::Study;

/// The key columns of `summary.csv`, before the columns of [`Metric::ALL`].
pub const SUMMARY_KEYS: [&str; 6] = [
    "point",
    "sweep_value",
    "policy",
    "replication",
    "seed",
    "class",
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

/// The aggregate.csv key columns, before the metrics' `_mean` and `_ci95`.
const AGGREGATE_KEYS: [&str; 5] = ["point", "sweep_value", "policy", "class", "replications"];

/// The names of the numeric sweep columns, one per swept key in the order of
/// the `[sweep]` table, the last columns of `summary.csv` and
/// `aggregate.csv`: the key itself (`load`, `machine.cpus`), unless that is
/// already a column of either file (sweeping `seed`), then prefixed with
/// `sweep.` (`sweep.seed`) until it is not, so a column has one name in both
/// files and names are unique.
pub fn sweep_columns(study: &Study) -> Vec<String> {
    let mut taken: Vec<String> = SUMMARY_KEYS
        .into_iter()
        .chain(AGGREGATE_KEYS)
        .map(String::from)
        .chain(Metric::ALL.into_iter().flat_map(|m| {
            [
                m.column().to_string(),
                format!("{}_mean", m.column()),
                format!("{}_ci95", m.column()),
            ]
        }))
        .collect();
    let mut names = Vec::new();
    for key in &study.keys {
        let mut name = key.clone();
        while taken.contains(&name) {
            name = format!("sweep.{name}");
        }
        taken.push(name.clone());
        names.push(name);
    }
    names
}

/// The numeric sweep cells of a point's rows (see [`sweep_columns`]): the
/// number, a duration in seconds, or empty for a value that is neither.
fn sweep_cells(study: &Study, point: usize) -> impl Iterator<Item = String> + '_ {
    study.points[point].numbers().map(number)
}

/// The label of a cell's policy.
fn label<'a>(study: &'a Study, cell: &Cell) -> &'a str {
    &study.points[cell.key.point].scenario.policies[cell.key.policy].label
}

/// Writes `summary.csv`: one row per point x policy x replication x class,
/// then `*`, in the order of `cells`; after the metrics, the numeric sweep
/// columns ([`sweep_columns`]).
pub fn write_summary<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let sweep = sweep_columns(study);
    w.write_record(
        SUMMARY_KEYS
            .into_iter()
            .chain(Metric::ALL.map(Metric::column))
            .chain(sweep.iter().map(String::as_str)),
    )?;
    for cell in cells {
        let point = &study.points[cell.key.point];
        for (s, class) in cell.summaries.iter().zip(batch::classes(&point.scenario)) {
            let mut row = vec![
                point.index.to_string(),
                point.value.clone(),
                label(study, cell).to_string(),
                cell.key.replication.to_string(),
                cell.seed.to_string(),
                class.to_string(),
            ];
            row.extend(Metric::ALL.map(|m| number(m.value(s))));
            row.extend(sweep_cells(study, cell.key.point));
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `tasks.csv`: one row per task, cells in order, tasks by arrival.
/// Times are integer nanoseconds; a task that never started or finished has
/// empty cells there.
pub fn write_tasks<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TASK_COLUMNS)?;
    let opt = |x: Option<u64>| x.map_or(String::new(), |v| v.to_string());
    for cell in cells {
        let scenario = &study.points[cell.key.point].scenario;
        let label = label(study, cell);
        for t in cell.tasks.iter().flatten() {
            let class = &scenario.base.classes[t.class.0 as usize].name;
            w.write_record([
                cell.key.point.to_string(),
                label.to_string(),
                cell.key.replication.to_string(),
                TaskName::new(class, t.index).to_string(),
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

/// Writes `aggregate.csv`: per point x policy x class, the number of
/// replications and, for every metric of `summary.csv`, its mean over them
/// (`_mean`) and the half-width of its 95% Student t interval (`_ci95`, empty
/// with a single replication), then the numeric sweep columns
/// ([`sweep_columns`]).
pub fn write_aggregate<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    let mut header: Vec<String> = AGGREGATE_KEYS.map(String::from).to_vec();
    for m in Metric::ALL {
        header.push(format!("{}_mean", m.column()));
        header.push(format!("{}_ci95", m.column()));
    }
    header.extend(sweep_columns(study));
    w.write_record(&header)?;
    for row in batch::aggregate(study, cells) {
        let mut record = vec![
            row.point.to_string(),
            row.sweep_value.clone(),
            row.policy.clone(),
            row.class.to_string(),
            row.replications.to_string(),
        ];
        for m in Metric::ALL {
            record.push(number(row.mean(m)));
            record.push(number(row.ci95(m)));
        }
        record.extend(sweep_cells(study, row.point));
        w.write_record(&record)?;
    }
    w.flush()?;
    Ok(())
}

/// `paired.csv` columns.
pub const PAIRED_COLUMNS: [&str; 10] = [
    "point",
    "sweep_value",
    "class",
    "policy_a",
    "policy_b",
    "metric",
    "replications",
    "mean_difference",
    "ci95",
    "significant",
];

/// Writes `paired.csv`: for every point, class and pair of policies, the mean
/// difference (first minus second) of each metric over the replications they
/// share, its 95% half-width, and whether the difference is significant (the
/// interval excludes zero).
pub fn write_paired<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(PAIRED_COLUMNS)?;
    for row in batch::paired(study, cells) {
        let Estimate {
            n,
            mean,
            half_width,
        } = row.difference;
        w.write_record([
            row.point.to_string(),
            row.sweep_value.clone(),
            row.class.to_string(),
            row.a.clone(),
            row.b.clone(),
            row.metric.column().to_string(),
            n.to_string(),
            number(Some(mean)),
            number(half_width),
            row.significant().to_string(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
