//! What the charts select from a run's data: the policies of a point (each
//! keeps its colour everywhere), the point the single-run charts show, and
//! the captions naming it.

use crate::report::data::RunData;

use super::legend::{Entry, Swatch, fitted};
use super::palette::policy_color;

/// A policy at one sweep point: its position in the scenario (its colour)
/// and its label there.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Policy {
    pub(super) index: usize,
    pub(super) label: String,
}

/// The policies at `point`, in scenario order: from `aggregate.csv` (rows in
/// point, policy, class order), else `run.json`.
pub(super) fn policies_at(data: &RunData, point: usize) -> Vec<Policy> {
    let mut labels: Vec<&str> = Vec::new();
    for row in data.aggregate.iter().filter(|r| r.point == point) {
        if !labels.contains(&row.policy.as_str()) {
            labels.push(&row.policy);
        }
    }
    if labels.is_empty() {
        labels = data.meta.policies.iter().map(String::as_str).collect();
    }
    labels
        .into_iter()
        .enumerate()
        .map(|(index, label)| Policy {
            index,
            label: label.to_string(),
        })
        .collect()
}

/// The policies of `labels` (in the order of first appearance) not already
/// in `known`, appended with the next indices.
pub(super) fn with_extra<'a>(
    mut known: Vec<Policy>,
    labels: impl Iterator<Item = &'a str>,
) -> Vec<Policy> {
    for label in labels {
        if !known.iter().any(|p| p.label == label) {
            known.push(Policy {
                index: known.len(),
                label: label.to_string(),
            });
        }
    }
    known
}

/// The point the single-run charts show: the last.
pub(super) fn last_point(data: &RunData) -> usize {
    data.meta.points.len().saturating_sub(1)
}

/// `load = 0.9` for a sweep point, `None` without a sweep.
pub(super) fn point_caption(data: &RunData, point: usize) -> Option<String> {
    if data.meta.sweep.is_empty() {
        return None;
    }
    let value = data.meta.points.get(point)?;
    Some(match data.meta.sweep.as_slice() {
        [key] => format!("{key} = {value}"),
        _ => value.replace(';', ", ").replace('=', " = "),
    })
}

/// `base`, then ` at <point>` with a sweep.
pub(super) fn titled_at(data: &RunData, base: String, point: usize) -> String {
    match point_caption(data, point) {
        Some(at) => format!("{base} at {at}"),
        None => base,
    }
}

pub(super) fn policy_entry(p: &Policy) -> Entry {
    Entry {
        label: fitted(&p.label),
        swatch: Swatch::Line {
            color: policy_color(p.index),
            width: 3,
            dashed: false,
        },
    }
}
