//! `report.html`: one self-contained page with a run's headline metrics, the
//! paired comparisons of its policies, every chart and the resolved scenario.
//!
//! The page opens from disk with no server and no network: its CSS and its one
//! small script are inline, and the charts are embedded as `data:` URIs of
//! their SVG (the PNG only for a chart without one). Side by side in Chromium
//! the SVG renders better: it stays sharp at any zoom and on high-density
//! screens, where the 1x PNG is blurred, its text is set by the browser
//! (plotters' PNG text has uneven letter spacing), and it is smaller (the
//! load-sweep report: 190 kB instead of 650 kB). Its text names the generic
//! `sans-serif` family, which an SVG image may use (only web fonts are closed
//! to it); the layout was measured with DejaVu Sans, wider than the usual
//! defaults (Arial, Helvetica, Liberation Sans), so labels fit. Each chart links its SVG and PNG files, which
//! `corosim run` and `corosim plot` write beside the report.
//!
//! Every text that comes from the run (scenario name, description, policy
//! and class labels, sweep values, the scenario itself) is HTML-escaped.
//!
//! After the page has loaded, its script checks that every image decoded and
//! writes the result into the element with id `self-check` (the browser test
//! reads it).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;

use crate::metrics::aggregate::AggregateRow;
use crate::metrics::metric::{Metric, Unit};
use crate::metrics::summary::Classes;
use crate::report::data::RunData;
use crate::report::plots::Chart;

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

const CSS: &str = r#"
:root { color-scheme: light; --fg: #1f2328; --muted: #656d76; --line: #d0d7de;
  --soft: #f6f8fa; --accent: #0b5cad; --good: #1a7f37; --good-bg: #dafbe1; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 24px 48px; }
header { border-bottom: 1px solid var(--line); padding-bottom: 12px; margin-bottom: 8px; }
h1 { font-size: 28px; margin: 0 0 8px; }
h1 .tool { color: var(--muted); font-weight: 400; }
h2 { font-size: 21px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 0 0 8px; }
p { margin: 6px 0; max-width: 75ch; }
.description p { font-size: 16px; }
.facts { color: var(--muted); font-size: 14px; }
nav { font-size: 14px; margin: 10px 0 0; }
nav a { color: var(--accent); text-decoration: none; margin-right: 16px; }
nav a:hover { text-decoration: underline; }
.note { color: var(--muted); font-size: 13.5px; }
.scroll { overflow-x: auto; margin: 8px 0; }
table { border-collapse: collapse; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--soft); text-align: right; vertical-align: bottom;
  font-weight: 600; border-bottom: 2px solid var(--line); }
