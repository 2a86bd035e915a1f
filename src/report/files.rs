//! The files of a run folder, listed once: each file's name, when a run
//! writes it and whether corosim reads it back. The CLI writes them, clears
//! them before a run and redraws the report from them (`corosim plot`)
//! through this list.

/// When a run writes a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Written {
    /// By every complete run.
    Always,
    /// When the run kept every task's record (`tasks.csv` is on by default
    /// for small runs; `--tasks-csv` forces it).
    WithTaskRecords,
    /// With `--trace`.
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

/// What a run does with the previous run's copy of a file before it starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BeforeRun {
    /// Removes it.
    Removed,
    /// Removes it with the charts, as `corosim plot` does before it redraws
    /// them.
    RemovedWithTheCharts,
    /// Leaves it until the run overwrites it, if it does.
    Kept,
}

/// A file of a run folder. Besides these, the folder holds the CLI's
/// `cells/` and the charts (`*.svg`, `*.png`, named after the run's charts).
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
    /// `run.json`: what was run; written last, it marks the folder complete.
    RunJson,
    /// `report.html`: the page of charts and tables.
    Report,
}

impl OutputFile {
    /// Every file, in the order a run writes them: the data, `run.json`
    /// last, then the report drawn from them.
    pub const ALL: [OutputFile; 10] = [
        OutputFile::Summary,
        OutputFile::Aggregate,
        OutputFile::Paired,
        OutputFile::Timeseries,
        OutputFile::LatencyCdf,
        OutputFile::Gantt,
        OutputFile::Tasks,
        OutputFile::Trace,
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
            OutputFile::RunJson => "run.json",
            OutputFile::Report => "report.html",
        }
    }

    /// When a run writes it.
    pub const fn written(self) -> Written {
        match self {
            OutputFile::Tasks => Written::WithTaskRecords,
            OutputFile::Trace => Written::WithTrace,
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
            OutputFile::Summary | OutputFile::Tasks | OutputFile::Trace | OutputFile::Report => {
                ReadBack::No
            }
        }
    }

    /// What a run does with the previous run's copy before it starts. Today
    /// it removes the summaries, `tasks.csv` and `run.json`, so that the
    /// folder does not look complete until `run.json` is written again and a
    /// `tasks.csv` the new run does not write is gone; it keeps the others
    /// until it overwrites them.
    pub const fn before_run(self) -> BeforeRun {
        match self {
            OutputFile::Summary
            | OutputFile::Aggregate
            | OutputFile::Paired
            | OutputFile::Tasks
            | OutputFile::RunJson => BeforeRun::Removed,
            OutputFile::Timeseries
            | OutputFile::LatencyCdf
            | OutputFile::Gantt
            | OutputFile::Trace => BeforeRun::Kept,
            OutputFile::Report => BeforeRun::RemovedWithTheCharts,
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
