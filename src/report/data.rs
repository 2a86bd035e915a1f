//! A finished run as the charts and the HTML report need it, read back from
//! the run folder's files (`run.json` and the CSVs), so that `corosim plot DIR`
//! redraws exactly what `corosim run` drew.

use serde::Deserialize;

use crate::batch::Diagnostic;
use crate::metrics::aggregate::{AggregateRow, Interval};
use crate::metrics::metric::{Metric, PerMetric};
use crate::metrics::summary::Classes;
use crate::report::files::OutputFile;
use crate::report::series_csv::GanttKind;

/// What `run.json` says that the report shows.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct RunMeta {
    /// The scenario's name.
    pub scenario: String,
    /// What it shows.
    #[serde(default)]
    pub description: Option<String>,
    /// Replications per policy and point.
    pub replications: u32,
    /// Policy labels, in order.
    pub policies: Vec<String>,
    /// Task classes, in order.
    #[serde(default)]
    pub classes: Vec<String>,
    /// CPUs.
    #[serde(default = "one")]
    pub cpus: u32,
    /// Swept keys (empty without a sweep).
    #[serde(default)]
    pub sweep: Vec<String>,
    /// Sweep values, one per point.
    #[serde(default)]
    pub points: Vec<String>,
    /// The scenario as run, as TOML.
    pub resolved_scenario: String,
    /// Whether every run went to its end (no limit stopped one); run.json
    /// files written before limits existed are complete.
    #[serde(default = "yes")]
    pub complete: bool,
    /// Limits reached and deadlocks.
    #[serde(default)]
    pub diagnostics: Vec<Diagnostic>,
}

fn one() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// A row of `timeseries.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct SeriesRow {
    /// Sweep point.
    pub point: usize,
    /// Policy label.
    pub policy: String,
    /// Replication.
    pub replication: u32,
    /// Window start, seconds.
    pub window_start_s: f64,
    /// Window end, seconds.
    pub window_end_s: f64,
    /// Completions in the window.
    pub completions: u64,
    /// Completions per second.
    pub throughput_per_s: Option<f64>,
    /// Mean ready-queue length.
    pub ready_queue_mean: f64,
    /// Mean busy CPUs.
    pub busy_cpus_mean: f64,
}

/// A row of `latency_cdf.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct CdfRow {
    /// Sweep point.
    pub point: usize,
    /// Policy label.
    pub policy: String,
    /// Replication.
    pub replication: u32,
    /// Quantile, 0 to 1.
    pub quantile: f64,
    /// Latency at that quantile, seconds.
    pub latency_s: f64,
}

/// A row of `gantt.csv`.
#[derive(Clone, Debug, PartialEq, Deserialize)]
pub struct GanttRow {
    /// Sweep point.
    pub point: usize,
    /// Policy label.
    pub policy: String,
    /// Replication.
    pub replication: u32,
    /// CPU.
    pub cpu: u32,
    /// Task id, `class#n`.
    pub task: String,
    /// Class name.
    pub class: String,
    /// Start, ns.
    pub start_ns: u64,
    /// End, ns (= start for a preemption).
    pub end_ns: u64,
    /// `compute`, `switch`, `blocked` or `preemption` (any other kind is an
    /// error reading the file).
    pub kind: GanttKind,
}

/// Everything the charts and the report read.
#[derive(Clone, Debug, PartialEq)]
pub struct RunData {
    /// From `run.json`.
    pub meta: RunMeta,
    /// `aggregate.csv`.
    pub aggregate: Vec<AggregateRow>,
    /// `timeseries.csv`.
    pub series: Vec<SeriesRow>,
    /// `latency_cdf.csv`.
    pub cdf: Vec<CdfRow>,
    /// `gantt.csv`.
    pub gantt: Vec<GanttRow>,
}

/// The contents of a run folder's files that `RunData` reads.
#[derive(Debug)]
pub struct RunFiles<'a> {
    /// `run.json`.
    pub run_json: &'a str,
    /// `aggregate.csv`.
    pub aggregate: &'a str,
    /// `timeseries.csv`.
    pub timeseries: &'a str,
    /// `latency_cdf.csv`.
    pub latency_cdf: &'a str,
    /// `gantt.csv`.
    pub gantt: &'a str,
}

