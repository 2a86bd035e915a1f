//! A sample of durations that answers mean, max and percentiles: exact while
//! small, then streamed into an HDR histogram (3 significant digits, so every
//! percentile is within 0.1%) so memory stays bounded however long the run.

use hdrhistogram::Histogram;

/// Values kept exactly before switching to the histogram.
pub(super) const EXACT_LIMIT: usize = 200_000;

/// Durations in nanoseconds.
#[derive(Clone, Debug)]
pub(super) struct Samples {
    exact: Vec<u64>,
    sorted: bool,
    histogram: Option<Histogram<u64>>,
    count: u64,
    sum: u128,
    max: u64,
}

impl Default for Samples {
    fn default() -> Self {
        Samples {
            exact: Vec::new(),
            sorted: true,
            histogram: None,
            count: 0,
            sum: 0,
            max: 0,
        }
    }
}

impl Samples {
    /// Adds one value.
    pub(super) fn record(&mut self, ns: u64) {
        self.count += 1;
        self.sum += u128::from(ns);
        self.max = self.max.max(ns);
        match &mut self.histogram {
            Some(h) => record_into(h, ns),
            None => {
                self.sorted &= self.exact.last().is_none_or(|&last| last <= ns);
                self.exact.push(ns);
                if self.exact.len() > EXACT_LIMIT {
                    let mut h = Histogram::new(3).expect("3 significant digits is valid");
                    for &v in &self.exact {
                        record_into(&mut h, v);
                    }
                    self.histogram = Some(h);
                    self.exact = Vec::new();
                }
            }
        }
    }

    /// Number of values (the summaries keep their own counts).
    #[cfg(test)]
    pub(super) fn count(&self) -> u64 {
        self.count
    }

    /// Exact mean, if any values.
    pub(super) fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum as f64 / self.count as f64)
    }

    /// Exact maximum, if any values.
    pub(super) fn max(&self) -> Option<u64> {
        (self.count > 0).then_some(self.max)
    }

    /// The `q`-quantile by the nearest-rank method: the smallest value with at
    /// least a fraction `q` of the values at or below it.
    pub(super) fn quantile(&mut self, q: f64) -> Option<u64> {
        if self.count == 0 {
            return None;
        }
        if let Some(h) = &self.histogram {
            return Some(h.value_at_quantile(q).min(self.max));
        }
        if !self.sorted {
            self.exact.sort_unstable();
            self.sorted = true;
        }
        let n = self.exact.len();
        let rank = ((q * n as f64).ceil() as usize).clamp(1, n);
        Some(self.exact[rank - 1])
    }
}

/// Records into an auto-resizing histogram (`saturating_record` would clamp at
/// the current top instead of growing).
fn record_into(h: &mut Histogram<u64>, ns: u64) {
    if h.record(ns).is_err() {
        h.saturating_record(ns);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exact_nearest_rank_percentiles() {
        let mut s = Samples::default();
        for v in [5, 1, 4, 2, 3, 10, 9, 8, 7, 6] {
            s.record(v);
        }
        assert_eq!(s.quantile(0.5), Some(5));
        assert_eq!(s.quantile(0.9), Some(9));
        assert_eq!(s.quantile(0.99), Some(10));
        assert_eq!(s.quantile(0.0), Some(1));
        assert_eq!(s.mean(), Some(5.5));
        assert_eq!(s.max(), Some(10));
        assert_eq!(Samples::default().quantile(0.5), None);
    }

    #[test]
    fn large_samples_stay_within_a_tenth_of_a_percent() {
        let mut s = Samples::default();
        let n = EXACT_LIMIT as u64 * 3;
        for i in 0..n {
            s.record(i * 7919 % n * 1000 + 1);
        }
        let p99 = s.quantile(0.99).unwrap() as f64;
        let exact = (0.99 * n as f64).ceil() * 1000.0 - 1000.0 + 1.0;
        assert!((p99 - exact).abs() / exact < 1e-3, "{p99} vs {exact}");
        assert_eq!(s.count(), n);
        assert_eq!(s.max(), Some((n - 1) * 1000 + 1));
    }
}
