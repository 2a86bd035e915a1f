//! `run.json`: what was run and how fast: the resolved scenario, seed,
//! version, command line, wall time and events per second, and the files
//! the run wrote. Written last, it marks a run folder as complete, and its
//! list of files tells the next run exactly what it may remove.

use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

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
    /// Every file the run wrote in its folder, this one, the charts and
    /// `report.html` included (not `cells/`): what the next run in the folder
    /// removes. Set by the writer; [`RunInfo::new`] leaves it empty.
    pub files: Vec<String>,
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
            files: Vec::new(),
            resolved_scenario: base.resolved_toml(),
            complete: result.complete(),
            diagnostics: result.diagnostics(study),
        }
    }
}

/// What a `run.json` of any corosim version says about its folder: that
/// corosim wrote it, and which files the run wrote there (`None` from the
/// versions before the list).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub struct FolderRecord {
    /// The version that wrote it; a `run.json` without it is not corosim's.
    pub corosim_version: String,
    /// The files the run wrote, as listed.
    #[serde(default)]
    pub files: Option<Vec<String>>,
}

impl FolderRecord {
    /// The record in `text`, or `None` if it is not a `run.json` corosim wrote.
    pub fn read(text: &str) -> Option<FolderRecord> {
        serde_json::from_str(text).ok()
    }
}

/// `run.json`'s text, `text`, with its list of files replaced by `files`
/// (added if an older version wrote it without), every other field kept
/// as it is and where it is, as `corosim plot` records the charts it drew.
pub fn with_files(text: &str, files: &[String]) -> Result<String, serde_json::Error> {
    let Fields(mut fields) = serde_json::from_str(text)?;
    let list = serde_json::to_value(files)?;
    match fields.iter_mut().find(|(key, _)| key == "files") {
        Some((_, value)) => *value = list,
        None => fields.push(("files".into(), list)),
    }
    let mut out = serde_json::to_string_pretty(&Fields(fields))?;
    out.push('\n');
    Ok(out)
}

/// A JSON object's fields in their order: `serde_json::Map` sorts them.
struct Fields(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for Fields {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> Visitor<'de> for InOrder {
            type Value = Fields;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
                let mut fields = Vec::new();
                while let Some(field) = map.next_entry()? {
                    fields.push(field);
                }
                Ok(Fields(fields))
            }
        }
        d.deserialize_map(InOrder)
    }
}

impl Serialize for Fields {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (key, value) in &self.0 {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_files_replaces_only_the_list_and_keeps_the_order() {
        let text = "{\n  \"corosim_version\": \"0.1.0\",\n  \"zeta\": 1,\n  \"files\": [\n    \"a.csv\"\n  ],\n  \"alpha\": \"x\\ny\"\n}\n";
        let files = vec!["b.csv".to_string(), "run.json".into()];
        let edited = with_files(text, &files).unwrap();
        assert_eq!(
            edited,
            text.replace("\"a.csv\"", "\"b.csv\",\n    \"run.json\"")
        );
        let record = FolderRecord::read(&edited).unwrap();
        assert_eq!(record.files, Some(files));
    }

    #[test]
    fn a_run_json_without_a_list_gets_one_at_the_end() {
        let old = "{\"corosim_version\":\"0.0.9\",\"seed\":3}";
        assert_eq!(FolderRecord::read(old).unwrap().files, None);
        let edited = with_files(old, &["run.json".to_string()]).unwrap();
        assert_eq!(
            edited,
            "{\n  \"corosim_version\": \"0.0.9\",\n  \"seed\": 3,\n  \"files\": [\n    \"run.json\"\n  ]\n}\n"
        );
    }

    #[test]
    fn a_json_file_that_corosim_did_not_write_is_no_record() {
        for text in ["{\"name\": \"my own run.json\"}", "[1, 2]", "not json", ""] {
            assert_eq!(FolderRecord::read(text), None, "{text}");
        }
    }
}
