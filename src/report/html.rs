//! `report.html`: one self-contained page with a run's headline metrics, the
//! paired comparisons of its policies, every chart and the resolved scenario.
//!
//! The page opens from disk with no server and no network: its CSS and its one
//! small script (`assets/report.css`, `assets/report.js`) are inline, and the
//! charts are embedded as `data:` URIs of their SVG (the PNG only for a chart
//! without one). Side by side in Chromium the SVG renders better: it stays
//! sharp at any zoom and on high-density screens, where the 1x PNG is blurred,
//! its text is set by the browser (plotters' PNG text has uneven letter
//! spacing), and it is smaller (the load-sweep report: 190 kB instead of
//! 650 kB). Its text names the generic `sans-serif` family, which an SVG image may
//! use (only web fonts are closed to it); the layout was measured with DejaVu
//! Sans, wider than the usual defaults (Arial, Helvetica, Liberation Sans), so
//! labels fit. Each chart links its SVG and PNG files, which `corosim run` and
//! `corosim plot` write beside the report.
//!
//! Every text that comes from the run (scenario name, description, policy
//! and class labels, sweep values, the scenario itself) is HTML-escaped.
//!
//! After the page has loaded, its script checks that every image decoded and
//! writes the result into the element with id `self-check` (the browser test
//! reads it).

mod format;
mod paired_csv;

use std::fmt::Write as _;

use base64::Engine as _;

use crate::batch::{DiagnosticKind, Severity};
use crate::metrics::aggregate::AggregateRow;
use crate::metrics::metric::Metric;
use crate::metrics::summary::Classes;
use crate::report::data::RunData;
use crate::report::plots::Chart;

use format::estimate;
use paired_csv::{Pair, read_paired};

/// The metrics of the headline tables, in order.
const HEADLINE: [Metric; 10] = [
    Metric::Completed,
    Metric::ThroughputPerS,
    Metric::LatencyMeanS,
    Metric::LatencyP50S,
    Metric::LatencyP99S,
    Metric::ResponseMeanS,
    Metric::CpuUtilization,
    Metric::Preemptions,
    Metric::FairnessJain,
    Metric::DeadlineMisses,
];

/// The metrics of `paired.csv` the page shows.
const PAIRED_METRICS: [Metric; 2] = [Metric::LatencyMeanS, Metric::LatencyP99S];

/// Above this many comparisons the table starts folded.
const PAIRED_FOLD: usize = 30;

/// The page's style sheet.
const CSS: &str = include_str!("../../assets/report.css");

/// Checks that every image decoded; writes the verdict into `#self-check`.
const SCRIPT: &str = include_str!("../../assets/report.js");

/// Opens a table row; the first row of a sweep point's group also opens the
/// group and spans the point's value over the group's `len` rows.
fn open_row(out: &mut String, first_of_point: bool, len: usize, sweep_value: &str) {
    if first_of_point {
        let _ = write!(
            out,
            "<tr class=\"group\"><td class=\"point\" rowspan=\"{len}\">{}</td>",
            escape(sweep_value)
        );
    } else {
        out.push_str("<tr>");
    }
}

/// Escapes `text` for HTML text and attribute values.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An id fragment made of `name`'s letters and digits.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    out.trim_matches('-').to_string()
}

