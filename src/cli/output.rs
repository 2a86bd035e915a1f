//! Writing a run folder: every file under a temporary name renamed when
//! complete, `run.json` last among the data (`folder` removes the previous
//! run's files first).

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};
use serde::{Deserialize, Serialize};

use corosim::batch::{self, BatchResult};
use corosim::metrics::metric::Metric;
use corosim::metrics::summary::Classes;
use corosim::report::data::{RunData, RunFiles};
use corosim::report::files::{OutputFile, RunFile, Written};
use corosim::report::plots::{self, Chart};
use corosim::report::run_json::{self, FolderRecord, RunInfo};
use corosim::report::{csv_out, html, series_csv, trace};
use corosim::scenario::Study;

use super::folder::{self, Previous};

/// How `--trace` writes the trace.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum TraceFormat {
    /// `trace.json`.
    #[default]
    Json,
    /// `trace.json.gz`: the same JSON, gzipped (Perfetto opens it as is).
    #[value(alias = "json.gz")]
    Gz,
}

/// The trace a run writes: its format and what of each run it keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TraceOutput {
    /// The file.
    #[serde(default)]
    pub format: TraceFormat,
    /// `--trace-window` and `--trace-max-slices`.
    #[serde(default)]
    pub limit: trace::TraceLimit,
}

impl TraceOutput {
    /// The file it writes.
    pub fn file(self) -> OutputFile {
        match self.format {
            TraceFormat::Json => OutputFile::Trace,
            TraceFormat::Gz => OutputFile::TraceGz,
        }
    }

    /// Whether it is `--trace` alone, as before formats and limits (so a
    /// plan without them reads as before).
    pub fn is_plain(&self) -> bool {
        *self == TraceOutput::default()
    }
}

/// Writes the trace of `cells` to `w` as `output` says; returns what its
/// limit cut.
fn write_trace_file(
    w: &mut BufWriter<fs::File>,
    study: &Study,
    cells: &[batch::Cell],
    output: TraceOutput,
) -> Result<trace::TraceCuts> {
    Ok(match output.format {
        TraceFormat::Json => trace::write_trace_limited(w, study, cells, &output.limit)?,
        TraceFormat::Gz => {
            // No file name, no time stamp, a fixed OS byte ("unknown") and
            // a fixed level: the same trace gives the same bytes anywhere.
            let mut gz = flate2::GzBuilder::new()
                .mtime(0)
                .operating_system(255)
                .write(w, flate2::Compression::default());
            let cuts = trace::write_trace_limited(&mut gz, study, cells, &output.limit)?;
            gz.finish()?;
            cuts
        }
    })
}

