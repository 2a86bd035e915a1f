//! The files of a run folder, listed once: each file's name, when a run
//! writes it and whether corosim reads it back. The CLI writes them, clears
//! them before a run and redraws the report from them (`corosim plot`)
//! through this list. A run removes no file of a folder but these and the
//! charts its previous run listed in `run.json` ([`RunFile`]): the folder
//! may be the user's, holding pictures of their own.

/// When a run writes a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// By every complete run.
    Always,
    /// When the run kept every task's record (`tasks.csv` is on by default
    /// for small runs; `--tasks-csv` forces it).
    WithTaskRecords,
    /// With `--trace`: `trace.json`, or `trace.json.gz` with `--trace=gz`.
    WithTrace,
    /// When the charts and the report are drawn (not with `--no-plots`),
    /// from the data files.
    WhenDrawn,
}

/// Whether corosim reads a file back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReadBack {
    /// Never: it is for people and other tools.
    No,
    /// Drawing the charts and the report needs it.
    ByPlot,
    /// The report shows it when it is there.
    ByPlotIfPresent,
}

/// A file of a run folder. Besides these, the folder holds the CLI's
/// `cells/` and the charts (`<chart>.svg`, `<chart>.png`, see [`RunFile`]).
/// A run removes every one of them left by the previous run before it
/// writes, so none outlives the run that wrote it (a `trace.json` of a
/// `--trace` run does not stay beside a later run's results).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OutputFile {
    /// `summary.csv`: per point x policy x replication x class.
    Summary,
    /// `aggregate.csv`: over replications, with 95% intervals.
    Aggregate,
    /// `paired.csv`: policies compared replication by replication.
    Paired,
    /// `timeseries.csv`: per time window.
    Timeseries,
    /// `latency_cdf.csv`: the latency distribution of each run.
    LatencyCdf,
    /// `gantt.csv`: the first moments of one run per policy.
    Gantt,
    /// `tasks.csv`: one row per task.
    Tasks,
    /// `trace.json`: Chrome trace events.
    Trace,
    /// `trace.json.gz`: the same, gzipped (`--trace=gz`).
    TraceGz,
    /// `run.json`: what was run; written last, it marks the folder complete.
    RunJson,
    /// `report.html`: the page of charts and tables.
    Report,
}

impl OutputFile {
    /// Every file, in the order a run writes them: the data, `run.json`
    /// last, then the report drawn from them.
    pub const ALL: [OutputFile; 11] = [
        OutputFile::Summary,
        OutputFile::Aggregate,
        OutputFile::Paired,
        OutputFile::Timeseries,
        OutputFile::LatencyCdf,
        OutputFile::Gantt,
        OutputFile::Tasks,
        OutputFile::Trace,
        OutputFile::TraceGz,
        OutputFile::RunJson,
        OutputFile::Report,
    ];

    /// Its name in the folder.
    pub const fn name(self) -> &'static str {
        match self {
            OutputFile::Summary => "summary.csv",
            OutputFile::Aggregate => "aggregate.csv",
            OutputFile::Paired => "paired.csv",
            OutputFile::Timeseries => "timeseries.csv",
            OutputFile::LatencyCdf => "latency_cdf.csv",
            OutputFile::Gantt => "gantt.csv",
            OutputFile::Tasks => "tasks.csv",
            OutputFile::Trace => "trace.json",
            OutputFile::TraceGz => "trace.json.gz",
            OutputFile::RunJson => "run.json",
            OutputFile::Report => "report.html",
        }
    }

    /// When a run writes it.
    pub const fn written(self) -> Written {
        match self {
            OutputFile::Tasks => Written::WithTaskRecords,
            OutputFile::Trace | OutputFile::TraceGz => Written::WithTrace,
            OutputFile::Report => Written::WhenDrawn,
            OutputFile::Summary
            | OutputFile::Aggregate
            | OutputFile::Paired
            | OutputFile::Timeseries
            | OutputFile::LatencyCdf
            | OutputFile::Gantt
            | OutputFile::RunJson => Written::Always,
        }
    }

    /// Whether corosim reads it back, and what for.
    pub const fn read_back(self) -> ReadBack {
        match self {
            OutputFile::Aggregate
            | OutputFile::Timeseries
            | OutputFile::LatencyCdf
            | OutputFile::Gantt
            | OutputFile::RunJson => ReadBack::ByPlot,
            OutputFile::Paired => ReadBack::ByPlotIfPresent,
            OutputFile::Summary
            | OutputFile::Tasks
            | OutputFile::Trace
            | OutputFile::TraceGz
            | OutputFile::Report => ReadBack::No,
        }
    }
}

