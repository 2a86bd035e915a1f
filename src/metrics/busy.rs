//! CPU time spent computing inside the measurement window, by class: what
//! `cpu_utilization` divides by the window's capacity.

use super::summary::Window;
use crate::task::ClassId;
use crate::time::SimTime;

/// Busy CPU-nanoseconds by class, clipped to the measurement window, from the
/// engine's [`Recorder::busy`](super::Recorder::busy) reports.
///
/// Floating-point sums depend on their order, so each class's total adds the
/// reports in the order the engine made them and [`BusyTime::total`] adds the
/// classes in class order: the same run gives the same bits.
#[derive(Clone, Debug)]
pub struct BusyTime {
    window: Window,
    ns_by_class: Vec<f64>,
}

impl BusyTime {
    /// Nothing computed yet, by any of `classes` classes, in `window`.
    pub fn new(classes: usize, window: Window) -> Self {
        BusyTime {
            window,
            ns_by_class: vec![0.0; classes],
        }
    }

    /// Tasks of `class` computed from `from` to `to` on `cpus` CPUs' worth of
    /// capacity; only the part inside the window counts.
    #[inline]
    pub fn add(&mut self, class: ClassId, from: SimTime, to: SimTime, cpus: f64) {
        let lo = from.max(self.window.warmup);
        let hi = to.min(self.window.horizon);
        if hi > lo {
            self.ns_by_class[class.0 as usize] += (hi - lo).as_nanos() as f64 * cpus;
        }
    }

    /// CPU-nanoseconds `class` computed in the window (0 for a class never
    /// reported).
    pub fn of_class(&self, class: usize) -> f64 {
        self.ns_by_class.get(class).copied().unwrap_or(0.0)
    }

    /// CPU-nanoseconds all classes computed in the window.
    pub fn total(&self) -> f64 {
        self.ns_by_class.iter().sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_window_counts() {
        let mut b = BusyTime::new(
            2,
            Window {
                warmup: SimTime(10),
                horizon: SimTime(100),
            },
        );
        b.add(ClassId(0), SimTime(0), SimTime(20), 1.0);
        b.add(ClassId(0), SimTime(90), SimTime(200), 0.5);
        b.add(ClassId(1), SimTime(0), SimTime(5), 1.0);
        b.add(ClassId(1), SimTime(100), SimTime(120), 1.0);
        assert_eq!(b.of_class(0), 10.0 + 5.0);
        assert_eq!(b.of_class(1), 0.0);
        assert_eq!(b.of_class(7), 0.0);
        assert_eq!(b.total(), 15.0);
    }
}
