//! `gantt_<n>`: what each CPU did in the first moments of policy n's run.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::metrics::SegmentKind;
use crate::report::data::{GanttRow, RunData};
use crate::report::series_csv::GanttKind;
use crate::report::stretch::{self, Stretch};

use super::axes::{Axis, Ticks};
use super::legend::{Entry, LEGEND_ROW, Swatch, fitted, flow_rows, hatched, legend_rows};
use super::palette::{
    AXIS_TITLE_FONT, FONT, GRID_BOLD, GRID_LIGHT, LABEL_FONT, PREEMPTION, SWITCH, TEXT, TITLE_FONT,
    class_color, darker, font, is_dark, text_width,
};
use super::selection::{Policy, point_caption, policies_at, with_extra};
use super::{Drawn, Figure};

/// What each CPU did in the first moments of one policy's run.
pub(super) struct Gantt {
    title: String,
    cpus: u32,
    /// Where the segments end, ms.
    until_ms: f64,
    /// The rows of this run (compute, switch, blocked, preemption).
    rows: Vec<GanttRow>,
    /// Class colours by name.
    classes: Vec<(String, RGBColor)>,
    legend: Vec<Entry>,
    size: (u32, u32),
}

const GANTT_WIDTH: u32 = 1000;
/// Pixels per CPU row: 60 for up to 10 CPUs, then fewer, down to 14.
fn gantt_row_height(cpus: u32) -> u32 {
    (600 / cpus.max(1)).clamp(14, 60)
}
/// The Gantt chart's parts around its rows: title, axis labels, margins.
const GANTT_CHROME: u32 = 40 + 52 + 20;
const GANTT_Y_LABELS: u32 = 70;
/// Room for the legend's rows under a Gantt chart.
const GANTT_LEGEND_WIDTH: i32 = (GANTT_WIDTH - GANTT_Y_LABELS - 30) as i32;

/// Compute and blocked segments a Gantt chart shows per CPU, at most: the
/// window ends where the policy with the most segments reaches this many,
/// the same window for every policy, so they compare side by side.
const GANTT_WORK_PER_CPU: usize = 60;

/// Whether a row of `kind` is work: a task computing or holding the worker
/// in a cooperative block.
fn is_work(kind: GanttKind) -> bool {
    matches!(
        kind,
        GanttKind::Segment(SegmentKind::Compute | SegmentKind::Blocked)
    )
}

/// Where the window of `rows` (one run's segments) ends, in ns: at the start
/// of the first work segment beyond `GANTT_WORK_PER_CPU` per CPU, else at the
/// end of the last segment.
fn gantt_cut(rows: &[GanttRow], cpus: u32) -> u64 {
    let mut starts: Vec<u64> = rows
        .iter()
        .filter(|r| is_work(r.kind))
        .map(|r| r.start_ns)
        .collect();
    starts.sort_unstable();
    let end = rows.iter().map(|r| r.end_ns).max().unwrap_or(0);
    starts
        .get(GANTT_WORK_PER_CPU * cpus as usize)
        .copied()
        .filter(|&t| t > 0)
        .unwrap_or(end)
}

/// `rows` with back-to-back segments of one task on one CPU, of one kind,
/// joined (a task polled many times in a row is one block).
fn merged<'a>(rows: impl Iterator<Item = &'a GanttRow>) -> Vec<GanttRow> {
    stretch::merged(rows.cloned().collect())
}

/// Rows join across a preemption: the chart marks it on the joined block.
impl Stretch for GanttRow {
    fn cpu(&self) -> u32 {
        self.cpu
    }
    fn start(&self) -> u64 {
        self.start_ns
    }
    fn end(&self) -> u64 {
        self.end_ns
    }
    fn kind(&self) -> Option<SegmentKind> {
        match self.kind {
            GanttKind::Segment(kind) => Some(kind),
            GanttKind::Preemption => None,
        }
    }
    fn same_task(&self, other: &Self) -> bool {
        self.task == other.task
    }
    fn absorb(&mut self, next: Self) {
        self.end_ns = next.end_ns;
    }
}