/// The page's heading: name, description, facts and navigation.
fn header(out: &mut String, data: &RunData, sections: &[(&str, &str)]) {
    let meta = &data.meta;
    let _ = write!(
        out,
        "<header>\n<h1><span class=\"tool\">corosim:</span> {}</h1>\n",
        escape(&meta.scenario)
    );
    if let Some(description) = meta.description.as_deref().filter(|d| !d.trim().is_empty()) {
        out.push_str("<div class=\"description\">\n");
        // Paragraphs are separated by blank lines; lines within one are
        // hard-wrapped text.
        let mut paragraph: Vec<&str> = Vec::new();
        for line in description.lines().chain([""]) {
            if line.trim().is_empty() {
                if !paragraph.is_empty() {
                    let _ = writeln!(out, "<p>{}</p>", escape(&paragraph.join(" ")));
                    paragraph.clear();
                }
            } else {
                paragraph.push(line.trim());
            }
        }
        out.push_str("</div>\n");
    }
    let mut facts = vec![
        plural(meta.policies.len(), "policy", "policies"),
        plural(meta.classes.len(), "task class", "task classes"),
        plural(meta.cpus as usize, "CPU", "CPUs"),
        plural(meta.replications as usize, "replication", "replications"),
    ];
    if !meta.sweep.is_empty() {
        facts.push(format!(
            "sweep of {} over {}",
            meta.sweep.join(", "),
            meta.points.join(", ")
        ));
    }
    let _ = writeln!(out, "<p class=\"facts\">{}</p>", escape(&facts.join(" · ")));
    out.push_str("<nav>");
    for (id, title) in sections {
        let _ = write!(out, "<a href=\"#{id}\">{}</a>", escape(title));
    }
    out.push_str("</nav>\n</header>\n");
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The heading of the sweep column: the swept keys.
fn sweep_heading(data: &RunData) -> String {
    data.meta.sweep.join(", ")
}

/// Whether `metric` is non-zero in some of `rows`.
fn any_nonzero(rows: &[&AggregateRow], metric: Metric) -> bool {
    rows.iter()
        .any(|r| r.mean(metric).is_some_and(|v| v != 0.0))
}

/// A table of `rows` (one class's or several), grouped by sweep point when
/// the run has a sweep; `class_column` adds the class.
fn metrics_table(out: &mut String, data: &RunData, rows: &[&AggregateRow], class_column: bool) {
    let swept = !data.meta.sweep.is_empty();
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    if swept {
        let _ = write!(
            out,
            "<th class=\"key\">{}</th>",
            escape(&sweep_heading(data))
        );
    }
    out.push_str("<th class=\"key\">policy</th>");
    if class_column {
        out.push_str("<th class=\"key\">class</th>");
    }
    // Deadline misses only where some task has missed one.
    let columns: Vec<Metric> = HEADLINE
        .into_iter()
        .filter(|&m| m != Metric::DeadlineMisses || any_nonzero(rows, m))
        .collect();
    for m in &columns {
        let _ = write!(
            out,
            "<th title=\"{} ({}, mean ± 95% half-width)\">{}</th>",
            escape(m.help()),
            m.column(),
            escape(m.label())
        );
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let groups: Vec<&[&AggregateRow]> = rows.chunk_by(|a, b| a.point == b.point).collect();
    for group in groups {
        for (i, row) in group.iter().enumerate() {
            open_row(out, i == 0 && swept, group.len(), &row.sweep_value);
            let _ = write!(out, "<th scope=\"row\">{}</th>", escape(&row.policy));
            if class_column {
                let _ = write!(out, "<td>{}</td>", escape(&row.class.to_string()));
            }
            for &m in &columns {
                let _ = write!(
                    out,
                    "<td class=\"num\">{}</td>",
                    estimate(m.unit(), row.mean(m), row.ci95(m), false)
                );
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody></table></div>\n");
}

/// The headline metrics of every policy (and point), class `*`, then the
/// per-class detail folded.
fn metrics_section(out: &mut String, data: &RunData) {
    out.push_str("<section id=\"metrics\">\n<h2>Headline metrics</h2>\n");
    let reps = data.meta.replications;
    let note = if reps > 1 {
        format!(
            "Mean over {reps} replications ± the half-width of its 95% confidence interval \
             (Student's t). All classes together; hover a heading for its definition."
        )
    } else {
        "One replication, so no confidence intervals. All classes together; hover a heading \
         for its definition."
            .to_string()
    };
    let all: Vec<&AggregateRow> = data
        .aggregate
        .iter()
        .filter(|r| r.class == Classes::All)
        .collect();
    let note = if any_nonzero(&all, Metric::DeadlineMisses) {
        note
    } else {
        format!("{note} No task missed a deadline.")
    };
    let _ = writeln!(out, "<p class=\"note\">{}</p>", escape(&note));
    if all.is_empty() {
        out.push_str("<p class=\"na\">aggregate.csv has no rows.</p>\n");
    } else {
        metrics_table(out, data, &all, false);
    }
    let classes: Vec<&AggregateRow> = data
        .aggregate
        .iter()
        .filter(|r| r.class != Classes::All)
        .collect();
    // With one class its rows repeat the headline table.
    if data.meta.classes.len() > 1 && !classes.is_empty() {
        let _ = writeln!(
            out,
            "<details id=\"per-class\">\n<summary>Per class ({})</summary>",
            escape(&data.meta.classes.join(", "))
        );
        metrics_table(out, data, &classes, true);
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// The paired comparisons of mean and p99 latency.
fn paired_section(out: &mut String, data: &RunData, paired: &str) {
    out.push_str("<section id=\"comparisons\">\n<h2>Paired comparisons</h2>\n");
    out.push_str(
        "<p class=\"note\">Latency of the first policy minus the second, all classes together. \
         Every policy of a replication runs the very same tasks (common random numbers), so \
         the difference is measured replication by replication: its 95% interval is much \
         tighter than the two policies' intervals side by side. Significant: the interval \
         excludes zero.</p>\n",
    );
    let pairs = match read_paired(paired) {
        Ok(pairs) => pairs,
        Err(e) => {
            let _ = writeln!(
                out,
                "<p class=\"na\">paired.csv could not be read: {}</p>\n</section>",
                escape(&e)
            );
            return;
        }
    };
    if pairs.is_empty() {
        out.push_str(
            "<p class=\"na\">No comparisons: the run has a single policy.</p>\n</section>\n",
        );
        return;
    }
    let fold = pairs.len() > PAIRED_FOLD;
    if fold {
        let _ = writeln!(
            out,
            "<details><summary>{} comparisons</summary>",
            pairs.len()
        );
    }
    let swept = !data.meta.sweep.is_empty();
    out.push_str("<div class=\"scroll\"><table>\n<thead><tr>");
    if swept {
        let _ = write!(
            out,
            "<th class=\"key\">{}</th>",
            escape(&sweep_heading(data))
        );
    }
    out.push_str("<th class=\"key\">policies</th>");
    for m in PAIRED_METRICS {
        let _ = write!(out, "<th>Δ {}</th>", m.label());
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    let groups: Vec<&[Pair]> = pairs
        .chunk_by(|x, y| x.sweep_value == y.sweep_value)
        .collect();
    for group in groups {
        for (i, pair) in group.iter().enumerate() {
            open_row(out, i == 0 && swept, group.len(), &pair.sweep_value);
            let _ = write!(
                out,
                "<th scope=\"row\">{} vs {}</th>",
                escape(&pair.a),
                escape(&pair.b)
            );
            for metric in PAIRED_METRICS {
                let cell = match pair.metrics.get(&metric) {
                    None => r#"<span class="na">–</span>"#.to_string(),
                    Some((mean, ci, significant, reps)) => {
                        let value = estimate(metric.unit(), *mean, *ci, true);
                        let verdict = if ci.is_none() {
                            format!(
                                "<span class=\"nsig\">no interval ({} replication)</span>",
                                escape(reps)
                            )
                        } else if *significant {
                            "<span class=\"sig\">significant</span>".to_string()
                        } else {
                            "<span class=\"nsig\">not significant</span>".to_string()
                        };
                        format!("{value}<span class=\"verdict\">{verdict}</span>")
                    }
                };
                let _ = write!(out, "<td class=\"num diff\">{cell}</td>");
            }
            out.push_str("</tr>\n");
        }
    }
    out.push_str("</tbody></table></div>\n");
    if fold {
        out.push_str("</details>\n");
    }
    out.push_str("</section>\n");
}

/// Every chart, after an index of their titles (each chart draws its own
/// title, so the page does not repeat it above the image).
fn charts_section(out: &mut String, charts: &[Chart]) {
    out.push_str("<section id=\"charts\">\n<h2>Charts</h2>\n<ol class=\"index\">\n");
    for chart in charts {
        let _ = writeln!(
            out,
            "<li><a href=\"#chart-{}\">{}</a></li>",
            slug(&chart.name),
            escape(&chart.title)
        );
    }
    out.push_str("</ol>\n");
    for chart in charts {
        let (mime, bytes) = if chart.svg.is_empty() {
            ("image/png", chart.png.as_slice())
        } else {
            ("image/svg+xml", chart.svg.as_bytes())
        };
        let name = escape(&chart.name);
        let _ = write!(
            out,
            "<figure id=\"chart-{}\">\n<img alt=\"{}\" width=\"{}\" height=\"{}\" \
             src=\"data:{mime};base64,{}\">\n<figcaption><a href=\"{name}.svg\">{name}.svg</a> · \
             <a href=\"{name}.png\">{name}.png</a></figcaption>\n</figure>\n",
            slug(&chart.name),
            escape(&chart.title),
            chart.width,
            chart.height,
            base64::engine::general_purpose::STANDARD.encode(bytes),
        );
    }
    out.push_str("</section>\n");
}

/// The limits reached and the deadlocks, first thing after the header: a
/// run a limit stopped must not read as complete.
fn diagnostics_section(out: &mut String, data: &RunData) {
    let meta = &data.meta;
    out.push_str("<section id=\"diagnostics\" class=\"diagnostics\">\n<h2>Diagnostics</h2>\n");
    if !meta.complete {
        let stopped = meta
            .diagnostics
            .iter()
            .filter(|d| d.kind == DiagnosticKind::LimitReached)
            .count();
        let _ = writeln!(
            out,
            "<p class=\"incomplete\"><strong>Incomplete:</strong> a limit stopped {}; \
             their results cover only the time until then.</p>",
            plural(stopped, "run", "runs")
        );
    }
    out.push_str("<ul>\n");
    for d in &meta.diagnostics {
        let kind = match (d.kind, d.severity) {
            (DiagnosticKind::LimitReached, _) => "limit reached",
            (DiagnosticKind::Deadlock, Severity::Error | Severity::Warning) => "deadlock",
            (DiagnosticKind::Deadlock, Severity::Expected) => "deadlock (expected)",
            (DiagnosticKind::SlowCallback, _) => "slow callback",
        };
        let _ = writeln!(
            out,
            "<li><strong>{}</strong> {}: {}<br><span class=\"note\">{}</span></li>",
            escape(kind),
            escape(&d.run()),
            escape(&d.message),
            escape(&d.hint)
        );
    }
    out.push_str("</ul>\n</section>\n");
}

/// The report page of `data` with `charts` and, when given, the text of
/// `paired.csv`.
pub fn render(data: &RunData, charts: &[Chart], paired: Option<&str>) -> String {
    let diagnostics = !data.meta.diagnostics.is_empty() || !data.meta.complete;
    let mut sections = Vec::new();
    if diagnostics {
        sections.push(("diagnostics", "Diagnostics"));
    }
    sections.push(("metrics", "Metrics"));
    if paired.is_some() {
        sections.push(("comparisons", "Comparisons"));
    }
    if !charts.is_empty() {
        sections.push(("charts", "Charts"));
    }
    sections.push(("scenario", "Scenario"));

    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"generator\" content=\"corosim {}\">\n<title>{} · corosim report</title>\n\
         <style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&data.meta.scenario)
    );
    header(&mut out, data, &sections);
    if diagnostics {
        diagnostics_section(&mut out, data);
    }
    metrics_section(&mut out, data);
    if let Some(paired) = paired {
        paired_section(&mut out, data, paired);
    }
    if !charts.is_empty() {
        charts_section(&mut out, charts);
    }
    let _ = write!(
        out,
        "<section id=\"scenario\">\n<h2>Resolved scenario</h2>\n<p class=\"note\">The scenario \
         as run, defaults filled in.</p>\n<pre>{}</pre>\n</section>\n",
        escape(data.meta.resolved_scenario.trim_end())
    );
    let _ = write!(
        out,
        "<footer>Written by corosim {}. Image self-check: <span id=\"self-check\">not run \
         (needs JavaScript)</span></footer>\n</main>\n<script>\n{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests;
