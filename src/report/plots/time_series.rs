//! `throughput` and `ready_queue`: completions per second and the mean
//! ready-queue length over time.

use crate::report::data::RunData;

use super::axes::{Axis, bounds};
use super::lines::{Line, LineChart};
use super::palette::policy_color;
use super::selection::{last_point, policies_at, policy_entry, titled_at, with_extra};

/// What a time-series chart follows.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Measure {
    Throughput,
    ReadyQueue,
}

pub(super) fn time_series(data: &RunData, measure: Measure) -> Option<LineChart> {
    let point = last_point(data);
    let rows: Vec<_> = data
        .series
        .iter()
        .filter(|r| r.point == point && r.replication == 0)
        .collect();
    let policies = with_extra(
        policies_at(data, point),
        rows.iter().map(|r| r.policy.as_str()),
    );
    // The run's last window is cut where it ended: a sliver of a window
    // would only add noise (a few completions in a few ms), so windows under
    // half the full width are left out.
    let full = rows
        .iter()
        .map(|r| r.window_end_s - r.window_start_s)
        .fold(0.0, f64::max);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for p in &policies {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.policy == p.label)
            .filter(|r| r.window_end_s - r.window_start_s >= full / 2.0)
            .filter_map(|r| {
                let mid = (r.window_start_s + r.window_end_s) / 2.0;
                match measure {
                    Measure::Throughput => r.throughput_per_s.map(|t| (mid, t)),
                    Measure::ReadyQueue => Some((mid, r.ready_queue_mean)),
                }
            })
            .collect();
        if points.is_empty() {
            continue;
        }
        lines.push(Line::solid(points, policy_color(p.index)));
        legend.push(policy_entry(p));
    }
    if lines.is_empty() {
        return None;
    }
    let end = rows
        .iter()
        .map(|r| r.window_end_s)
        .fold(0.0, f64::max)
        .max(1e-9);
    let (_, top) = bounds(lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)))?;
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    let (what, y_title) = match measure {
        Measure::Throughput => ("throughput over time", "completions per second"),
        Measure::ReadyQueue => (
            "ready-queue length over time",
            "mean ready-queue length (tasks)",
        ),
    };
    Some(LineChart {
        title: titled_at(data, format!("{}: {what}", data.meta.scenario), point),
        x: Axis::linear("time (s)", 0.0, end),
        y: Axis::linear(y_title, 0.0, top),
        lines,
        legend,
    })
}
