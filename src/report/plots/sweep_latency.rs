//! `sweep_latency`: p50 and p99 latency against the swept value, with 95%
//! confidence bands.

use crate::metrics::metric::Metric;
use crate::report::data::RunData;

use super::axes::{Axis, bounds};
use super::legend::{Entry, Swatch, fitted};
use super::lines::{Line, LineChart};
use super::palette::{TEXT, policy_color};
use super::selection::{Policy, policy_entry};
use super::sweep::{band_entry, sweep_axis, sweep_lines, sweep_title, sweep_x};

pub(super) fn sweep_latency(data: &RunData, values: &[f64]) -> Option<LineChart> {
    let (factor, key, unit) = sweep_axis(data, values);
    let xs: Vec<f64> = values.iter().map(|v| v * factor).collect();
    let p50 = sweep_lines(data, &xs, Metric::LatencyP50S, 1e3);
    let p99 = sweep_lines(data, &xs, Metric::LatencyP99S, 1e3);
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    let mut any_band = false;
    let mut ys = Vec::new();
    for (percentile, dashed, series) in [(50, true, &p50), (99, false, &p99)] {
        for (&index, (label, points)) in series {
            let points: Vec<_> = points.iter().filter(|p| p.1 > 0.0).collect();
            if points.is_empty() {
                continue;
            }
            let band: Vec<(f64, f64, f64)> = points
                .iter()
                .filter_map(|&&(x, m, ci)| ci.map(|c| (x, m - c, m + c)))
                .collect();
            let band =
                (band.len() == points.len() && band.iter().any(|b| b.2 > b.1)).then_some(band);
            any_band |= band.is_some();
            ys.extend(points.iter().map(|p| p.1));
            ys.extend(band.iter().flatten().flat_map(|b| [b.1, b.2]));
            lines.push(Line {
                points: points.iter().map(|p| (p.0, p.1)).collect(),
                color: policy_color(index),
                width: if dashed { 2 } else { 3 },
                dashed,
                band,
            });
            let named = legend.iter().any(|e: &Entry| e.label == fitted(label));
            if (percentile == 99 || !p99.contains_key(&index)) && !named {
                legend.push(policy_entry(&Policy {
                    index,
                    label: label.clone(),
                }));
            }
        }
    }
    if lines.is_empty() {
        return None;
    }
    legend.push(Entry {
        label: Metric::LatencyP99S.label().into(),
        swatch: Swatch::Line {
            color: TEXT,
            width: 3,
            dashed: false,
        },
    });
    legend.push(Entry {
        label: format!("{} (median)", Metric::LatencyP50S.label()),
        swatch: Swatch::Line {
            color: TEXT,
            width: 2,
            dashed: true,
        },
    });
    legend.extend(band_entry(any_band));
    let (min, max) = bounds(ys.into_iter().filter(|v| *v > 0.0))?;
    let x = sweep_x(key, unit, &xs)?;
    Some(LineChart {
        title: sweep_title(data, "p50 and p99 latency"),
        x,
        y: Axis::log("latency (ms, log scale)", min, max),
        lines,
        legend,
    })
}
