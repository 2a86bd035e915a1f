//! Across replications: the mean and 95% confidence half-width of every
//! metric (Student's t over independent replications), and paired comparisons
//! of policies: because every policy of a replication runs the same workload
//! (common random numbers), the per-replication differences vary far less than
//! the metrics themselves, and their interval is much tighter than the two
//! policies' intervals side by side.
//!
//! This module works on the summaries it is handed; the batch groups its
//! cells by point, policy and replication (`batch::aggregate`,
//! `batch::paired`).

use statrs::distribution::{ContinuousCDF, StudentsT};

use super::metric::{Metric, PerMetric};
use super::summary::{ClassSummary, Classes};

/// A mean over `n` values with its 95% confidence half-width (`None` for a
/// single value).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Estimate {
    /// Number of values.
    pub n: usize,
    /// Their mean.
    pub mean: f64,
    /// Half-width of the 95% Student t interval.
    pub half_width: Option<f64>,
}

/// The 0.975 quantile of Student's t with `df` degrees of freedom.
pub fn t_975(df: usize) -> f64 {
    StudentsT::new(0.0, 1.0, df as f64).map_or(f64::NAN, |t| t.inverse_cdf(0.975))
}

/// Mean and 95% interval of `xs`, summed in order (so the result does not
/// depend on how the values were computed in parallel).
pub fn estimate(xs: &[f64]) -> Option<Estimate> {
    let n = xs.len();
    if n == 0 {
        return None;
    }
    let mean = xs.iter().sum::<f64>() / n as f64;
    let half_width = (n > 1).then(|| {
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        t_975(n - 1) * (var / n as f64).sqrt()
    });
    Some(Estimate {
        n,
        mean,
        half_width,
    })
}

/// A mean and the half-width of its 95% confidence interval (`None` for a
/// single value), as `aggregate.csv` has them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Interval {
    /// The mean.
    pub mean: f64,
    /// Half-width of the 95% Student t interval.
    pub half_width: Option<f64>,
}

impl Estimate {
    /// The mean and its interval, without the count.
    pub fn interval(self) -> Interval {
        Interval {
            mean: self.mean,
            half_width: self.half_width,
        }
    }
}

/// One row of `aggregate.csv`: a point, policy and class, as the batch
/// computes it and as the report reads it back.
#[derive(Clone, Debug, PartialEq)]
pub struct AggregateRow {
    /// Sweep point.
    pub point: usize,
    /// The point's swept value (empty without a sweep).
    pub sweep_value: String,
    /// Policy label.
    pub policy: String,
    /// The class, or all classes.
    pub class: Classes,
    /// Replications aggregated.
    pub replications: usize,
    /// Each metric's mean over the replications where it is defined (`None`
    /// where it is defined in none).
    pub intervals: PerMetric<Option<Interval>>,
}

impl AggregateRow {
    /// The mean of `metric`.
    pub fn mean(&self, metric: Metric) -> Option<f64> {
        self.intervals[metric].map(|i| i.mean)
    }
    /// The 95% half-width of `metric`.
    pub fn ci95(&self, metric: Metric) -> Option<f64> {
        self.intervals[metric].and_then(|i| i.half_width)
    }
}

/// Every metric over `summaries` (one per replication): its mean and
/// interval over the summaries where it is defined.
pub fn intervals(summaries: &[&ClassSummary]) -> PerMetric<Option<Interval>> {
    PerMetric::from_fn(|metric| {
        let xs: Vec<f64> = summaries.iter().filter_map(|s| metric.value(s)).collect();
        estimate(&xs).map(Estimate::interval)
    })
}

/// One row of `paired.csv`: policy `a` minus policy `b` on one metric.
#[derive(Clone, Debug, PartialEq)]
pub struct PairedRow {
    /// Sweep point.
    pub point: usize,
    /// The point's swept value (empty without a sweep).
    pub sweep_value: String,
    /// The class, or all classes.
    pub class: Classes,
    /// First policy's label.
    pub a: String,
    /// Second policy's label.
    pub b: String,
    /// The metric compared.
    pub metric: Metric,
    /// Mean of the per-replication differences a - b, with its interval.
    pub difference: Estimate,
}

impl PairedRow {
    /// Whether the difference is significant at 95%: its interval excludes 0.
    pub fn significant(&self) -> bool {
        self.difference
            .half_width
            .is_some_and(|h| self.difference.mean.abs() > h)
    }
}

/// The mean difference `a - b` of `metric` over `pairs`, each the summaries
/// of one replication under two policies, over the pairs where both have
/// the metric.
pub fn difference<'a>(
    pairs: impl IntoIterator<Item = (&'a ClassSummary, &'a ClassSummary)>,
    metric: Metric,
) -> Option<Estimate> {
    let diffs: Vec<f64> = pairs
        .into_iter()
        .filter_map(|(a, b)| Some(metric.value(a)? - metric.value(b)?))
        .collect();
    estimate(&diffs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_the_tables() {
        // NIST/SEMATECH e-Handbook, table 1.3.6.7.2.
        for (df, t) in [
            (1, 12.706),
            (4, 2.776),
            (9, 2.262),
            (29, 2.045),
            (100, 1.984),
        ] {
            assert!((t_975(df) - t).abs() < 5e-4, "df {df}: {}", t_975(df));
        }
    }

    #[test]
    fn estimate_of_known_values() {
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.mean, 3.0);
        // sd = sqrt(2.5), se = sqrt(0.5), t(4) = 2.776445.
        assert!((e.half_width.unwrap() - 2.776445 * 0.5f64.sqrt()).abs() < 1e-5);
        assert_eq!(estimate(&[7.0]).unwrap().half_width, None);
        assert!(estimate(&[]).is_none());
    }
}
