//! `sweep_throughput`: throughput against the swept value, with 95%
//! confidence bands.

use crate::metrics::metric::Metric;
use crate::report::data::RunData;

use super::axes::Axis;
use super::lines::{Line, LineChart};
use super::palette::policy_color;
use super::selection::{Policy, policy_entry};
use super::sweep::{band_entry, sweep_axis, sweep_lines, sweep_title, sweep_x};

pub(super) fn sweep_throughput(data: &RunData, values: &[f64]) -> Option<LineChart> {
    let (factor, key, unit) = sweep_axis(data, values);
    let xs: Vec<f64> = values.iter().map(|v| v * factor).collect();
    let series = sweep_lines(data, &xs, Metric::ThroughputPerS, 1.0);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    let mut any_band = false;
    let mut top: f64 = 0.0;
    for (&index, (label, points)) in &series {
        if points.is_empty() {
            continue;
        }
        let band: Vec<(f64, f64, f64)> = points
            .iter()
            .filter_map(|&(x, m, ci)| ci.map(|c| (x, (m - c).max(0.0), m + c)))
            .collect();
        let band = (band.len() == points.len() && band.iter().any(|b| b.2 > b.1)).then_some(band);
        any_band |= band.is_some();
        top = points
            .iter()
            .map(|p| p.1 + p.2.unwrap_or(0.0))
            .fold(top, f64::max);
        let mut line = Line::solid(
            points.iter().map(|p| (p.0, p.1)).collect(),
            policy_color(index),
        );
        line.band = band;
        lines.push(line);
        legend.push(policy_entry(&Policy {
            index,
            label: label.clone(),
        }));
    }
    if lines.is_empty() {
        return None;
    }
    // Every policy often has the same throughput (it is set by the
    // arrivals): lines drawn first are wider, so coinciding lines all show.
    let k = lines.len();
    for (j, line) in lines.iter_mut().enumerate() {
        line.width = 2 + 2 * (k - 1 - j).min(3) as u32;
    }
    legend.extend(band_entry(any_band));
    let top = if top > 0.0 { top * 1.05 } else { 1.0 };
    Some(LineChart {
        title: sweep_title(data, "throughput"),
        x: sweep_x(key, unit, &xs)?,
        y: Axis::linear("throughput (completions per second)", 0.0, top),
        lines,
        legend,
    })
}