/// Writes to a temporary name beside `path` and renames it into place once
/// complete, so an interrupted run never leaves a file that looks finished.
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.partial"));
    let result = (|| {
        let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        let mut w = BufWriter::new(file);
        write(&mut w)?;
        let file = w.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        fs::rename(&tmp, path)
            .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result.with_context(|| format!("writing {}", path.display()))
}

/// Writes every output of a complete run of `study` into `dir`, in the
/// order of [`OutputFile::ALL`]: the data, then `run.json` listing every
/// file of the run, then (with `draw`) the charts and `report.html`. The
/// charts are drawn in memory first, so that `run.json` names them before
/// they exist: a run killed while it writes them leaves none unlisted.
/// With `trace`, returns a note when its limit cut the trace.
pub fn write_outputs(
    dir: &Path,
    study: &Study,
    result: &BatchResult,
    command_line: &[String],
    trace: Option<TraceOutput>,
    draw: bool,
) -> Result<Option<String>> {
    let cells = &result.cells;
    let mut info = RunInfo::new(study, result, command_line);
    let mut note = None;
    for file in OutputFile::ALL {
        let wanted = match file.written() {
            Written::Always => true,
            Written::WithTaskRecords => result.has_tasks,
            Written::WithTrace => trace.is_some_and(|t| t.file() == file),
            Written::WhenDrawn => false,
        };
        if !wanted {
            continue;
        }
        let path = dir.join(file.name());
        info.files.push(file.name().into());
        match file {
            OutputFile::Summary => csv_file(&path, |w| csv_out::write_summary(w, study, cells)),
            OutputFile::Aggregate => csv_file(&path, |w| csv_out::write_aggregate(w, study, cells)),
            OutputFile::Paired => csv_file(&path, |w| csv_out::write_paired(w, study, cells)),
            OutputFile::Timeseries => {
                csv_file(&path, |w| series_csv::write_timeseries(w, study, cells))
            }
            OutputFile::LatencyCdf => {
                csv_file(&path, |w| series_csv::write_latency_cdf(w, study, cells))
            }
            OutputFile::Gantt => csv_file(&path, |w| series_csv::write_gantt(w, study, cells)),
            OutputFile::Tasks => csv_file(&path, |w| csv_out::write_tasks(w, study, cells)),
            OutputFile::Trace | OutputFile::TraceGz => {
                let output = trace.expect("wanted with a trace");
                write_atomically(&path, |w| {
                    let cuts = write_trace_file(w, study, cells, output)?;
                    note = truncation_note(file, &output.limit, cuts);
                    Ok(())
                })
            }
            OutputFile::RunJson => {
                let drawing = if draw {
                    Some(Drawing::new(dir, &run_json_text(&info)?))
                } else {
                    None
                };
                if let Some(Ok(drawing)) = &drawing {
                    info.files.extend(drawing.names());
                }
                // The results stand whatever becomes of the drawing, which
                // `corosim plot` can redo: run.json is written either way.
                let text = run_json_text(&info)?;
                write_atomically(&path, |w| Ok(w.write_all(text.as_bytes())?))?;
                match drawing {
                    Some(drawing) => drawing?.write(dir),
                    None => Ok(()),
                }
            }
            // Drawn with run.json, above.
            OutputFile::Report => Ok(()),
        }?;
    }
    Ok(note)
}

/// What `run` prints when a trace limit cut some runs' traces.
fn truncation_note(
    file: OutputFile,
    limit: &trace::TraceLimit,
    cuts: trace::TraceCuts,
) -> Option<String> {
    if cuts.cut == 0 {
        return None;
    }
    let mut by = Vec::new();
    if let Some(w) = limit.window {
        by.push(format!("--trace-window {w}"));
    }
    if let Some(n) = limit.max_slices {
        by.push(format!("--trace-max-slices {n}"));
    }
    Some(format!(
        "note: {} is truncated by {} in {} of its {} runs (their process names say how; the CSVs hold every run in full)",
        file.name(),
        by.join(" and "),
        cuts.cut,
        cuts.runs
    ))
}

fn run_json_text(info: &RunInfo) -> Result<String> {
    let mut text = serde_json::to_string_pretty(info)?;
    text.push('\n');
    Ok(text)
}

/// Writes a CSV file atomically.
fn csv_file(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<fs::File>) -> csv::Result<()>,
) -> Result<()> {
    write_atomically(path, |w| Ok(write(w)?))
}

/// Prints a few lines per point and policy: completions, mean and p99
/// latency (with 95% intervals over replications), utilisation.
pub fn print_headline(
    out: &mut dyn Write,
    study: &Study,
    result: &BatchResult,
    dir: &Path,
) -> io::Result<()> {
    let wall = result.wall.as_secs_f64();
    let fresh = result.cells.len() - result.resumed;
    let resumed = if result.resumed > 0 {
        format!(" ({} resumed)", result.resumed)
    } else {
        String::new()
    };
    writeln!(
        out,
        "{}: {} runs{resumed}, {} events in {:.2}s -> {}",
        study.name(),
        result.cells.len(),
        result.events(),
        wall,
        dir.display()
    )?;
    if fresh > 0 && wall > 0.0 {
        let share = fresh as f64 / result.cells.len() as f64;
        writeln!(
            out,
            "  {:.2} million events/s",
            result.events() as f64 * share / wall / 1e6
        )?;
    }
    let sweep = !study.keys.is_empty();
    writeln!(
        out,
        "  {}{:<32} {:>10} {:>22} {:>22} {:>6}",
        if sweep {
            format!("{:<14}", "point")
        } else {
            String::new()
        },
        "policy (all classes)",
        "completed",
        "mean latency (s)",
        "p99 latency (s)",
        "util"
    )?;
    let rows = batch::aggregate(study, &result.cells);
    for row in rows.iter().filter(|r| r.class == Classes::All) {
        let show = |metric: Metric, digits: usize| match row.intervals[metric] {
            Some(e) => match e.half_width {
                Some(h) => format!("{:.digits$} ± {:.digits$}", e.mean, h),
                None => format!("{:.digits$}", e.mean),
            },
            None => "-".into(),
        };
        writeln!(
            out,
            "  {}{:<32} {:>10} {:>22} {:>22} {:>6}",
            if sweep {
                format!("{:<14}", truncate(&row.sweep_value, 13))
            } else {
                String::new()
            },
            truncate(&row.policy, 32),
            show(Metric::Completed, 0),
            show(Metric::LatencyMeanS, 6),
            show(Metric::LatencyP99S, 6),
            row.mean(Metric::CpuUtilization)
                .map_or("-".into(), |mean| format!("{mean:.3}")),
        )?;
    }
    Ok(())
}