thead th.key { text-align: left; }
th[title] { cursor: help; }
tbody tr:hover td, tbody tr:hover th { background: #f3f8ff; }
tbody th { text-align: left; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; white-space: nowrap; }
td.num .ci { display: block; font-size: 12px; line-height: 1.3; }
td.diff .ci { display: inline; font-size: inherit; }
td.point { background: var(--soft); font-weight: 600; white-space: nowrap; }
tr.group td, tr.group th { border-top: 2px solid var(--line); }
.ci { color: var(--muted); }
.na { color: var(--muted); }
.sig { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 9px;
  font-size: 12px; color: var(--good); background: var(--good-bg); }
.nsig { display: inline-block; margin-left: 6px; font-size: 12px; color: var(--muted); }
.verdict { display: inline-block; width: 8.5em; text-align: left; }
details { margin: 12px 0; }
summary { cursor: pointer; color: var(--accent); font-weight: 600; }
ol.index { columns: 2 360px; font-size: 14px; margin: 8px 0 4px; padding-left: 22px; }
ol.index a { color: var(--accent); text-decoration: none; }
ol.index a:hover { text-decoration: underline; }
figure { width: fit-content; max-width: 100%; margin: 20px 0; padding: 8px; border: 1px solid var(--line);
  border-radius: 6px; background: #fff; }
figure img { display: block; max-width: 100%; height: auto; }
figcaption { text-align: right; font-size: 12.5px; color: var(--muted); padding-top: 4px; }
figcaption a { color: var(--muted); }
pre { background: var(--soft); border: 1px solid var(--line); border-radius: 6px; padding: 12px 14px;
  overflow-x: auto; font: 13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; border-top: 1px solid var(--line); padding-top: 8px; }
@media (max-width: 640px) { main { padding: 14px 12px 32px; } h1 { font-size: 23px; } }
#self-check.ok { color: var(--good); }
#self-check.bad { color: #cf222e; font-weight: 600; }
"#;

/// Checks that every image decoded; writes the verdict into `#self-check`.
const SCRIPT: &str = r#"
window.addEventListener("load", function () {
  var images = Array.prototype.slice.call(document.images);
  var failed = images.filter(function (img) { return !(img.complete && img.naturalWidth > 0); });
  var out = document.getElementById("self-check");
  out.setAttribute("data-images", String(images.length));
  out.setAttribute("data-failed", String(failed.length));
  function images_(n) { return n + (n === 1 ? " image" : " images"); }
  if (failed.length === 0) {
    out.textContent = "all " + images_(images.length) + " loaded";
    out.className = "ok";
  } else {
    out.textContent = images_(failed.length) + " failed: " +
      failed.map(function (img) { return img.alt; }).join(", ");
    out.className = "bad";
  }
});
"#;

/// Escapes `text` for HTML text and attribute values.
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

/// Digits of `x` with `decimals` decimals, the integer part grouped by
/// thousands (narrow no-break spaces) from 10 000 on, a real minus sign, and
/// no sign on a value that rounds to zero.
fn digits(x: f64, decimals: usize) -> String {
    let text = format!("{:.*}", decimals, x.abs());
    let (int, frac) = text
        .split_once('.')
        .map_or((text.as_str(), ""), |(i, f)| (i, f));
    let mut grouped = String::new();
    if int.len() > 4 {
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push('\u{202f}');
            }
            grouped.push(c);
        }
    } else {
        grouped.push_str(int);
    }
    if !frac.is_empty() {
        grouped.push('.');
        grouped.push_str(frac);
    }
    let zero = text.bytes().all(|b| b == b'0' || b == b'.');
    if x < 0.0 && !zero {
        format!("\u{2212}{grouped}")
    } else {
        grouped
    }
}

/// Decimals that show `x` to three significant digits (none from 100 on).
fn three_significant(x: f64) -> usize {
    if x == 0.0 || !x.is_finite() {
        return 0;
    }
    (2 - x.abs().log10().floor() as i64).clamp(0, 9) as usize
}

/// The scale and unit suffix for values in `unit` around `magnitude`:
/// fractions as percentages, seconds in s, ms, µs or ns.
fn scale(unit: Unit, magnitude: f64) -> (f64, &'static str) {
    match unit {
        Unit::Count | Unit::Ratio => (1.0, ""),
        Unit::PerSecond => (1.0, "/s"),
        Unit::Fraction => (100.0, "%"),
        Unit::Seconds if magnitude >= 1.0 || magnitude == 0.0 => (1.0, " s"),
        Unit::Seconds if magnitude >= 1e-3 => (1e3, " ms"),
        Unit::Seconds if magnitude >= 1e-6 => (1e6, " µs"),
        Unit::Seconds => (1e9, " ns"),
    }
}