impl RunFiles<'_> {
    /// The files, in the order of the fields.
    pub const FILES: [OutputFile; 5] = [
        OutputFile::RunJson,
        OutputFile::Aggregate,
        OutputFile::Timeseries,
        OutputFile::LatencyCdf,
        OutputFile::Gantt,
    ];
}

/// The rows of `file`, whose text is `text`.
fn rows<T: for<'de> Deserialize<'de>>(file: OutputFile, text: &str) -> Result<Vec<T>, String> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| format!("{}, row {}: {e}", file.name(), i + 2)))
        .collect()
}

impl RunData {
    /// Reads a run folder's files.
    pub fn parse(files: &RunFiles<'_>) -> Result<RunData, String> {
        let meta: RunMeta = serde_json::from_str(files.run_json)
            .map_err(|e| format!("{}: {e}", OutputFile::RunJson.name()))?;
        let aggregate_csv = OutputFile::Aggregate.name();
        let mut reader = csv::Reader::from_reader(files.aggregate.as_bytes());
        let header: Vec<String> = reader
            .headers()
            .map_err(|e| format!("{aggregate_csv}: {e}"))?
            .iter()
            .map(String::from)
            .collect();
        let mut aggregate = Vec::new();
        for (i, record) in reader.records().enumerate() {
            let record = record.map_err(|e| format!("{aggregate_csv}, row {}: {e}", i + 2))?;
            let field = |n: usize| record.get(n).unwrap_or_default();
            let bad = |what: &str| format!("{aggregate_csv}, row {}: bad {what}", i + 2);
            let num = |text: &str| {
                if text.is_empty() {
                    None
                } else {
                    text.parse::<f64>().ok()
                }
            };
            let mut intervals: PerMetric<Option<Interval>> = PerMetric::default();
            for (k, name) in header.iter().enumerate().skip(5) {
                let Some(metric) = name.strip_suffix("_mean").and_then(Metric::from_column) else {
                    continue;
                };
                let half_width = header
                    .get(k + 1)
                    .filter(|h| h.ends_with("_ci95"))
                    .and_then(|_| num(field(k + 1)));
                intervals[metric] = num(field(k)).map(|mean| Interval { mean, half_width });
            }
            aggregate.push(AggregateRow {
                point: field(0).parse().map_err(|_| bad("point"))?,
                sweep_value: field(1).to_string(),
                policy: field(2).to_string(),
                class: Classes::parse(field(3)),
                replications: field(4).parse().map_err(|_| bad("replications"))?,
                intervals,
            });
        }
        Ok(RunData {
            meta,
            aggregate,
            series: rows(OutputFile::Timeseries, files.timeseries)?,
            cdf: rows(OutputFile::LatencyCdf, files.latency_cdf)?,
            gantt: rows(OutputFile::Gantt, files.gantt)?,
        })
    }

    /// The swept values as numbers, if the run swept one key over numbers or
    /// durations (in seconds), for the charts against the swept value.
    pub fn numeric_sweep(&self) -> Option<Vec<f64>> {
        if self.meta.sweep.len() != 1 || self.meta.points.len() < 2 {
            return None;
        }
        self.meta
            .points
            .iter()
            .map(|v| crate::scenario::sweep_number(v))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_gantt_kind_is_an_error() {
        let gantt = |kind: &str| {
            format!(
                "point,sweep_value,policy,replication,cpu,task,class,start_ns,end_ns,kind\n\
                 0,,fifo,0,0,job#0,job,0,10,{kind}\n"
            )
        };
        let parse = |gantt: &str| {
            RunData::parse(&RunFiles {
                run_json: r#"{"scenario": "s", "replications": 1, "policies": ["fifo"],
                    "resolved_scenario": ""}"#,
                aggregate: "point,sweep_value,policy,class,replications\n",
                timeseries: "point\n",
                latency_cdf: "point\n",
                gantt,
            })
        };
        let data = parse(&gantt("blocked")).unwrap();
        assert_eq!(
            data.gantt[0].kind,
            GanttKind::Segment(crate::metrics::SegmentKind::Blocked)
        );
        let error = parse(&gantt("nap")).unwrap_err();
        assert!(error.starts_with("gantt.csv, row 2: "), "{error}");
        assert!(error.contains("unknown kind `nap`"), "{error}");
    }
}
