//! `latency_cdf`: the latency distribution of each policy, log scale.

use crate::report::data::RunData;

use super::axes::{Axis, bounds};
use super::lines::{Line, LineChart};
use super::palette::policy_color;
use super::selection::{last_point, policies_at, policy_entry, titled_at, with_extra};

pub(super) fn latency_cdf(data: &RunData) -> Option<LineChart> {
    let point = last_point(data);
    let rows: Vec<_> = data
        .cdf
        .iter()
        .filter(|r| r.point == point && r.replication == 0 && r.latency_s > 0.0)
        .collect();
    let policies = with_extra(
        policies_at(data, point),
        rows.iter().map(|r| r.policy.as_str()),
    );
    let mut lines = Vec::new();
    let mut legend = Vec::new();
    for p in &policies {
        let points: Vec<(f64, f64)> = rows
            .iter()
            .filter(|r| r.policy == p.label)
            .map(|r| (r.latency_s * 1e3, r.quantile))
            .collect();
        if points.is_empty() {
            continue;
        }
        lines.push(Line::solid(points, policy_color(p.index)));
        legend.push(policy_entry(p));
    }
    // The axis starts at the decade of the lowest 1st percentile: a few
    // very short tasks would otherwise stretch it over empty decades.
    let (_, max) = bounds(lines.iter().flat_map(|l| l.points.iter().map(|p| p.0)))?;
    let (min, _) = bounds(
        lines
            .iter()
            .filter_map(|l| l.points.iter().find(|p| p.1 >= 0.01).or(l.points.last()))
            .map(|p| p.0),
    )?;
    let x = Axis::log("latency (ms, log scale)", min, max);
    let from = 10f64.powf(x.lo);
    for line in &mut lines {
        line.points = clip_below(&line.points, from);
    }
    let mut y = Axis::linear("fraction of tasks with at most this latency", 0.0, 1.0);
    y.decimals = 1;
    Some(LineChart {
        title: titled_at(
            data,
            format!("{}: latency distribution", data.meta.scenario),
            point,
        ),
        x,
        y,
        lines,
        legend,
    })
}

/// The points of a CDF (x increasing) from `x_min` on: the segment crossing
/// `x_min` starts there (interpolated on a log x scale).
fn clip_below(points: &[(f64, f64)], x_min: f64) -> Vec<(f64, f64)> {
    let Some(first) = points.iter().position(|p| p.0 >= x_min) else {
        return Vec::new();
    };
    let mut out = Vec::with_capacity(points.len() - first + 1);
    if first > 0 && points[first].0 > x_min {
        let (a, b) = (points[first - 1], points[first]);
        let t = (x_min.ln() - a.0.ln()) / (b.0.ln() - a.0.ln());
        out.push((x_min, a.1 + t * (b.1 - a.1)));
    }
    out.extend_from_slice(&points[first..]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cdf_clipped_on_the_left_starts_on_the_edge() {
        let points = [(0.001, 0.0), (0.1, 0.5), (10.0, 1.0)];
        let clipped = clip_below(&points, 0.01);
        assert_eq!(clipped.len(), 3);
        assert_eq!(clipped[0].0, 0.01);
        assert!((clipped[0].1 - 0.25).abs() < 1e-12);
        assert_eq!(clip_below(&points, 0.001), points);
        assert!(clip_below(&points, 100.0).is_empty());
    }
}