pub(super) fn gantts(data: &RunData) -> Vec<(usize, Gantt)> {
    let rows: Vec<&GanttRow> = data
        .gantt
        .iter()
        .filter(|r| r.point == 0 && r.replication == 0)
        .collect();
    let policies = with_extra(policies_at(data, 0), rows.iter().map(|r| r.policy.as_str()));
    let cpus = rows
        .iter()
        .map(|r| r.cpu + 1)
        .max()
        .unwrap_or(1)
        .max(data.meta.cpus);
    let runs: Vec<(Policy, Vec<GanttRow>)> = policies
        .into_iter()
        .map(|p| {
            let mine = merged(rows.iter().filter(|r| r.policy == p.label).copied());
            (p, mine)
        })
        .filter(|(_, mine)| !mine.is_empty())
        .collect();
    let Some(until_ns) = runs.iter().map(|(_, mine)| gantt_cut(mine, cpus)).min() else {
        return Vec::new();
    };
    let until_ns = until_ns.max(1);
    let mut class_names: Vec<String> = data.meta.classes.clone();
    for r in &rows {
        if !class_names.contains(&r.class) {
            class_names.push(r.class.clone());
        }
    }
    let mut out = Vec::new();
    for (p, mine) in runs {
        // The window: segments cut at its end, preemptions within it.
        let shown: Vec<GanttRow> = mine
            .into_iter()
            .filter(|r| {
                r.start_ns < until_ns || (r.kind == GanttKind::Preemption && r.start_ns <= until_ns)
            })
            .map(|r| GanttRow {
                end_ns: r.end_ns.min(until_ns),
                ..r
            })
            .collect();
        let classes: Vec<(String, RGBColor)> = class_names
            .iter()
            .enumerate()
            .filter(|(_, c)| shown.iter().any(|r| &r.class == *c && is_work(r.kind)))
            .map(|(i, c)| (c.clone(), class_color(i)))
            .collect();
        let mut legend: Vec<Entry> = classes
            .iter()
            .map(|(c, color)| Entry {
                label: fitted(c),
                swatch: Swatch::Block(*color),
            })
            .collect();
        let has = |kind: GanttKind| shown.iter().any(|r| r.kind == kind);
        if has(GanttKind::Segment(SegmentKind::Switch)) {
            legend.push(Entry {
                label: "context switch".into(),
                swatch: Swatch::Block(SWITCH),
            });
        }
        if has(GanttKind::Segment(SegmentKind::Blocked)) {
            legend.push(Entry {
                label: "blocked (holds the worker)".into(),
                swatch: Swatch::Hatched(RGBColor(0x55, 0x55, 0x55)),
            });
        }
        if has(GanttKind::Preemption) {
            legend.push(Entry {
                label: "preemption".into(),
                swatch: Swatch::Tick(PREEMPTION),
            });
        }
        let legend_rows = flow_rows(&legend, GANTT_LEGEND_WIDTH).len() as u32;
        let height = GANTT_CHROME + cpus * gantt_row_height(cpus) + legend_rows * LEGEND_ROW as u32;
        let until_ms = until_ns as f64 / 1e6;
        let mut title = format!("{}: first {} ms", p.label, short(until_ms));
        if let Some(at) = point_caption(data, 0) {
            title.push_str(&format!(" ({at})"));
        }
        out.push((
            p.index,
            Gantt {
                title,
                cpus,
                until_ms,
                rows: shown,
                classes,
                legend,
                size: (GANTT_WIDTH, height),
            },
        ));
    }
    out
}

/// A duration in ms, to three significant digits or whole.
pub(super) fn short(ms: f64) -> String {
    if ms >= 100.0 {
        format!("{ms:.0}")
    } else if ms >= 10.0 {
        format!("{ms:.1}")
    } else if ms >= 1.0 {
        format!("{ms:.2}")
    } else {
        format!("{ms:.3}")
    }
}

impl Figure for Gantt {
    fn title(&self) -> &str {
        &self.title
    }

