//! Writing a run folder: every file under a temporary name renamed when
//! complete, the previous run's files removed first, `run.json` last.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use anyhow::{Context, Result};

use corosim::batch::{self, BatchResult};
use corosim::metrics::metric::Metric;
use corosim::metrics::summary::Classes;
use corosim::report::data::{RunData, RunFiles};
use corosim::report::files::{BeforeRun, OutputFile, Written};
use corosim::report::{csv_out, html, plots, run_json::RunInfo, series_csv, trace};
use corosim::scenario::Study;

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

/// Removes a previous run's outputs (not its cells), so that until this run
/// writes `run.json` the folder never looks complete.
pub fn remove_outputs(dir: &Path) -> Result<()> {
    let removed = OutputFile::ALL
        .into_iter()
        .rev()
        .filter(|f| f.before_run() == BeforeRun::Removed);
    for file in removed {
        let path = dir.join(file.name());
        if path.exists() {
            fs::remove_file(&path)
                .with_context(|| format!("removing the previous {}", path.display()))?;
        }
    }
    Ok(())
}

/// Writes every output of a complete run of `study` into `dir`, in the
/// order of [`OutputFile::ALL`] (`run.json` last).
pub fn write_outputs(
    dir: &Path,
    study: &Study,
    result: &BatchResult,
    command_line: &[String],
    trace: bool,
) -> Result<()> {
    let cells = &result.cells;
    for file in OutputFile::ALL {
        let wanted = match file.written() {
            Written::Always => true,
            Written::WithTaskRecords => result.has_tasks,
            Written::WithTrace => trace,
            Written::WhenDrawn => false,
        };
        if !wanted {
            continue;
        }
        let path = dir.join(file.name());
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
            OutputFile::Trace => {
                write_atomically(&path, |w| Ok(trace::write_trace(w, study, cells)?))
            }
            OutputFile::RunJson => {
                let info = RunInfo::new(study, result, command_line);
                write_atomically(&path, |w| {
                    serde_json::to_writer_pretty(&mut *w, &info)?;
                    writeln!(w)?;
                    Ok(())
                })
            }
            // Drawn from the files above, by `draw_report`.
            OutputFile::Report => Ok(()),
        }?;
    }
    Ok(())
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

/// Draws the charts (SVG and PNG) and `report.html` of the complete run in
/// `dir` from its files, as `corosim plot DIR` does. Returns the files written.
pub fn draw_report(dir: &Path) -> Result<Vec<String>> {
    let read = |file: OutputFile| {
        let path = dir.join(file.name());
        fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
    };
    let texts: Vec<String> = RunFiles::FILES
        .into_iter()
        .map(read)
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
    let mut written = Vec::new();
    for chart in &charts {
        let svg = format!("{}.svg", chart.name);
        write_atomically(&dir.join(&svg), |w| Ok(w.write_all(chart.svg.as_bytes())?))?;
        let png = format!("{}.png", chart.name);
        write_atomically(&dir.join(&png), |w| Ok(w.write_all(&chart.png)?))?;
        written.extend([svg, png]);
    }
    let paired = read(OutputFile::Paired).ok();
    let page = html::render(&data, &charts, paired.as_deref());
    let report = OutputFile::Report.name();
    write_atomically(&dir.join(report), |w| Ok(w.write_all(page.as_bytes())?))?;
    written.push(report.into());
    Ok(written)
}

/// Removes the charts and report of an earlier drawing (their names depend
/// on the run: one Gantt chart per policy).
pub fn remove_drawings(dir: &Path) -> Result<()> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Ok(());
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let drawing = OutputFile::ALL
            .iter()
            .any(|f| f.before_run() == BeforeRun::RemovedWithTheCharts && f.name() == name);
        if name.ends_with(".svg") || name.ends_with(".png") || drawing {
            fs::remove_file(entry.path())
                .with_context(|| format!("removing {}", entry.path().display()))?;
        }
    }
    Ok(())
}
