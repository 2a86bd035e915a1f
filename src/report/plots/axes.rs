//! Axes: linear and base-10 logarithmic, with round ticks and their labels.

use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint};
use plotters::prelude::*;

use super::palette::text_width;

/// An axis: its title, its range and ticks, linear or base-10 logarithmic.
/// Values are drawn in axis space: `log10(v)` on a log axis.
#[derive(Clone, Debug)]
pub(super) struct Axis {
    pub(super) title: String,
    pub(super) log: bool,
    /// Range, in axis space.
    pub(super) lo: f64,
    pub(super) hi: f64,
    /// Labelled ticks, in axis space.
    pub(super) bold: Vec<f64>,
    /// Grid lines between them.
    pub(super) light: Vec<f64>,
    /// Decimals of the labels (linear axes).
    pub(super) decimals: usize,
}

impl Axis {
    /// A linear axis over `[lo, hi]` with round ticks.
    pub(super) fn linear(title: impl Into<String>, lo: f64, hi: f64) -> Axis {
        let (lo, hi) = if hi > lo {
            (lo, hi)
        } else {
            (lo - 0.5, lo + 0.5)
        };
        let step = nice_step((hi - lo) / 8.0);
        let ticks = |step: f64| -> Vec<f64> {
            let first = (lo / step - 1e-9).ceil() as i64;
            let last = (hi / step + 1e-9).floor() as i64;
            (first..=last).map(|k| k as f64 * step).collect()
        };
        let light = ticks(step / 2.0);
        Axis {
            title: title.into(),
            log: false,
            lo,
            hi,
            bold: ticks(step),
            light,
            decimals: (-step.log10().floor()).max(0.0) as usize,
        }
    }

    /// A log axis covering `[min, max]` (both > 0), widened to whole decades.
    pub(super) fn log(title: impl Into<String>, min: f64, max: f64) -> Axis {
        let lo = min.log10().floor();
        let mut hi = max.log10().ceil();
        if hi <= lo {
            hi = lo + 1.0;
        }
        let decades = (lo as i32)..=(hi as i32);
        let every = if hi - lo > 8.0 { 2 } else { 1 };
        Axis {
            title: title.into(),
            log: true,
            lo,
            hi,
            bold: decades
                .clone()
                .filter(|k| k.rem_euclid(every) == 0)
                .map(f64::from)
                .collect(),
            light: decades
                .flat_map(|k| (2..10).map(move |m| f64::from(k) + f64::from(m).log10()))
                .filter(|v| *v < hi)
                .collect(),
            decimals: 0,
        }
    }

    /// `v` in axis space.
    pub(super) fn to_axis(&self, v: f64) -> f64 {
        if self.log { v.log10() } else { v }
    }

    /// The label of the tick at `v` (axis space).
    pub(super) fn label(&self, v: f64) -> String {
        if !self.log {
            let text = format!("{v:.*}", self.decimals);
            // No "-0".
            return if text.trim_start_matches(['-', '0', '.']).is_empty() {
                text.trim_start_matches('-').to_string()
            } else {
                text
            };
        }
        let k = v.round() as i32;
        match k {
            0..=6 => format!("{}", 10u64.pow(k as u32)),
            -6..=-1 => format!("{:.*}", (-k) as usize, 10f64.powi(k)),
            _ => format!("1e{k}"),
        }
    }

    pub(super) fn coord(&self) -> Ticks {
        Ticks {
            lo: self.lo,
            hi: self.hi,
            bold: self.bold.clone(),
            light: self.light.clone(),
        }
    }

    /// Pixels the tick labels take across.
    pub(super) fn label_width(&self, size: u32) -> u32 {
        self.bold
            .iter()
            .map(|v| text_width(&self.label(*v), size))
            .max()
            .unwrap_or(0)
    }
}

/// A linear coordinate with given ticks (labelled: `bold`; grid lines only:
/// `light`), labels formatted by the caller.
#[derive(Clone, Debug)]
pub(super) struct Ticks {
    pub(super) lo: f64,
    pub(super) hi: f64,
    pub(super) bold: Vec<f64>,
    pub(super) light: Vec<f64>,
}

impl Ranged for Ticks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, v: &f64, limit: (i32, i32)) -> i32 {
        let share = (v - self.lo) / (self.hi - self.lo);
        let pixels = f64::from(limit.1 - limit.0) * share;
        limit.0 + pixels.clamp(-1e6, 1e6).round() as i32
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            self.light.clone()
        } else {
            self.bold.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

/// 1, 2 or 5 times a power of ten, near `raw`.
fn nice_step(raw: f64) -> f64 {
    if !(raw > 0.0 && raw.is_finite()) {
        return 1.0;
    }
    let magnitude = 10f64.powf(raw.log10().floor());
    let m = raw / magnitude;
    let nice = if m < 1.5 {
        1.0
    } else if m < 3.0 {
        2.0
    } else if m < 7.0 {
        5.0
    } else {
        10.0
    };
    nice * magnitude
}

/// The smallest and largest of `values`, if any.
pub(super) fn bounds(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    values
        .filter(|v| v.is_finite())
        .fold(None, |acc, v| match acc {
            None => Some((v, v)),
            Some((lo, hi)) => Some((v.min(lo), v.max(hi))),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ticks_are_round_and_labelled_without_float_noise() {
        let a = Axis::linear("x", 0.0, 1.0);
        assert_eq!(a.bold.len(), 11);
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels[3], "0.3");
        assert_eq!(labels[10], "1.0");
        let b = Axis::linear("x", -1e-12, 2000.0);
        assert_eq!(b.label(b.bold[0]), "0");
        assert_eq!(b.bold[1], 200.0);
    }

    #[test]
    fn log_axes_cover_whole_decades() {
        let a = Axis::log("x", 0.0042, 130.0);
        assert_eq!((a.lo, a.hi), (-3.0, 3.0));
        let labels: Vec<String> = a.bold.iter().map(|v| a.label(*v)).collect();
        assert_eq!(labels, ["0.001", "0.01", "0.1", "1", "10", "100", "1000"]);
        assert_eq!(a.light.len(), 6 * 8);
        // A single value still gets a decade.
        let b = Axis::log("x", 10.0, 10.0);
        assert_eq!((b.lo, b.hi), (1.0, 2.0));
    }
}