    fn size(&self) -> (u32, u32) {
        self.size
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let body = root
            .margin(6, 0, 0, 0)
            .titled(&self.title, font(TITLE_FONT))?;
        let legend_h = flow_rows(&self.legend, GANTT_LEGEND_WIDTH).len() as i32 * LEGEND_ROW;
        let (plot, legend) = body.split_vertically(body.dim_in_pixel().1 as i32 - legend_h - 8);
        let n = f64::from(self.cpus);
        // CPU 0 at the top: CPU c is the band [n - 1 - c, n - c].
        let centre = |cpu: u32| n - f64::from(cpu) - 0.5;
        let y = Ticks {
            lo: 0.0,
            hi: n,
            bold: (0..self.cpus).map(centre).collect(),
            light: Vec::new(),
        };
        let x = Axis::linear("time (ms)", 0.0, self.until_ms);
        let mut chart = ChartBuilder::on(&plot)
            .margin(8)
            .margin_right(20)
            .x_label_area_size(52)
            .y_label_area_size(GANTT_Y_LABELS)
            .build_cartesian_2d(x.coord(), y)?;
        let x_label = |v: &f64| x.label(*v);
        let y_label = |v: &f64| format!("CPU {}", (n - 0.5 - v).round());
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(x.title.as_str())
            .x_label_formatter(&x_label)
            .y_label_formatter(&y_label)
            .label_style(font(LABEL_FONT))
            .axis_desc_style(font(AXIS_TITLE_FONT))
            .bold_line_style(GRID_BOLD)
            .light_line_style(GRID_LIGHT)
            .axis_style(TEXT)
            .draw()?;
        let color = |class: &str| {
            self.classes
                .iter()
                .find(|(c, _)| c == class)
                .map_or(SWITCH, |(_, color)| *color)
        };
        // Pixel corners of a segment on its CPU's row, at least 1 pixel wide.
        let corners = |r: &GanttRow, inset: f64| {
            let top = centre(r.cpu) + 0.5 - inset;
            let bottom = centre(r.cpu) - 0.5 + inset;
            let a = chart.backend_coord(&(r.start_ns as f64 / 1e6, top));
            let b = chart.backend_coord(&(r.end_ns as f64 / 1e6, bottom));
            (a, (b.0.max(a.0 + 1), b.1))
        };
        let kind = |k: GanttKind| self.rows.iter().filter(move |r| r.kind == k);
        for r in kind(GanttKind::Segment(SegmentKind::Switch)) {
            let (a, b) = corners(r, 0.22);
            root.draw(&Rectangle::new([a, b], SWITCH.filled()))?;
        }
        for r in kind(GanttKind::Segment(SegmentKind::Blocked)) {
            let (a, b) = corners(r, 0.15);
            hatched(root, color(&r.class), a, b)?;
        }
        let label_style = |dark: bool| {
            TextStyle::from((FONT, 12).into_font())
                .color(if dark { &WHITE } else { &TEXT })
                .pos(Pos::new(HPos::Center, VPos::Center))
        };
        for r in kind(GanttKind::Segment(SegmentKind::Compute)) {
            let (a, b) = corners(r, 0.15);
            let c = color(&r.class);
            root.draw(&Rectangle::new([a, b], c.filled()))?;
            if b.0 - a.0 >= 4 {
                // An edge, so back-to-back tasks stay apart.
                let edge = RGBColor(darker(c.0), darker(c.1), darker(c.2));
                root.draw(&Rectangle::new([a, b], edge.stroke_width(1)))?;
            }
            // The task's name, where it fits.
            let text_w = text_width(&r.task, 12) as i32;
            if b.0 - a.0 >= text_w + 8 && b.1 - a.1 >= 16 {
                root.draw_text(
                    &r.task,
                    &label_style(is_dark(c)),
                    ((a.0 + b.0) / 2, (a.1 + b.1) / 2),
                )?;
            }
        }
        for r in kind(GanttKind::Preemption) {
            let (a, b) = corners(r, 0.04);
            root.draw(&PathElement::new(
                vec![(a.0, a.1), (a.0, b.1)],
                PREEMPTION.stroke_width(2),
            ))?;
        }
        let left = chart.plotting_area().get_pixel_range().0.start - legend.get_base_pixel().0;
        legend_rows(&legend, &self.legend, (left, 0), GANTT_LEGEND_WIDTH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(cpu: u32, task: &str, start_ns: u64, end_ns: u64, kind: &str) -> GanttRow {
        GanttRow {
            point: 0,
            policy: "p".into(),
            replication: 0,
            cpu,
            task: task.into(),
            class: "c".into(),
            start_ns,
            end_ns,
            kind: kind.parse().unwrap(),
        }
    }

    #[test]
    fn back_to_back_slices_of_a_task_are_one_block() {
        let rows = [
            row(0, "a#0", 0, 10, "compute"),
            row(0, "a#0", 10, 20, "compute"),
            row(0, "a#0", 20, 20, "preemption"),
            row(0, "a#0", 20, 30, "compute"),
            row(0, "b#1", 30, 40, "compute"),
            row(1, "a#0", 40, 50, "compute"),
        ];
        let m = merged(rows.iter());
        let spans: Vec<(u32, &str, u64, u64, &str)> = m
            .iter()
            .map(|r| (r.cpu, r.task.as_str(), r.start_ns, r.end_ns, r.kind.name()))
            .collect();
        assert_eq!(
            spans,
            [
                (0, "a#0", 0, 30, "compute"),
                (0, "a#0", 20, 20, "preemption"),
                (0, "b#1", 30, 40, "compute"),
                (1, "a#0", 40, 50, "compute"),
            ]
        );
    }

    #[test]
    fn the_gantt_window_holds_a_bounded_number_of_segments_per_cpu() {
        let rows: Vec<GanttRow> = (0..200)
            .map(|i| row(0, &format!("t#{i}"), i * 100, i * 100 + 50, "compute"))
            .collect();
        assert_eq!(gantt_cut(&rows, 1), GANTT_WORK_PER_CPU as u64 * 100);
        assert_eq!(gantt_cut(&rows, 4), 199 * 100 + 50);
    }
}