fn truncate(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        format!("{}…", s.chars().take(n - 1).collect::<String>())
    }
}

/// The charts (SVG and PNG) and `report.html` of a complete run, drawn in
/// memory from its files.
pub struct Drawing {
    charts: Vec<Chart>,
    page: String,
}

impl Drawing {
    /// Draws the run in `dir` whose `run.json` reads `run_json` (given, as
    /// a run draws before it writes it), as `corosim plot DIR` does.
    pub fn new(dir: &Path, run_json: &str) -> Result<Drawing> {
        let read = |file: OutputFile| {
            let path = dir.join(file.name());
            fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        };
        let texts: Vec<String> = RunFiles::FILES
            .into_iter()
            .map(|file| match file {
                OutputFile::RunJson => Ok(run_json.to_string()),
                _ => read(file),
            })
            .collect::<Result<_>>()?;
        let data = RunData::parse(&RunFiles {
            run_json: &texts[0],
            aggregate: &texts[1],
            timeseries: &texts[2],
            latency_cdf: &texts[3],
            gantt: &texts[4],
        })
        .map_err(|e| anyhow::anyhow!("{}: {e}", dir.display()))?;
        let charts = plots::draw_all(&data).context("drawing the charts")?;
        let paired = read(OutputFile::Paired).ok();
        let page = html::render(&data, &charts, paired.as_deref());
        Ok(Drawing { charts, page })
    }

    /// The files it becomes, in the order they are written.
    pub fn names(&self) -> Vec<String> {
        let charts = self
            .charts
            .iter()
            .flat_map(|c| [format!("{}.svg", c.name), format!("{}.png", c.name)]);
        charts
            .chain([OutputFile::Report.name().to_string()])
            .collect()
    }

    /// Writes its files into `dir`.
    pub fn write(&self, dir: &Path) -> Result<()> {
        for chart in &self.charts {
            let svg = dir.join(format!("{}.svg", chart.name));
            write_atomically(&svg, |w| Ok(w.write_all(chart.svg.as_bytes())?))?;
            let png = dir.join(format!("{}.png", chart.name));
            write_atomically(&png, |w| Ok(w.write_all(&chart.png)?))?;
        }
        let report = dir.join(OutputFile::Report.name());
        write_atomically(&report, |w| Ok(w.write_all(self.page.as_bytes())?))
    }
}

/// Redraws the charts and `report.html` of the complete run in `dir`, as
/// `corosim plot DIR` does: the previous drawings go (those its `run.json`
/// lists, and `report.html`; never a picture of the user's), `run.json`
/// lists the new ones, then they are written. Returns their names.
pub fn redraw(dir: &Path) -> Result<Vec<String>> {
    let path = dir.join(OutputFile::RunJson.name());
    let text = fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let record = FolderRecord::read(&text)
        .with_context(|| format!("{} is not a run.json that corosim wrote", path.display()))?;
    let drawing = Drawing::new(dir, &text)?;
    let previous = Previous {
        listed: record.files.clone(),
    };
    folder::remove_files(dir, &previous.drawings())?;
    let is_drawing = |name: &String| RunFile::from_name(name).is_some_and(RunFile::is_drawing);
    let data: Vec<String> = match &record.files {
        Some(files) => files.iter().filter(|n| !is_drawing(n)).cloned().collect(),
        // Written before run.json listed its files: the data of the table
        // that is there.
        None => OutputFile::ALL
            .into_iter()
            .filter(|f| f.written() != Written::WhenDrawn && dir.join(f.name()).is_file())
            .map(|f| f.name().to_string())
            .collect(),
    };
    let files: Vec<String> = data.into_iter().chain(drawing.names()).collect();
    if record.files.as_ref() != Some(&files) {
        let text = run_json::with_files(&text, &files)
            .with_context(|| format!("reading {}", path.display()))?;
        write_atomically(&path, |w| Ok(w.write_all(text.as_bytes())?))?;
    }
    drawing.write(dir)?;
    Ok(drawing.names())
}
