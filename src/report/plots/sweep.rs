//! What the charts against the swept value share: the x axis, the lines of
//! a metric per policy, their names and the band's legend entry.

use std::collections::BTreeMap;

use plotters::prelude::*;

use crate::metrics::metric::Metric;
use crate::metrics::summary::Classes;
use crate::report::data::RunData;

use super::axes::{Axis, bounds};
use super::legend::{Entry, Swatch};
use super::palette::tint;
use super::selection::policies_at;

/// How to show the swept values: a factor from the values of
/// `numeric_sweep` (seconds for durations), the key, and its unit.
pub(super) fn sweep_axis(data: &RunData, values: &[f64]) -> (f64, String, Option<&'static str>) {
    let key = data.meta.sweep.first().cloned().unwrap_or_default();
    let durations = data.meta.points.iter().any(|v| v.parse::<f64>().is_err());
    if !durations {
        return (1.0, key, None);
    }
    let max = values.iter().copied().fold(0.0, f64::max);
    let (factor, unit) = if max >= 1.0 {
        (1.0, "s")
    } else if max >= 1e-3 {
        (1e3, "ms")
    } else {
        (1e6, "us")
    };
    (factor, key, Some(unit))
}

/// The x axis of a sweep chart: log when the values span two decades.
pub(super) fn sweep_x(key: String, unit: Option<&str>, xs: &[f64]) -> Option<Axis> {
    let (min, max) = bounds(xs.iter().copied())?;
    let log = min > 0.0 && max / min >= 100.0;
    let title = match (unit, log) {
        (Some(unit), true) => format!("{key} ({unit}, log scale)"),
        (Some(unit), false) => format!("{key} ({unit})"),
        (None, true) => format!("{key} (log scale)"),
        (None, false) => key,
    };
    Some(if log {
        Axis::log(title, min, max)
    } else {
        let pad = if max > min { (max - min) * 0.03 } else { 0.5 };
        Axis::linear(title, min - pad, max + pad)
    })
}

/// Per policy index: its label and (x, mean, ci95) at each point, sorted by x.
pub(super) type SweepLines = BTreeMap<usize, (String, Vec<(f64, f64, Option<f64>)>)>;

/// `metric` of class `*` against the swept value, per policy, scaled by
/// `scale`.
pub(super) fn sweep_lines(data: &RunData, xs: &[f64], metric: Metric, scale: f64) -> SweepLines {
    let mut lines: SweepLines = BTreeMap::new();
    let mut labels: BTreeMap<usize, Vec<String>> = BTreeMap::new();
    for (point, &x) in xs.iter().enumerate() {
        for p in policies_at(data, point) {
            let row = data
                .aggregate
                .iter()
                .find(|r| r.point == point && r.policy == p.label && r.class == Classes::All);
            let Some(row) = row else { continue };
            labels.entry(p.index).or_default().push(p.label.clone());
            if let Some(mean) = row.mean(metric) {
                let ci = row.ci95(metric).map(|c| c * scale);
                lines
                    .entry(p.index)
                    .or_insert_with(|| (String::new(), Vec::new()))
                    .1
                    .push((x, mean * scale, ci));
            }
        }
    }
    for (index, (label, points)) in &mut lines {
        points.sort_by(|a, b| a.0.total_cmp(&b.0));
        *label = sweep_label(&labels[index]);
    }
    lines
}

/// The name of a policy across sweep points: its label if the same at every
/// point (else what precedes the parameters, when sweeping a parameter
/// changed the label).
fn sweep_label(labels: &[String]) -> String {
    let first = labels.first().cloned().unwrap_or_default();
    if labels.iter().all(|l| *l == first) {
        return first;
    }
    let stem = |l: &str| l.split('(').next().unwrap_or(l).to_string();
    if labels.iter().all(|l| stem(l) == stem(&first)) {
        stem(&first)
    } else {
        first
    }
}

pub(super) fn band_entry(any_band: bool) -> Option<Entry> {
    any_band.then(|| Entry {
        label: "95% confidence interval".into(),
        swatch: Swatch::Band(tint(RGBColor(0x70, 0x70, 0x70), 0.3)),
    })
}

pub(super) fn sweep_title(data: &RunData, what: &str) -> String {
    let key = data.meta.sweep.first().map_or("", String::as_str);
    format!("{}: {what} against {key}", data.meta.scenario)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_label_changed_by_a_sweep_keeps_the_policy_name() {
        let labels = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(sweep_label(&labels(&["fifo", "fifo"])), "fifo");
        assert_eq!(
            sweep_label(&labels(&["rr(quantum=1ms)", "rr(quantum=2ms)"])),
            "rr"
        );
    }
}