/// `mean unit ± half-width` as HTML: the half-width rounded to two
/// significant digits and the mean to the same decimals; without a
/// half-width, the mean to three significant digits (counts as integers).
/// `signed` puts a `+` on positive values (differences).
fn estimate(unit: Unit, mean: Option<f64>, half_width: Option<f64>, signed: bool) -> String {
    let Some(mean) = mean.filter(|m| m.is_finite()) else {
        return r#"<span class="na">–</span>"#.to_string();
    };
    let half_width = half_width.filter(|h| h.is_finite());
    let (factor, suffix) = scale(unit, mean.abs().max(half_width.unwrap_or(0.0)));
    let (m, h) = (mean * factor, half_width.map(|h| h * factor));
    let decimals = match h {
        // At most five significant digits of the mean, however narrow the
        // interval (a rounding error's width must not print ten digits).
        Some(h) if h > 0.0 => {
            let of_h = (1 - h.log10().floor() as i64).clamp(0, 9) as usize;
            if m == 0.0 {
                of_h
            } else {
                of_h.min(three_significant(m) + 2)
            }
        }
        _ if unit == Unit::Count && m.fract() == 0.0 => 0,
        _ => three_significant(m),
    };
    let mut mean_text = digits(m, decimals);
    if signed
        && !mean_text.starts_with('\u{2212}')
        && mean_text.bytes().any(|b| b.is_ascii_digit() && b != b'0')
    {
        mean_text.insert(0, '+');
    }
    // Two parts: tables show the interval under the mean.
    let mean_text = format!("<span class=\"m\">{mean_text}{}</span>", escape(suffix));
    match h {
        Some(h) => {
            let h = digits(h, decimals);
            let zero = h.bytes().all(|b| b == b'0' || b == b'.');
            format!(
                "{mean_text} <span class=\"ci\">± {}</span>",
                if zero { "0" } else { &h }
            )
        }
        None => mean_text,
    }
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

/// One comparison of `paired.csv`: a point and a pair of policies.
#[derive(Debug, Default)]
struct Pair {
    sweep_value: String,
    a: String,
    b: String,
    /// By metric: mean difference, half-width, significant, replications.
    metrics: BTreeMap<Metric, (Option<f64>, Option<f64>, bool, String)>,
}

/// The comparisons of `paired.csv` for class `*` and `PAIRED_METRICS`, in
/// file order.
fn read_paired(text: &str) -> Result<Vec<Pair>, String> {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| e.to_string())?.clone();
    let column = |name: &str| {
        header
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| format!("no column `{name}`"))
    };
    let [
        point,
        sweep,
        class,
        a,
        b,
        metric,
        reps,
        mean,
        ci,
        significant,
    ] = crate::report::csv_out::PAIRED_COLUMNS.map(column);
    let (point, sweep, class, a, b, metric, reps, mean, ci, significant) = (
        point?,
        sweep?,
        class?,
        a?,
        b?,
        metric?,
        reps?,
        mean?,
        ci?,
        significant?,
    );
    let mut pairs: Vec<Pair> = Vec::new();
    let mut index: BTreeMap<(String, String, String), usize> = BTreeMap::new();
    for (i, record) in reader.records().enumerate() {
        let record = record.map_err(|e| format!("row {}: {e}", i + 2))?;
        let field = |n: usize| record.get(n).unwrap_or_default();
        let shown = Metric::from_column(field(metric)).filter(|m| PAIRED_METRICS.contains(m));
        let Some(shown) = shown.filter(|_| Classes::parse(field(class)) == Classes::All) else {
            continue;
        };
        let key = (
            field(point).to_string(),
            field(a).to_string(),
            field(b).to_string(),
        );
        let at = *index.entry(key).or_insert_with(|| {
            pairs.push(Pair {
                sweep_value: field(sweep).to_string(),
                a: field(a).to_string(),
                b: field(b).to_string(),
                metrics: BTreeMap::new(),
            });
            pairs.len() - 1
        });
        let num = |n: usize| field(n).parse::<f64>().ok();
        pairs[at].metrics.insert(
            shown,
            (
                num(mean),
                num(ci),
                field(significant) == "true",
                field(reps).to_string(),
            ),
        );
    }
    Ok(pairs)
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

