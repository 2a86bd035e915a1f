//! The CSV files behind the charts: `timeseries.csv` (per time window),
//! `latency_cdf.csv` (the latency distribution of each run) and `gantt.csv`
//! (the first moments of one run per policy). `corosim plot` redraws every
//! chart from these files.

use std::io::Write;

use crate::batch::{Cell, GANTT_SEGMENTS};
use crate::metrics::SegmentKind;
use crate::metrics::summary::CDF_QUANTILES;
use crate::metrics::task_name::TaskName;
use crate::report::number;
use crate::scenario::Study;

/// `timeseries.csv` columns.
pub const TIMESERIES_COLUMNS: [&str; 10] = [
    "point",
    "sweep_value",
    "policy",
    "replication",
    "window_start_s",
    "window_end_s",
    "completions",
    "throughput_per_s",
    "ready_queue_mean",
    "busy_cpus_mean",
];

/// `latency_cdf.csv` columns.
pub const CDF_COLUMNS: [&str; 6] = [
    "point",
    "sweep_value",
    "policy",
    "replication",
    "quantile",
    "latency_s",
];

/// `gantt.csv` columns.
pub const GANTT_COLUMNS: [&str; 10] = [
    "point",
    "sweep_value",
    "policy",
    "replication",
    "cpu",
    "task",
    "class",
    "start_ns",
    "end_ns",
    "kind",
];

/// What a row of `gantt.csv` shows: what a CPU did over a stretch of time,
/// or a task losing it (an instant: start = end).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GanttKind {
    /// A segment of this kind.
    Segment(SegmentKind),
    /// A preemption.
    Preemption,
}

impl GanttKind {
    /// Its name in the `kind` column: a segment kind's, or `preemption`.
    pub const fn name(self) -> &'static str {
        match self {
            GanttKind::Segment(kind) => kind.name(),
            GanttKind::Preemption => "preemption",
        }
    }
}

impl std::str::FromStr for GanttKind {
    type Err = String;
    /// The kind named `text` (see [`GanttKind::name`]).
    fn from_str(text: &str) -> Result<GanttKind, String> {
        match text {
            "preemption" => Ok(GanttKind::Preemption),
            _ => text.parse().map(GanttKind::Segment).map_err(|_| {
                format!("unknown kind `{text}` (expected compute, switch, blocked or preemption)")
            }),
        }
    }
}

impl<'de> serde::Deserialize<'de> for GanttKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<GanttKind, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

fn keys(study: &Study, cell: &Cell) -> [String; 4] {
    let point = &study.points[cell.key.point];
    [
        point.index.to_string(),
        point.value.clone(),
        point.scenario.policies[cell.key.policy].label.clone(),
        cell.key.replication.to_string(),
    ]
}

/// Writes `timeseries.csv`: per run and time window, completions,
/// throughput, and the time-averaged ready-queue length and busy CPUs.
pub fn write_timeseries<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(TIMESERIES_COLUMNS)?;
    for cell in cells {
        let key = keys(study, cell);
        for win in &cell.windows {
            let seconds = (win.end - win.start).as_secs_f64();
            let throughput = (seconds > 0.0).then(|| win.completions as f64 / seconds);
            let mut row = key.to_vec();
            row.extend([
                number(Some(win.start.as_secs_f64())),
                number(Some(win.end.as_secs_f64())),
                win.completions.to_string(),
                number(throughput),
                number(Some(win.ready_mean)),
                number(Some(win.busy_mean)),
            ]);
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `latency_cdf.csv`: per run, the latency of all measured tasks at
/// each quantile (0 is the minimum, 1 the maximum).
pub fn write_latency_cdf<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(CDF_COLUMNS)?;
    for cell in cells {
        let key = keys(study, cell);
        for (q, latency) in CDF_QUANTILES.iter().zip(&cell.latency_cdf) {
            let mut row = key.to_vec();
            row.extend([number(Some(*q)), number(Some(*latency))]);
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes `gantt.csv`: the first segments of each captured run (what each CPU
/// did: `compute`, `switch` or `blocked`, times in ns), then its preemptions
/// in that span as rows of kind `preemption` (start = end = the instant).
pub fn write_gantt<W: Write>(out: W, study: &Study, cells: &[Cell]) -> csv::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(GANTT_COLUMNS)?;
    for cell in cells {
        let Some(timeline) = &cell.timeline else {
            continue;
        };
        let scenario = &study.points[cell.key.point].scenario;
        let key = keys(study, cell);
        let segments = &timeline.segments[..timeline.segments.len().min(GANTT_SEGMENTS)];
        let until = segments.iter().map(|s| s.end).max();
        let name = |class: crate::task::ClassId, index: u64| {
            let class = &scenario.base.classes[class.0 as usize].name;
            (TaskName::new(class, index).to_string(), class.clone())
        };
        for s in segments {
            let (task, class) = name(s.class, s.index);
            let mut row = key.to_vec();
            row.extend([
                s.cpu.0.to_string(),
                task,
                class,
                s.start.as_nanos().to_string(),
                s.end.as_nanos().to_string(),
                GanttKind::Segment(s.kind).name().into(),
            ]);
            w.write_record(&row)?;
        }
        for p in timeline
            .preemptions
            .iter()
            .filter(|p| until.is_some_and(|u| p.at <= u))
        {
            let (task, class) = name(p.class, p.index);
            let at = p.at.as_nanos().to_string();
            let mut row = key.to_vec();
            row.extend([
                p.cpu.0.to_string(),
                task,
                class,
                at.clone(),
                at,
                GanttKind::Preemption.name().into(),
            ]);
            w.write_record(&row)?;
        }
    }
    w.flush()?;
    Ok(())
}