/// A file a run may write in its folder, known by its name: one of the
/// table, or a chart. It is what a run may remove there before it writes,
/// and what `run.json`'s list of files may name; any other name in that
/// list (a path, a hidden file, a picture of another kind) is not corosim's
/// and is left alone.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RunFile {
    /// A file of the table.
    Table(OutputFile),
    /// A chart: `<stem>.svg` or `<stem>.png`, the stem of lowercase ASCII
    /// letters, digits and `_`, as every chart is named (`gantt_0`).
    Chart,
}

impl RunFile {
    /// The run file called `name`, if a run may write one so called.
    pub fn from_name(name: &str) -> Option<RunFile> {
        if let Some(file) = OutputFile::ALL.into_iter().find(|f| f.name() == name) {
            return Some(RunFile::Table(file));
        }
        let stem = name
            .strip_suffix(".svg")
            .or_else(|| name.strip_suffix(".png"))?;
        let chart_stem = !stem.is_empty()
            && stem
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        chart_stem.then_some(RunFile::Chart)
    }

    /// Whether it is drawn from the data (a chart or `report.html`), so
    /// that `corosim plot` removes and redraws it.
    pub fn is_drawing(self) -> bool {
        match self {
            RunFile::Chart => true,
            RunFile::Table(file) => file.written() == Written::WhenDrawn,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::data::RunFiles;

    #[test]
    fn names_are_unique_and_run_json_is_the_last_data_file() {
        for (i, a) in OutputFile::ALL.iter().enumerate() {
            assert!(
                OutputFile::ALL[i + 1..]
                    .iter()
                    .all(|b| a.name() != b.name())
            );
        }
        let data: Vec<OutputFile> = OutputFile::ALL
            .into_iter()
            .filter(|f| f.written() != Written::WhenDrawn)
            .collect();
        assert_eq!(data.last(), Some(&OutputFile::RunJson));
    }

    #[test]
    fn run_files_are_the_table_and_chart_names_only() {
        for file in OutputFile::ALL {
            assert_eq!(RunFile::from_name(file.name()), Some(RunFile::Table(file)));
        }
        for chart in ["gantt_0.svg", "gantt_12.png", "latency_cdf.svg"] {
            assert_eq!(RunFile::from_name(chart), Some(RunFile::Chart), "{chart}");
        }
        for other in [
            "../summary.csv",
            "sub/gantt_0.svg",
            "/etc/passwd",
            ".gantt_0.svg",
            ".svg",
            "Holiday.png",
            "holiday photo.png",
            "notes.txt",
            "summary.csv.bak",
            "cells",
            "",
        ] {
            assert_eq!(RunFile::from_name(other), None, "{other}");
        }
        assert!(RunFile::Chart.is_drawing());
        assert!(RunFile::Table(OutputFile::Report).is_drawing());
        assert!(!RunFile::Table(OutputFile::RunJson).is_drawing());
    }

    #[test]
    fn the_report_data_reads_what_the_table_says() {
        for file in OutputFile::ALL {
            assert_eq!(
                file.read_back() == ReadBack::ByPlot,
                RunFiles::FILES.contains(&file),
                "{file:?}"
            );
        }
    }
}