/// The report page of `data` with `charts` and, when given, the text of
/// `paired.csv`.
pub fn render(data: &RunData, charts: &[Chart], paired: Option<&str>) -> String {
    let mut sections = vec![("metrics", "Metrics")];
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
         <style>{CSS}</style>\n</head>\n<body>\n<main>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&data.meta.scenario)
    );
    header(&mut out, data, &sections);
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
         (needs JavaScript)</span></footer>\n</main>\n<script>{SCRIPT}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION")
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::aggregate::Interval;
    use crate::metrics::metric::PerMetric;
    use crate::report::data::RunMeta;

    /// A 1x1 PNG (a white pixel).
    const PNG: [u8; 69] = [
        0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44,
        0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x02, 0x00, 0x00, 0x00, 0x90,
        0x77, 0x53, 0xde, 0x00, 0x00, 0x00, 0x0c, 0x49, 0x44, 0x41, 0x54, 0x08, 0xd7, 0x63, 0xf8,
        0xff, 0xff, 0x3f, 0x00, 0x05, 0xfe, 0x02, 0xfe, 0xa7, 0x35, 0x81, 0x84, 0x00, 0x00, 0x00,
        0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
    ];

    fn interval(mean: f64, half_width: f64) -> Option<Interval> {
        Some(Interval {
            mean,
            half_width: Some(half_width),
        })
    }

    fn row(point: usize, value: &str, policy: &str, class: &str, reps: usize) -> AggregateRow {
        let mut intervals = PerMetric::default();
        for m in HEADLINE {
            intervals[m] = interval(0.0123, 0.0012);
        }
        intervals[Metric::Completed] = interval(1813.4, 12.3);
        AggregateRow {
            point,
            sweep_value: value.to_string(),
            policy: policy.to_string(),
            class: Classes::parse(class),
            replications: reps,
            intervals,
        }
    }

    fn data() -> RunData {
        let policies = ["fifo", "<b>ps</b>"];
        let mut aggregate = Vec::new();
        for (point, value) in ["0.5", "0.9"].iter().enumerate() {
            for p in policies {
                for class in ["web", "batch", "*"] {
                    aggregate.push(row(point, value, p, class, 5));
                }
            }
        }
        RunData {
            meta: RunMeta {
                scenario: "web & <friends>".to_string(),
                description: Some("First line\nwrapped here.\n\nSecond <paragraph>.".into()),
                replications: 5,
                policies: policies.map(String::from).to_vec(),
                classes: vec!["web".into(), "batch".into()],
                cpus: 2,
                sweep: vec!["load".into()],
                points: vec!["0.5".into(), "0.9".into()],
                resolved_scenario: "name = \"web & <friends>\"\n[[policy]]\nkind = \"fifo\"\n"
                    .to_string(),
            },
            aggregate,
            series: Vec::new(),
            cdf: Vec::new(),
            gantt: Vec::new(),
        }
    }

    fn charts() -> Vec<Chart> {
        vec![Chart {
            name: "latency_cdf".into(),
            title: "Latency <CDF>".into(),
            svg: r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#.into(),
            png: PNG.to_vec(),
            width: 1,
            height: 1,
        }]
    }

    const PAIRED: &str = "point,sweep_value,class,policy_a,policy_b,metric,replications,mean_difference,ci95,significant
0,0.5,*,fifo,<b>ps</b>,latency_mean_s,5,0.0123,0.0012,true
0,0.5,*,fifo,<b>ps</b>,latency_p99_s,5,-0.0004,0.001,false
0,0.5,web,fifo,<b>ps</b>,latency_mean_s,5,9,1,true
0,0.5,*,fifo,<b>ps</b>,completed,5,3,1,true
1,0.9,*,fifo,<b>ps</b>,latency_mean_s,5,1.5,0.25,true
";

    #[test]
    fn escapes_every_label() {
        let page = render(&data(), &charts(), Some(PAIRED));
        assert!(page.contains("web &amp; &lt;friends&gt;"));
        assert!(page.contains("&lt;b&gt;ps&lt;/b&gt;"));
        assert!(page.contains("Latency &lt;CDF&gt;"));
        assert!(page.contains("Second &lt;paragraph&gt;."));
        assert!(!page.contains("<b>ps"));
        assert!(!page.contains("<friends>"));
        assert!(!page.contains("<CDF>"));
        assert!(!page.contains("<paragraph>"));
        assert!(page.contains("<pre>name = &quot;web &amp; &lt;friends&gt;&quot;"));
    }

    #[test]
    fn is_self_contained() {
        let page = render(&data(), &charts(), Some(PAIRED));
        for external in ["http://", "https://", "<link", "src=\"/", "@import", "url("] {
            assert!(!page.contains(external), "{external}");
        }
        let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
        let svg = base64(charts()[0].svg.as_bytes());
        assert!(page.contains(&format!("src=\"data:image/svg+xml;base64,{svg}\"")));
        assert_eq!(page.matches("<img ").count(), 1);
        assert!(page.contains("<a href=\"#chart-latency-cdf\">Latency &lt;CDF&gt;</a>"));
        assert!(page.contains("<a href=\"latency_cdf.png\">"));
        // A chart without an SVG shows its PNG.
        let mut charts = charts();
        charts[0].svg.clear();
        let page = render(&data(), &charts, None);
        assert!(page.contains(&format!("src=\"data:image/png;base64,{}\"", base64(&PNG))));
        assert!(page.contains("id=\"self-check\""));
        assert!(page.contains("<script>") && page.ends_with("</html>\n"));
    }

    #[test]
    fn shows_the_description_as_paragraphs() {
        let page = render(&data(), &[], None);
        assert!(page.contains("<p>First line wrapped here.</p>"));
        assert!(page.contains("<p>Second &lt;paragraph&gt;.</p>"));
        assert!(page.contains("2 policies · 2 task classes · 2 CPUs · 5 replications"));
        assert!(page.contains("sweep of load over 0.5, 0.9"));
    }

    #[test]
    fn tables_have_a_row_per_point_and_policy() {
        let page = render(&data(), &[], None);
        let (headline, detail) = page.split_once("<details id=\"per-class\">").unwrap();
        let headline = headline.split_once("<section id=\"metrics\">").unwrap().1;
        assert_eq!(headline.matches("<th scope=\"row\">").count(), 4);
        assert_eq!(headline.matches("rowspan=\"2\"").count(), 2);
        let detail = detail.split_once("</details>").unwrap().0;
        assert_eq!(detail.matches("<th scope=\"row\">").count(), 8);
        assert!(detail.contains("<td>batch</td>"));
        // Mean with its half-width, in milliseconds, and a count.
        assert!(
            headline.contains("<span class=\"m\">12.3 ms</span> <span class=\"ci\">± 1.2</span>")
        );
        assert!(headline.contains("<span class=\"m\">1813</span> <span class=\"ci\">± 12</span>"));
        assert!(
            headline.contains("<span class=\"m\">1.23%</span> <span class=\"ci\">± 0.12</span>")
        );
        assert!(headline.contains(">deadline misses</th>"));
        assert!(!page.contains("id=\"comparisons\""));
        assert!(!page.contains("id=\"charts\""));
    }

    #[test]
    fn deadline_misses_only_when_some() {
        let mut d = data();
        for row in &mut d.aggregate {
            row.intervals[Metric::DeadlineMisses] = interval(0.0, 0.0);
        }
        let page = render(&d, &[], None);
        assert!(!page.contains("deadline misses"));
        assert!(page.contains("No task missed a deadline."));
        let page = render(&data(), &[], None);
        assert!(page.contains(">deadline misses</th>"));
        assert!(!page.contains("No task missed a deadline."));
    }

    #[test]
    fn one_class_has_no_per_class_detail() {
        let mut d = data();
        d.meta.classes.truncate(1);
        d.aggregate
            .retain(|r| r.class != Classes::One("batch".into()));
        assert!(!render(&d, &[], None).contains("per-class"));
    }

    #[test]
    fn paired_comparisons_of_latency() {
        let page = render(&data(), &[], Some(PAIRED));
        let section = page.split_once("<section id=\"comparisons\">").unwrap().1;
        let section = section.split_once("</section>").unwrap().0;
        assert_eq!(section.matches("<th scope=\"row\">").count(), 2);
        assert!(section.contains("fifo vs &lt;b&gt;ps&lt;/b&gt;"));
        assert!(section.contains(
            "<span class=\"m\">+12.3 ms</span> <span class=\"ci\">± 1.2</span><span class=\"verdict\"><span class=\"sig\">significant</span></span>"
        ));
        assert!(section.contains(
            "<span class=\"m\">\u{2212}0.4 ms</span> <span class=\"ci\">± 1.0</span><span class=\"verdict\"><span class=\"nsig\">not significant</span></span>"
        ));
        assert!(
            section.contains("<span class=\"m\">+1.50 s</span> <span class=\"ci\">± 0.25</span>")
        );
        // Per-class rows and other metrics stay out.
        assert!(!section.contains("+9"));
        assert!(!section.contains("+3"));
        assert!(render(&data(), &[], Some("what,ever\n1,2\n")).contains("could not be read"));
        assert!(
            render(
                &data(),
                &[],
                Some(&PAIRED[..PAIRED.find('\n').unwrap() + 1])
            )
            .contains("single policy")
        );
    }

    #[test]
    fn numbers() {
        assert_eq!(digits(1234567.0, 0), "1\u{202f}234\u{202f}567");
        assert_eq!(digits(1813.0, 0), "1813");
        assert_eq!(digits(-0.0001, 2), "0.00");
        assert_eq!(digits(-2.5, 1), "\u{2212}2.5");
        let text = |kind, mean, half_width, signed| {
            let html = estimate(kind, mean, half_width, signed);
            let mut out = String::new();
            let mut tag = false;
            for c in html.chars() {
                match c {
                    '<' => tag = true,
                    '>' => tag = false,
                    c if !tag => out.push(c),
                    _ => {}
                }
            }
            out
        };
        let s = Unit::Seconds;
        assert_eq!(text(s, Some(0.55), None, false), "550 ms");
        assert_eq!(text(s, Some(2.5e-6), None, false), "2.50 µs");
        assert_eq!(text(s, Some(3e-8), None, false), "30.0 ns");
        assert_eq!(text(s, Some(0.0), None, false), "0 s");
        assert_eq!(text(s, Some(0.0), Some(0.0), true), "0 s ± 0");
        assert_eq!(text(s, Some(1.5), Some(0.25), true), "+1.50 s ± 0.25");
        assert_eq!(
            text(s, Some(-0.0004), Some(0.001), true),
            "\u{2212}0.4 ms ± 1.0"
        );
        assert_eq!(text(Unit::Count, Some(42.0), None, false), "42");
        assert_eq!(text(Unit::Count, Some(0.0), Some(0.0), false), "0 ± 0");
        assert_eq!(
            text(Unit::Count, Some(25199.4), Some(145.2), false),
            "25\u{202f}199 ± 145"
        );
        assert_eq!(text(Unit::PerSecond, Some(900.4), None, false), "900/s");
        assert_eq!(
            text(Unit::PerSecond, Some(0.1111), Some(0.0), false),
            "0.111/s ± 0"
        );
        assert_eq!(text(Unit::Ratio, Some(1.0), Some(0.0), false), "1.00 ± 0");
        assert_eq!(
            text(Unit::Fraction, Some(0.05555555563), Some(3.4e-10), false),
            "5.5556% ± 0"
        );
        assert_eq!(text(s, Some(0.0), Some(0.002), true), "0.0 ms ± 2.0");
        assert_eq!(text(Unit::Ratio, Some(0.98765), None, false), "0.988");
        assert_eq!(text(Unit::Fraction, Some(0.29), None, false), "29.0%");
        assert_eq!(
            estimate(Unit::Fraction, Some(0.304), Some(0.0068), false),
            "<span class=\"m\">30.40%</span> <span class=\"ci\">± 0.68</span>"
        );
        assert!(estimate(Unit::Seconds, None, None, false).contains("na"));
        assert!(estimate(Unit::Seconds, Some(f64::NAN), None, false).contains("na"));
        assert_eq!(slug("Latency CDF (p99)"), "latency-cdf-p99");
    }
}
